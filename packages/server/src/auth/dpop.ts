import type { FastifyRequest } from 'fastify'
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose'
import type { Clock } from '../clock.js'
import { HttpProblem, OAuthError } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import type { ReplayCache } from '../services/replay-cache.js'

export interface DpopProof {
  /** RFC 7638 thumbprint of the proof's key. */
  readonly jkt: string
  readonly jwk: JWK
}

export interface DpopCheck {
  /** The external URL of this request (configured origin + path, no query). */
  readonly htu: string
  readonly htm: string
  /** When the request carries an access token, the proof must bind it (`ath`). */
  readonly accessToken?: string
  /** At the token endpoint errors are OAuth errors; elsewhere problem+json with WWW-Authenticate. */
  readonly style: 'oauth' | 'resource'
}

const MAX_PROOF_LENGTH = 4096
const PROOF_LIFETIME_SECONDS = 60

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3) and records its `jti` so it can never be used
 * again (section 11.1). Only Ed25519 proofs are accepted. The replay check is an insert into a
 * table keyed by (jkt, jti): it fails closed, and it is shared by every process on the database.
 */
export async function verifyDpop(
  request: FastifyRequest,
  replay: ReplayCache,
  clock: Clock,
  check: DpopCheck,
): Promise<DpopProof> {
  const fail = (description: string) =>
    check.style === 'oauth'
      ? new OAuthError('invalid_dpop_proof', description, 400)
      : new HttpProblem('unauthorized', description, {
          headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof", algs="EdDSA"' },
        })
  const header = request.headers.dpop
  if (typeof header !== 'string') throw fail('exactly one DPoP header is required')
  if (header.length > MAX_PROOF_LENGTH) throw fail('DPoP proof too long')
  let payload: Record<string, unknown>
  let jwk: JWK
  try {
    const result = await jwtVerify(header, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['EdDSA', 'Ed25519'],
      maxTokenAge: PROOF_LIFETIME_SECONDS,
      clockTolerance: 5,
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      currentDate: new Date(clock()),
    })
    payload = result.payload
    jwk = result.protectedHeader.jwk as JWK
  } catch {
    throw fail('DPoP proof did not verify')
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || 'd' in jwk) throw fail('DPoP key must be a public Ed25519 key')
  const iat = payload.iat as number
  if (iat * 1000 > clock() + 5000) throw fail('DPoP proof issued in the future')
  if (payload.htm !== check.htm) throw fail('DPoP htm does not match')
  if (payload.htu !== check.htu) throw fail('DPoP htu does not match')
  const jti = payload.jti
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) throw fail('DPoP jti must be 16-128 characters')
  if (check.accessToken !== undefined && payload.ath !== sha256Base64url(check.accessToken)) {
    throw fail('DPoP ath does not match the access token')
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256')
  if (!(await replay.firstUse(jkt, jti, clock() + (PROOF_LIFETIME_SECONDS + 10) * 1000)))
    throw fail('DPoP proof was already used')
  return { jkt, jwk }
}

/** The external URL of a request: configured origin plus path, never Host or X-Forwarded-*. */
export function externalUrl(publicUrl: string, request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '/'
  return `${publicUrl}${path}`
}
