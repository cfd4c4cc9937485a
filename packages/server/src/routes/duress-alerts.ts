import { duressAlertStateSchema, fireDuressAlertSchema, putDuressAlertSchema, vaultPathSchema } from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import { type App, noContent, route } from '../http/route.js'

/*
 * Issue 19: the duress PIN's silent alert (spec 10.9). The holder sets it for one live supporter
 * grant ([DUR-ALERT-02]); the decoy fires it with a token and learns nothing from the answer
 * ([DUR-ALERT-03]); the supporter reads its own grant's alert only ([DUR-ALERT-04]).
 */
export function registerDuressAlertRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/vaults/:vaultId/duress-alert',
    auth: 'holder',
    tag: 'holder',
    summary: "Set the vault's silent duress alert: a live supporter grant and the SHA-256 of the decoy's token",
    schema: { params: vaultPathSchema, body: putDuressAlertSchema, response: { 204: noContent } },
    async handler(request, reply, { vaultId }) {
      const { grant_id, token_sha256 } = request.body
      const grant = await ctx.repos.grants.find(grant_id)
      const now = ctx.clock()
      if (grant === undefined || grant.vault_id !== vaultId || grant.status !== 'active' || grant.expires_at <= now)
        throw new HttpProblem('not_found', 'no such grant')
      // Only a supporter (spec 10.7) hears of a duress unlock: never a service the holder shares with.
      const category = ctx.trustList?.find(grant.client_id)?.category ?? grant.client_category
      if (category !== 'supporter') throw new HttpProblem('invalid_request', 'only a supporter can be told')
      await ctx.repos.duressAlerts.put(vaultId, grant_id, token_sha256)
      return reply.code(204).send(null)
    },
  })
  route(app, {
    method: 'POST',
    url: '/duress-alert',
    auth: 'public',
    tag: 'holder',
    summary: 'Fire a silent duress alert: 204 whether or not the token is known',
    schema: { body: fireDuressAlertSchema, response: { 204: noContent } },
    async handler(request, reply) {
      await ctx.repos.duressAlerts.fire(sha256Base64url(Buffer.from(request.body.token, 'base64url')))
      return reply.code(204).send(null)
    },
  })
  route(app, {
    method: 'GET',
    url: '/grant/duress-alert',
    auth: 'grantee',
    tag: 'grantee',
    summary: "Whether the holder's duress alert for this grant has fired",
    schema: { response: { 200: duressAlertStateSchema } },
    async handler(_request, reply, { grant, vaultId }) {
      reply.header('cache-control', 'no-store')
      return ctx.repos.duressAlerts.forGrant(vaultId, grant.id)
    },
  })
}
