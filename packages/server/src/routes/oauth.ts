import { backchannelResponseSchema, tokenResponseSchema } from '@holdall/protocol'
import { authenticateClient } from '../auth/client-auth.js'
import { externalUrl, verifyDpop } from '../auth/dpop.js'
import { type AppContext, BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'
import { OAuthError } from '../errors.js'
import { randomId } from '../hashing.js'
import { refuseRequestUnlessLive } from '../http/move-gate.js'
import { type App, route } from '../http/route.js'
import { vaultForHandleRecord } from '../oauth/handle-hint.js'
import { PairingGuesses } from '../oauth/pairing-guesses.js'
import { checkTiers, formParams, parseBindingMessage, parseDetails, requestLifetimeMs } from '../oauth/parameters.js'
import { cibaToken, deviceToken, POLL_INTERVAL_SECONDS, refreshToken, type TokenGrant } from '../oauth/token-grants.js'
import { normalisePairingCode } from '../rules/pairing-code.js'

export const GRANT_TYPE_CIBA = 'urn:openid:params:grant-type:ciba'
export const GRANT_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** The OAuth endpoints: CIBA backchannel authentication and the token endpoint (spec 5.8, 5.3). */
export function registerOAuthRoutes(app: App, ctx: AppContext): void {
  const guesses = new PairingGuesses(ctx.counter)

  backchannelAuthorize(app, ctx, guesses)
  tokenEndpoint(app, ctx)
  // RFC 9449 section 8 and [API-DPOP-04]: every answer of the token endpoint carries a current
  // nonce, including refusals made before its handler (content type, size, protocol version).
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.split('?')[0] === TOKEN_PATH && !reply.hasHeader('dpop-nonce'))
      reply.header('dpop-nonce', await ctx.nonces.current())
    return payload
  })
}

function backchannelAuthorize(app: App, ctx: AppContext, guesses: PairingGuesses): void {
  route(app, {
    method: 'POST',
    url: BC_AUTHORIZE_PATH,
    auth: 'oauth',
    tag: 'oauth',
    summary:
      'CIBA backchannel authentication: a service asks the holder behind a pairing code (form-encoded, private_key_jwt)',
    schema: { response: { 200: backchannelResponseSchema } },
    async handler(request, reply) {
      const params = formParams(request)
      const client = await authenticateClient(ctx, params)
      const now = ctx.clock()
      const idempotencyKey = request.headers['idempotency-key']
      if (typeof idempotencyKey === 'string') {
        const previous = await ctx.repos.requests.previousAnswer(client.clientId, idempotencyKey)
        if (previous !== undefined)
          return reply
            .code(previous.status as 200)
            .header('cache-control', 'no-store')
            .send(JSON.parse(previous.body))
      }
      if (await guesses.tooMany(client.clientId)) {
        throw new OAuthError('slow_down', 'too many wrong pairing codes; wait before trying again', 429, {
          'retry-after': '600',
        })
      }
      const details = parseDetails(params.authorization_details)
      const bindingMessage = parseBindingMessage(params.binding_message)
      checkTiers(client, details)
      const lifetimeMs = requestLifetimeMs(params.requested_expiry)
      const vaultId = await vaultForLoginHint(ctx, params)
      if (vaultId === undefined) {
        await guesses.count(client.clientId)
        throw new OAuthError('unknown_user_id', 'the pairing code is not valid (codes work once, for 10 minutes)')
      }
      await refuseRequestUnlessLive(ctx, vaultId)
      const id = randomId()
      const [signing, agreement] = client.metadata.jwks.keys
      await ctx.repos.requests.create({
        id,
        vaultId,
        clientId: client.clientId,
        clientName: client.name,
        clientCategory: client.category,
        clientKeys: { signing, agreement },
        details,
        bindingMessage,
        expiresAt: now + lifetimeMs,
      })
      ctx.notifier.publish(vaultId, { type: 'request', id })
      const body = { auth_req_id: id, expires_in: lifetimeMs / 1000, interval: POLL_INTERVAL_SECONDS }
      if (typeof idempotencyKey === 'string' && idempotencyKey.length <= 200)
        await ctx.repos.requests.rememberAnswer(client.clientId, idempotencyKey, body)
      return reply.header('cache-control', 'no-store').send(body)
    },
  })
}

function tokenEndpoint(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: TOKEN_PATH,
    auth: 'oauth',
    tag: 'oauth',
    summary: 'Token endpoint: device login (jwt-bearer), CIBA poll, refresh; DPoP-bound tokens',
    schema: { response: { 200: tokenResponseSchema } },
    async handler(request, reply) {
      // Every answer of the token endpoint carries a current nonce (RFC 9449 section 8).
      reply.header('dpop-nonce', await ctx.nonces.current())
      const params = formParams(request)
      const grant = GRANTS.get(params.grant_type ?? '')
      if (grant === undefined) throw new OAuthError('unsupported_grant_type', 'grant_type is not supported')
      // The proof first: a use_dpop_nonce answer must leave the client assertion, the refresh
      // token and the auth_req_id unspent, so the client can send the same request again.
      const htu = externalUrl(ctx.config.publicUrl, request)
      const proof = await verifyDpop(request, ctx, { htm: 'POST', htu, style: 'oauth' })
      const body = await grant(ctx, proof, params)
      return reply
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send(body as never)
    },
  })
}

const GRANTS = new Map<string, TokenGrant>([
  [GRANT_TYPE_JWT_BEARER, deviceToken],
  [GRANT_TYPE_CIBA, cibaToken],
  ['refresh_token', refreshToken],
])

/**
 * The vault a login hint names: a pairing code (spec 5.8, single use), or, as CIBA's
 * `login_hint_token`, the holder-signed record of a handle naming this host (spec 11.4,
 * [FED-HANDLE-06]), checked against the vault's chain here.
 */
async function vaultForLoginHint(ctx: AppContext, params: Record<string, string>): Promise<string | undefined> {
  if (params.login_hint_token !== undefined) return vaultForHandleRecord(ctx, params.login_hint_token)
  const code = normalisePairingCode(params.login_hint ?? '')
  return code === undefined ? undefined : ctx.repos.requests.redeemPairingCode(code)
}
