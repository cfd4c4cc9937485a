import type { FastifyRequest } from 'fastify'
import type { JWK } from 'jose'
import type { Clock } from '../clock.js'
import { HttpProblem, OAuthError } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import type { ReplayCache } from '../services/replay-cache.js'
import { type VerifiedEmbeddedJwt, verifyEmbeddedEd25519Jwt } from './ed25519-jwt.js'

export interface DpopProof {
  /** RFC 7638 thumbprint of the proof's key. */
  readonly jkt: string
  readonly jwk: JWK
  /** Set when the check was asked to defer recording the `jti`: the caller must record it. */
  readonly unrecorded?: OneTimeId
}

/** A proof's one-time id, to be recorded before any response to the request leaves. */
export interface OneTimeId {
  readonly scope: string
  readonly jti: string
  readonly expiresAt: number
}

export interface DpopCheck {
  /** The external URL of this request (configured origin + path, no query). */
  readonly htu: string
  readonly htm: string
  /** When the request carries an access token, the proof must bind it (`ath`). */
  readonly accessToken?: string
  /** At the token endpoint errors are OAuth errors; elsewhere problem+json with WWW-Authenticate. */
  readonly style: 'oauth' | 'resource'
  /**
   * 'deferred' for a read: the `jti` is returned instead of recorded, and recorded in the same
   * commit as the read's log entries, before its response leaves (http/replay.ts). Anything that
   * changes state records it first ('now', the default).
   */
  readonly replay?: 'now' | 'deferred'
}

const MAX_PROOF_LENGTH = 4096
const PROOF_LIFETIME_SECONDS = 60

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3) and records its `jti` so it can never be used
 * again (section 11.1). Only Ed25519 proofs are accepted. The replay check is an insert into a
 * table keyed by (jkt, jti): it fails closed, and it is shared by every process on the database.
 */
/** The answer to a proof whose `jti` was seen before. */
export function replayedProof(): HttpProblem {
  return new HttpProblem('unauthorized', 'DPoP proof was already used', {
    headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof", algs="EdDSA"' },
  })
}

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
  let verified: VerifiedEmbeddedJwt
  try {
    verified = verifyEmbeddedEd25519Jwt(header, {
      typ: 'dpop+jwt',
      nowSeconds: clock() / 1000,
      maxAgeSeconds: PROOF_LIFETIME_SECONDS,
      toleranceSeconds: 5,
    })
  } catch {
    throw fail('DPoP proof did not verify')
  }
  const { payload, jwk } = verified
  for (const claim of ['jti', 'htm', 'htu', 'iat']) if (!(claim in payload)) throw fail('DPoP proof did not verify')
  const iat = payload.iat as number
  if (iat * 1000 > clock() + 5000) throw fail('DPoP proof issued in the future')
  if (payload.htm !== check.htm) throw fail('DPoP htm does not match')
  if (payload.htu !== check.htu) throw fail('DPoP htu does not match')
  const jti = payload.jti
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) throw fail('DPoP jti must be 16-128 characters')
  if (check.accessToken !== undefined && payload.ath !== sha256Base64url(check.accessToken)) {
    throw fail('DPoP ath does not match the access token')
  }
  const jkt = verified.thumbprint
  const expiresAt = clock() + (PROOF_LIFETIME_SECONDS + 10) * 1000
  if (check.replay === 'deferred') return { jkt, jwk, unrecorded: { scope: jkt, jti, expiresAt } }
  if (!(await replay.firstUse(jkt, jti, expiresAt))) throw fail('DPoP proof was already used')
  return { jkt, jwk }
}

/** The external URL of a request: configured origin plus path, never Host or X-Forwarded-*. */
export function externalUrl(publicUrl: string, request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '/'
  return `${publicUrl}${path}`
}
