import type { FastifyRequest } from 'fastify'
import type { JWK } from 'jose'
import type { Clock } from '../clock.js'
import { HttpProblem, OAuthError } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import type { ReplayCache } from '../services/replay-cache.js'
import { type DpopNonces, NONCED_IAT_WINDOW_SECONDS } from './dpop-nonces.js'
import { type VerifiedEmbeddedJwt, verifyEmbeddedEd25519Jwt } from './ed25519-jwt.js'

/** What proof checking needs from the app: the shared one-time ids, the clock and the nonces. */
export interface DpopContext {
  readonly replay: ReplayCache
  readonly clock: Clock
  readonly nonces: DpopNonces
}

/** The algorithms of a DPoP challenge (spec 2.4): RFC 9864's name first. */
export const DPOP_ALGS = 'algs="Ed25519 EdDSA"'

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
const SKEW_SECONDS = 5

/** The answer to a proof whose `jti` was seen before. */
export function replayedProof(): HttpProblem {
  return new HttpProblem('unauthorized', 'DPoP proof was already used', {
    headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", ${DPOP_ALGS}` },
  })
}

/**
 * Verifies a DPoP proof (RFC 9449 section 4.3) and records its `jti` so it can never be used
 * again (section 11.1). Only Ed25519 proofs are accepted. The replay check is an insert into a
 * table keyed by (jkt, jti): it fails closed, and it is shared by every process on the database.
 *
 * Freshness (spec 5.3, API-DPOP-04): a proof carrying a nonce this host issued in the last
 * 5 minutes is fresh by the host's own clock, so its `iat` may be up to 24 hours out either
 * way; a proof without one must have an `iat` within 65 s before and 5 s after the host's time.
 * A stale or unknown nonce, or a stale proof without one, is answered `use_dpop_nonce` with a
 * fresh nonce, so a client whose clock is hours out gets in at the cost of one round trip.
 */
export async function verifyDpop(request: FastifyRequest, ctx: DpopContext, check: DpopCheck): Promise<DpopProof> {
  const { replay, clock } = ctx
  const fail = (description: string) =>
    check.style === 'oauth'
      ? new OAuthError('invalid_dpop_proof', description, 400)
      : new HttpProblem('unauthorized', description, {
          headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", ${DPOP_ALGS}` },
        })
  const askForNonce = async (description: string) => {
    const nonce = await ctx.nonces.current()
    return check.style === 'oauth'
      ? new OAuthError('use_dpop_nonce', description, 400, { 'dpop-nonce': nonce })
      : new HttpProblem('unauthorized', description, {
          headers: { 'www-authenticate': `DPoP error="use_dpop_nonce", ${DPOP_ALGS}`, 'dpop-nonce': nonce },
        })
  }
  const header = request.headers.dpop
  if (typeof header !== 'string') throw fail('exactly one DPoP header is required')
  if (header.length > MAX_PROOF_LENGTH) throw fail('DPoP proof too long')
  let verified: VerifiedEmbeddedJwt
  try {
    // The widest window a proof can have (with a nonce); the narrow one is applied below.
    verified = verifyEmbeddedEd25519Jwt(header, {
      typ: 'dpop+jwt',
      nowSeconds: clock() / 1000,
      maxAgeSeconds: 0,
      toleranceSeconds: NONCED_IAT_WINDOW_SECONDS,
    })
  } catch {
    throw fail('DPoP proof did not verify')
  }
  const { payload, jwk } = verified
  for (const claim of ['jti', 'htm', 'htu', 'iat']) if (!(claim in payload)) throw fail('DPoP proof did not verify')
  const iat = payload.iat as number
  // Until when the proof's jti must be remembered: as long as the proof could pass again.
  let replayUntil = clock() + (PROOF_LIFETIME_SECONDS + 2 * SKEW_SECONDS) * 1000
  if ('nonce' in payload) {
    const validUntil = typeof payload.nonce === 'string' ? await ctx.nonces.validUntil(payload.nonce) : undefined
    if (validUntil === undefined) throw await askForNonce('the DPoP nonce is unknown or expired')
    replayUntil = Math.max(replayUntil, validUntil + SKEW_SECONDS * 1000)
  } else {
    const age = clock() / 1000 - iat
    if (age > PROOF_LIFETIME_SECONDS + SKEW_SECONDS || age < -SKEW_SECONDS) {
      throw await askForNonce("the DPoP proof is not fresh by this host's clock: use the nonce it gives")
    }
  }
  if (payload.htm !== check.htm) throw fail('DPoP htm does not match')
  if (payload.htu !== check.htu) throw fail('DPoP htu does not match')
  const jti = payload.jti
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) throw fail('DPoP jti must be 16-128 characters')
  if (check.accessToken !== undefined && payload.ath !== sha256Base64url(check.accessToken)) {
    throw fail('DPoP ath does not match the access token')
  }
  const jkt = verified.thumbprint
  if (check.replay === 'deferred') return { jkt, jwk, unrecorded: { scope: jkt, jti, expiresAt: replayUntil } }
  if (!(await replay.firstUse(jkt, jti, replayUntil))) throw fail('DPoP proof was already used')
  return { jkt, jwk }
}

/** The external URL of a request: configured origin plus path, never Host or X-Forwarded-*. */
export function externalUrl(publicUrl: string, request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '/'
  return `${publicUrl}${path}`
}
