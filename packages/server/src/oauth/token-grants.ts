import { importJWK, jwtVerify } from 'jose'
import { authenticateClient } from '../auth/client-auth.js'
import type { DpopProof } from '../auth/dpop.js'
import { issueTokens, REFRESH_RETRY_GRACE_MS } from '../auth/tokens.js'
import { type AppContext, TOKEN_PATH } from '../context.js'
import { OAuthError } from '../errors.js'
import { randomToken, sha256Base64url } from '../hashing.js'
import { closeStreamsOfTokenFamily } from '../services/stream-slots.js'

/*
 * The token endpoint's three grants. Each authenticates its caller itself (RFC 6749): a device
 * assertion, a client assertion, or a refresh token with client authentication; each with a DPoP
 * proof the tokens bind to, verified by the route before any grant spends anything.
 */

export const POLL_INTERVAL_SECONDS = 2
/** A poll this much sooner than the interval is still on time (network jitter), spec 5.8. */
const POLL_JITTER_MS = 500
/** What a client that polled too fast must wait from then on (CIBA section 11: 5 s more). */
const SLOWED_INTERVAL_SECONDS = POLL_INTERVAL_SECONDS + 5

export type TokenGrant = (ctx: AppContext, proof: DpopProof, params: Record<string, string>) => Promise<object>

/** A holder device logs in with a JWT signed by its own key (RFC 7523 section 2.1) and a DPoP proof by the same key. */
export async function deviceToken(ctx: AppContext, proof: DpopProof, params: Record<string, string>) {
  const assertion = params.assertion
  if (typeof assertion !== 'string') throw new OAuthError('invalid_request', 'assertion is required')
  const device = await ctx.repos.vaults.device(proof.jkt)
  if (device === undefined || device.status !== 'active')
    throw new OAuthError('invalid_grant', 'unknown or removed device')
  let jti: string
  try {
    const key = await importJWK(JSON.parse(device.signing_jwk), 'EdDSA')
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: ['EdDSA', 'Ed25519'],
      issuer: device.id,
      subject: device.vault_id,
      audience: `${ctx.config.publicUrl}${TOKEN_PATH}`,
      requiredClaims: ['exp', 'iat', 'jti'],
      maxTokenAge: 300,
      clockTolerance: 5,
      currentDate: new Date(ctx.clock()),
    })
    // At most 5 minutes long, whatever its iat says (chapter 5.5): a leaked assertion dies soon.
    if ((payload.exp as number) - (payload.iat as number) > 300) throw new Error('too long-lived')
    jti = payload.jti as string
  } catch {
    throw new OAuthError('invalid_grant', 'the device assertion did not verify')
  }
  if (!(await ctx.replay.firstUse(`device-assertion:${device.id}`, jti, ctx.clock() + 310_000)))
    throw new OAuthError('invalid_grant', 'the device assertion was already used')
  return issueTokens(ctx.repos.tokens, ctx.clock(), {
    subjectType: 'device',
    subject: device.id,
    vaultId: device.vault_id,
    grantId: null,
    jkt: proof.jkt,
    family: randomToken(16),
  })
}

/** A service redeems an approved request (OpenID CIBA, poll mode). */
export async function cibaToken(ctx: AppContext, proof: DpopProof, params: Record<string, string>) {
  const client = await authenticateClient(ctx, params)
  const row = await ctx.repos.requests.findForClient(params.auth_req_id ?? '', client.clientId)
  if (row === undefined) throw new OAuthError('invalid_grant', 'unknown auth_req_id')
  const now = ctx.clock()
  if (row.status === 'denied') throw new OAuthError('access_denied', 'the holder did not share')
  if (row.status === 'pending') {
    if (row.expires_at <= now) throw new OAuthError('expired_token', 'the request expired before the holder answered')
    // [API-REQ-05] A poll sooner than the interval (less jitter) after the last one: slow down.
    const polls = await ctx.counter.hit(`ciba-poll:${row.id}`, POLL_INTERVAL_SECONDS * 1000 - POLL_JITTER_MS)
    if (polls.count > 1) {
      throw new OAuthError(
        'slow_down',
        `poll no more often than every ${SLOWED_INTERVAL_SECONDS} seconds`,
        400,
        {},
        {
          interval: SLOWED_INTERVAL_SECONDS,
        },
      )
    }
    throw new OAuthError('authorization_pending', 'the holder has not answered yet')
  }
  if (row.status !== 'approved' || row.grant_id === null || row.redeemed_at !== null)
    throw new OAuthError('invalid_grant', 'the request cannot be redeemed')
  const grant = await ctx.repos.grants.find(row.grant_id)
  if (grant === undefined || grant.status !== 'active' || grant.expires_at <= now)
    throw new OAuthError('invalid_grant', 'the grant is no longer active')
  // [API-REQ-07] Redeemed once: one approval, one token family.
  if (!(await ctx.repos.requests.claimRedemption(row.id)))
    throw new OAuthError('invalid_grant', 'the request was already redeemed')
  const tokens = await issueTokens(ctx.repos.tokens, ctx.clock(), {
    subjectType: 'client',
    subject: client.clientId,
    vaultId: row.vault_id,
    grantId: grant.id,
    jkt: proof.jkt,
    family: randomToken(16),
  })
  return {
    ...tokens,
    grant_id: grant.id,
    vault_id: row.vault_id,
    authorization_details: JSON.parse(grant.authorization_details),
  }
}

/**
 * Refresh tokens are DPoP-bound and rotated. A retry of the same refresh token within a minute
 * (the response was lost on a bad connection) gets a fresh pair; a later reuse is theft and
 * revokes the whole family (RFC 9700 section 4.14). A service is a confidential client, so it
 * authenticates too (RFC 6749 section 6, spec API-TOK-05); a device's DPoP key is its own key.
 */
export async function refreshToken(ctx: AppContext, proof: DpopProof, params: Record<string, string>) {
  const row = await ctx.repos.tokens.refresh(sha256Base64url(params.refresh_token ?? ''))
  const now = ctx.clock()
  if (row === undefined || row.revoked !== 0 || row.expires_at <= now || row.jkt !== proof.jkt) {
    throw new OAuthError('invalid_grant', 'the refresh token is not valid')
  }
  await authenticateRefresh(ctx, row, params)
  if (row.rotated_at !== null && now - row.rotated_at > REFRESH_RETRY_GRACE_MS) {
    await ctx.repos.tokens.revokeFamily(row.family)
    closeStreamsOfTokenFamily(ctx.notifier, row.vault_id, row.family)
    throw new OAuthError('invalid_grant', 'the refresh token was already used')
  }
  if (row.grant_id !== null && (row.grant_status !== 'active' || (row.grant_expires_at ?? 0) <= now)) {
    throw new OAuthError('invalid_grant', 'the grant is no longer active')
  }
  await ctx.repos.tokens.markRotated(row.token_hash, row.rotated_at)
  return issueTokens(ctx.repos.tokens, ctx.clock(), {
    subjectType: row.subject_type,
    subject: row.subject,
    vaultId: row.vault_id,
    grantId: row.grant_id,
    jkt: row.jkt,
    family: row.family,
  })
}

/** Who may refresh: the service the tokens were issued to, authenticated; or an active device. */
async function authenticateRefresh(
  ctx: AppContext,
  row: { subject_type: 'device' | 'client'; subject: string },
  params: Record<string, string>,
): Promise<void> {
  if (row.subject_type === 'device') {
    const device = await ctx.repos.vaults.device(row.subject)
    if (device?.status !== 'active') throw new OAuthError('invalid_grant', 'the device is not active')
    return
  }
  const client = await authenticateClient(ctx, params)
  if (client.clientId !== row.subject) throw new OAuthError('invalid_grant', 'the refresh token is not valid')
  const grantTypes = client.metadata.grant_types
  if (grantTypes !== undefined && !grantTypes.includes('refresh_token')) {
    throw new OAuthError('unauthorized_client', 'the client metadata document does not list refresh_token')
  }
}
