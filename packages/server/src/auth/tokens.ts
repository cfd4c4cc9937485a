import type { FastifyRequest } from 'fastify'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { randomToken, sha256Base64url } from '../hashing.js'
import type { AccessTokenRow, NewTokenRow, TokenRepository } from '../repositories/tokens.js'
import { DPOP_ALGS, externalUrl, type OneTimeId, verifyDpop } from './dpop.js'

export const ACCESS_TOKEN_SECONDS = 600
export const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
/** A retried refresh within this window (lost response) gets a fresh pair instead of a family revocation. */
export const REFRESH_RETRY_GRACE_MS = 60_000

export interface TokenSubject {
  readonly subjectType: 'device' | 'client'
  readonly subject: string
  readonly vaultId: string
  readonly grantId: string | null
  readonly jkt: string
  readonly family: string
}

export interface IssuedTokens {
  readonly access_token: string
  readonly token_type: 'DPoP'
  readonly expires_in: number
  readonly refresh_token: string
}

/**
 * Opaque 256-bit tokens, stored only as SHA-256 and bound to a DPoP key (security.md D12): every
 * request looks the token up, so a revocation bites at the next request.
 */
export async function issueTokens(tokens: TokenRepository, now: number, subject: TokenSubject): Promise<IssuedTokens> {
  const access = randomToken()
  const refresh = randomToken()
  const row: NewTokenRow = {
    subject_type: subject.subjectType,
    subject: subject.subject,
    vault_id: subject.vaultId,
    grant_id: subject.grantId,
    jkt: subject.jkt,
    family: subject.family,
    revoked: 0,
    rotated_at: null,
    created_at: now,
  }
  await tokens.insertPair(
    row,
    { hash: sha256Base64url(access), expiresAt: now + ACCESS_TOKEN_SECONDS * 1000 },
    { hash: sha256Base64url(refresh), expiresAt: now + REFRESH_TOKEN_SECONDS * 1000 },
  )
  return { access_token: access, token_type: 'DPoP', expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refresh }
}

/** A live access token: the row that proved it (with its device or grant) and the proof's unrecorded `jti`. */
export interface AuthenticatedToken {
  readonly row: AccessTokenRow
  readonly unrecorded: OneTimeId | undefined
}

/** The token of an `Authorization: DPoP <token>` header; the scheme is case-insensitive (RFC 9110 11.1). */
export function dpopAccessToken(header: string): string | undefined {
  return /^dpop +/i.test(header) ? header.replace(/^dpop +/i, '').trim() : undefined
}

const challenge = (error: string) => ({ 'www-authenticate': `DPoP error="${error}", ${DPOP_ALGS}` })

/**
 * Authenticates a resource request: `Authorization: DPoP <token>` (never Bearer), a valid DPoP
 * proof over this request bound to the token, a live token, and (for grantees) a live grant, or
 * (for devices) an active device. Every failure is the same 401 so a caller learns nothing about
 * which part failed. The token, its grant and its device are read in one statement.
 */
export async function authenticateToken(
  request: FastifyRequest,
  ctx: Pick<AppContext, 'repos' | 'replay' | 'clock' | 'config' | 'nonces'>,
  replay: 'now' | 'deferred' = 'now',
): Promise<AuthenticatedToken> {
  const header = request.headers.authorization
  // No credentials at all: a bare challenge, with no error code (RFC 6750 3.1).
  if (typeof header !== 'string' || header === '') {
    throw new HttpProblem('unauthorized', 'a DPoP-bound access token is required', {
      headers: { 'www-authenticate': `DPoP ${DPOP_ALGS}` },
    })
  }
  const token = dpopAccessToken(header)
  if (token === undefined) {
    throw new HttpProblem('unauthorized', 'a DPoP-bound access token is required', {
      headers: challenge('invalid_token'),
    })
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) {
    throw new HttpProblem('unauthorized', 'the access token is not valid', { headers: challenge('invalid_token') })
  }
  const proof = await verifyDpop(request, ctx, {
    htm: request.method,
    htu: externalUrl(ctx.config.publicUrl, request),
    accessToken: token,
    style: 'resource',
    replay,
  })
  const hash = sha256Base64url(token)
  const row = await ctx.repos.tokens.access(hash)
  const now = ctx.clock()
  const live = row !== undefined && row.revoked === 0 && row.expires_at > now && row.jkt === proof.jkt
  if (!live) {
    // [ERA-HOST-03] A token of an erased vault is told so, with a stable code (checked only on refusal).
    if ((row === undefined || row.jkt === proof.jkt) && (await ctx.repos.erasures.refuses(hash, row?.vault_id)))
      throw new HttpProblem('vault_erased', 'the holder erased this vault')
    throw new HttpProblem('unauthorized', 'the access token is not valid', { headers: challenge('invalid_token') })
  }
  if (row.grant_id !== null && (row.grant_status !== 'active' || (row.grant_expires_at ?? 0) <= now)) {
    throw new HttpProblem('unauthorized', 'the grant is no longer active', { headers: challenge('invalid_token') })
  }
  if (row.subject_type === 'device' && row.device_status !== 'active') {
    throw new HttpProblem('unauthorized', 'the device is not active', { headers: challenge('invalid_token') })
  }
  return { row, unrecorded: proof.unrecorded }
}
