import { accessLogSchema, vaultPathSchema } from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { type App, route } from '../http/route.js'
import { logEntryView } from '../wire/views.js'

/** The vault's access log (spec 5.13). */
export function registerLogRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/log',
    auth: 'holder',
    tag: 'holder',
    summary: 'The hash-chained access log',
    schema: { params: vaultPathSchema, response: { 200: accessLogSchema } },
    handler: async (_request, _reply, principal) => ({
      entries: (await ctx.repos.log.entries(principal.vaultId)).map(logEntryView),
    }),
  })
}
