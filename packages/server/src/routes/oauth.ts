import { type AuthorizationDetail, authorizationDetailSchema, mayReceive, type RecordType } from '@holdall/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { importJWK, jwtVerify } from 'jose'
import { z } from 'zod'
import { type AuthenticatedClient, authenticateClient } from '../auth/client-auth.js'
import { externalUrl, verifyDpop } from '../auth/dpop.js'
import { issueTokens, REFRESH_RETRY_GRACE_MS } from '../auth/tokens.js'
import { type AppContext, BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'
import { lockVault } from '../db/locks.js'
import { OAuthError } from '../errors.js'
import { randomId, randomToken, sha256Base64url } from '../hashing.js'
import { appendLog } from '../services/access-log.js'
import { doc } from './doc.js'

const REQUEST_LIFETIME_MS = 10 * 60_000
const POLL_INTERVAL_SECONDS = 2
const PAIRING_FAILURES_ALLOWED = 10
const PAIRING_FAILURE_WINDOW_MS = 10 * 60_000
/**
 * Wrong pairing codes from all clients together. A guesser can make many client ids (each is just
 * a metadata document), so the per-client count alone does not bound guessing: this does. With
 * 40-bit codes live for 10 minutes, 200 guesses per window give a guesser odds of about 2e-10
 * per live code per window. Honest services rarely mistype, and a wrong code costs them a retry.
 */
const PAIRING_FAILURES_ALLOWED_GLOBALLY = 200
/** Clients remembered for the per-client count; beyond this the oldest are forgotten. */
const PAIRING_CLIENTS_TRACKED = 10_000
const DEPOSIT_CATEGORIES = new Set(['prison_healthcare', 'prison', 'probation', 'id_scheme'])

export const GRANT_TYPE_CIBA = 'urn:openid:params:grant-type:ciba'
export const GRANT_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** OAuth parameters: form-encoded, each at most once (RFC 6749 section 3.1). */
function formParams(request: FastifyRequest): Record<string, string> {
  if (!(request.body instanceof URLSearchParams)) {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded')
  }
  const out: Record<string, string> = {}
  for (const [name, value] of request.body) {
    if (name in out) throw new OAuthError('invalid_request', `parameter ${name} is repeated`)
    if (value.length > 8192) throw new OAuthError('invalid_request', `parameter ${name} is too long`)
    out[name] = value
  }
  return out
}

export function registerOAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const failures = new Map<string, number[]>()
  let globalFailures: number[] = []

  app.post(
    BC_AUTHORIZE_PATH,
    doc(
      'oauth',
      'CIBA backchannel authentication: a service asks the holder behind a pairing code (form-encoded, private_key_jwt)',
    ),
    async (request, reply) => {
      const params = formParams(request)
      const client = await authenticateClient(ctx, params)
      const now = ctx.clock()

      const idempotencyKey = request.headers['idempotency-key']
      if (typeof idempotencyKey === 'string') {
        const previous = await ctx.db
          .selectFrom('idempotency')
          .selectAll()
          .where('principal', '=', client.clientId)
          .where('key', '=', idempotencyKey)
          .executeTakeFirst()
        if (previous !== undefined)
          return reply.code(previous.status).header('cache-control', 'no-store').send(JSON.parse(previous.body))
      }

      const recent = (failures.get(client.clientId) ?? []).filter((t) => now - t < PAIRING_FAILURE_WINDOW_MS)
      globalFailures = globalFailures.filter((t) => now - t < PAIRING_FAILURE_WINDOW_MS)
      if (recent.length >= PAIRING_FAILURES_ALLOWED || globalFailures.length >= PAIRING_FAILURES_ALLOWED_GLOBALLY) {
        throw new OAuthError('slow_down', 'too many wrong pairing codes; wait before trying again', 429, {
          'retry-after': '600',
        })
      }
      const details = parseDetails(params.authorization_details)
      const bindingMessage = params.binding_message ?? ''
      if (!/^[\p{L}\p{N} -]{4,40}$/u.test(bindingMessage)) {
        throw new OAuthError(
          'invalid_binding_message',
          'binding_message must be 4-40 letters, digits, spaces or hyphens',
        )
      }
      checkTiers(client, details)
      const lifetimeMs = requestLifetimeMs(params.requested_expiry)

      const code = (params.login_hint ?? '').toUpperCase().replace(/[\s-]/g, '')
      const pairing = /^[0-9A-Z]{8}$/.test(code)
        ? await ctx.db
            .selectFrom('pairing_codes')
            .selectAll()
            .where('code_hash', '=', sha256Base64url(code))
            .executeTakeFirst()
        : undefined
      if (pairing === undefined || pairing.used_at !== null || pairing.expires_at <= now) {
        failures.delete(client.clientId)
        failures.set(client.clientId, [...recent, now])
        if (failures.size > PAIRING_CLIENTS_TRACKED) failures.delete(failures.keys().next().value as string)
        globalFailures.push(now)
        throw new OAuthError('unknown_user_id', 'the pairing code is not valid (codes work once, for 10 minutes)')
      }
      const used = await ctx.db
        .updateTable('pairing_codes')
        .set({ used_at: now })
        .where('code_hash', '=', pairing.code_hash)
        .where('used_at', 'is', null)
        .executeTakeFirst()
      if (Number(used.numUpdatedRows) !== 1) throw new OAuthError('unknown_user_id', 'the pairing code is not valid')

      const id = randomId()
      const [signing, agreement] = client.metadata.jwks.keys
      await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, pairing.vault_id)
        await trx
          .insertInto('auth_requests')
          .values({
            id,
            vault_id: pairing.vault_id,
            client_id: client.clientId,
            client_name: client.name,
            client_category: client.category,
            client_keys: JSON.stringify({ signing, agreement }),
            authorization_details: JSON.stringify(details),
            binding_message: bindingMessage,
            status: 'pending',
            grant_id: null,
            redeemed_at: null,
            expires_at: now + lifetimeMs,
            created_at: now,
          })
          .execute()
        await appendLog(trx, ctx.clock, pairing.vault_id, 'request_created', client.clientId, {
          request_id: id,
          client_name: client.name,
          record_types: details.flatMap((d) => d.record_types),
        })
      })
      ctx.notifier.publish(pairing.vault_id, { type: 'request', id })
      const body = { auth_req_id: id, expires_in: lifetimeMs / 1000, interval: POLL_INTERVAL_SECONDS }
      if (typeof idempotencyKey === 'string' && idempotencyKey.length <= 200) {
        await ctx.db
          .insertInto('idempotency')
          .values({
            principal: client.clientId,
            key: idempotencyKey,
            request_hash: '',
            status: 200,
            body: JSON.stringify(body),
            created_at: now,
          })
          .onConflict((c) => c.doNothing())
          .execute()
      }
      return reply.header('cache-control', 'no-store').send(body)
    },
  )

  app.post(
    TOKEN_PATH,
    doc('oauth', 'Token endpoint: device login (jwt-bearer), CIBA poll, refresh; DPoP-bound tokens'),
    async (request, reply) => {
      const params = formParams(request)
      const htu = externalUrl(ctx.config.publicUrl, request)
      const send = (body: object) => reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body)
      switch (params.grant_type) {
        case GRANT_TYPE_JWT_BEARER:
          return send(await deviceToken(ctx, request, params, htu))
        case GRANT_TYPE_CIBA:
          return send(await cibaToken(ctx, request, params, htu))
        case 'refresh_token':
          return send(await refreshToken(ctx, request, params, htu))
        default:
          throw new OAuthError('unsupported_grant_type', 'grant_type is not supported')
      }
    },
  )
}

function parseDetails(raw: string | undefined): AuthorizationDetail[] {
  let json: unknown
  try {
    json = JSON.parse(raw ?? '')
  } catch {
    throw new OAuthError('invalid_authorization_details', 'authorization_details must be a JSON array')
  }
  const parsed = z.array(authorizationDetailSchema).min(1).max(5).safeParse(json)
  if (!parsed.success) throw new OAuthError('invalid_authorization_details', 'authorization_details is not valid')
  return parsed.data
}

/** Sensitivity tiers are the host's to enforce, whatever a holder's device would approve. */
function checkTiers(client: AuthenticatedClient, details: AuthorizationDetail[]): void {
  for (const detail of details) {
    for (const type of detail.record_types) {
      if (!mayReceive(type as RecordType, client.category)) {
        throw new OAuthError(
          'invalid_authorization_details',
          `${type} records are never shared with this kind of organisation`,
        )
      }
    }
    if (detail.actions.includes('deposit') && !DEPOSIT_CATEGORIES.has(client.category)) {
      throw new OAuthError('invalid_authorization_details', 'only verified issuers may deposit records')
    }
  }
}

/** A holder device logs in with a JWT signed by its own key (RFC 7523 section 2.1) and a DPoP proof by the same key. */
async function deviceToken(ctx: AppContext, request: FastifyRequest, params: Record<string, string>, htu: string) {
  const assertion = params.assertion
  if (typeof assertion !== 'string') throw new OAuthError('invalid_request', 'assertion is required')
  const proof = await verifyDpop(request, ctx.replay, ctx.clock, { htm: 'POST', htu, style: 'oauth' })
  const device = await ctx.db.selectFrom('devices').selectAll().where('id', '=', proof.jkt).executeTakeFirst()
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
  return issueTokens(ctx.db, ctx.clock, {
    subjectType: 'device',
    subject: device.id,
    vaultId: device.vault_id,
    grantId: null,
    jkt: proof.jkt,
    family: randomToken(16),
  })
}

async function cibaToken(ctx: AppContext, request: FastifyRequest, params: Record<string, string>, htu: string) {
  const client = await authenticateClient(ctx, params)
  const row = await ctx.db
    .selectFrom('auth_requests')
    .selectAll()
    .where('id', '=', params.auth_req_id ?? '')
    .where('client_id', '=', client.clientId)
    .executeTakeFirst()
  if (row === undefined) throw new OAuthError('invalid_grant', 'unknown auth_req_id')
  const now = ctx.clock()
  if (row.status === 'denied') throw new OAuthError('access_denied', 'the holder did not share')
  if (row.status === 'pending') {
    if (row.expires_at <= now) throw new OAuthError('expired_token', 'the request expired before the holder answered')
    throw new OAuthError('authorization_pending', 'the holder has not answered yet')
  }
  if (row.status !== 'approved' || row.grant_id === null)
    throw new OAuthError('invalid_grant', 'the request cannot be redeemed')
  const grant = await ctx.db.selectFrom('grants').selectAll().where('id', '=', row.grant_id).executeTakeFirstOrThrow()
  if (grant.status !== 'active' || grant.expires_at <= now)
    throw new OAuthError('invalid_grant', 'the grant is no longer active')
  const proof = await verifyDpop(request, ctx.replay, ctx.clock, { htm: 'POST', htu, style: 'oauth' })
  // A redemption may be retried if its response was lost: each one starts a new token family.
  await ctx.db.updateTable('auth_requests').set({ redeemed_at: now }).where('id', '=', row.id).execute()
  const tokens = await issueTokens(ctx.db, ctx.clock, {
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
 * revokes the whole family (RFC 9700 section 4.14).
 */
async function refreshToken(ctx: AppContext, request: FastifyRequest, params: Record<string, string>, htu: string) {
  const proof = await verifyDpop(request, ctx.replay, ctx.clock, { htm: 'POST', htu, style: 'oauth' })
  const row = await ctx.db
    .selectFrom('tokens')
    .selectAll()
    .where('token_hash', '=', sha256Base64url(params.refresh_token ?? ''))
    .where('kind', '=', 'refresh')
    .executeTakeFirst()
  const now = ctx.clock()
  if (row === undefined || row.revoked !== 0 || row.expires_at <= now || row.jkt !== proof.jkt) {
    throw new OAuthError('invalid_grant', 'the refresh token is not valid')
  }
  if (row.rotated_at !== null && now - row.rotated_at > REFRESH_RETRY_GRACE_MS) {
    await ctx.db.updateTable('tokens').set({ revoked: 1 }).where('family', '=', row.family).execute()
    throw new OAuthError('invalid_grant', 'the refresh token was already used')
  }
  if (row.grant_id !== null) {
    const grant = await ctx.db
      .selectFrom('grants')
      .select(['status', 'expires_at'])
      .where('id', '=', row.grant_id)
      .executeTakeFirst()
    if (grant === undefined || grant.status !== 'active' || grant.expires_at <= now) {
      throw new OAuthError('invalid_grant', 'the grant is no longer active')
    }
  }
  await ctx.db
    .updateTable('tokens')
    .set({ rotated_at: row.rotated_at ?? now })
    .where('token_hash', '=', row.token_hash)
    .execute()
  return issueTokens(ctx.db, ctx.clock, {
    subjectType: row.subject_type,
    subject: row.subject,
    vaultId: row.vault_id,
    grantId: row.grant_id,
    jkt: row.jkt,
    family: row.family,
  })
}

/**
 * CIBA `requested_expiry` (OpenID CIBA section 7.1): a service may ask for a shorter life than the
 * host's 10 minutes (a desk that closes soon), never a longer one.
 */
function requestLifetimeMs(requested: string | undefined): number {
  if (requested === undefined) return REQUEST_LIFETIME_MS
  if (!/^[1-9]\d{0,5}$/.test(requested))
    throw new OAuthError('invalid_request', 'requested_expiry must be a positive number of seconds')
  return Math.min(REQUEST_LIFETIME_MS, Number(requested) * 1000)
}
