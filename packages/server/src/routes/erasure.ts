import { erasureReceiptSchema, erasureRequestSchema, vaultPathSchema } from '@holdall/protocol'
import { externalUrl, verifyDpop } from '../auth/dpop.js'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, route } from '../http/route.js'
import { closeVault, finishErasure } from '../services/erasure.js'

/** Leaving Holdall (spec chapter 13): the holder erases the vault and keeps the receipt. */
export function registerErasureRoutes(app: App, ctx: AppContext): void {
  eraseVault(app, ctx)
  readReceipt(app, ctx)
}

function eraseVault(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/erasure',
    auth: 'holder',
    tag: 'holder',
    summary: 'Close the vault: every grant ends at once, everything of it is erased, a receipt is returned',
    schema: { params: vaultPathSchema, body: erasureRequestSchema, response: { 200: erasureReceiptSchema } },
    async handler(request, _reply, principal) {
      return closeVault(ctx, principal.vaultId, request.body.from_size, principal.deviceId)
    },
  })
}

function readReceipt(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/erasures/:vaultId',
    auth: 'public',
    tag: 'holder',
    summary: "An erased vault's receipt, to a DPoP proof by one of its devices' keys (its tokens are gone)",
    schema: { params: vaultPathSchema, response: { 200: erasureReceiptSchema } },
    async handler(request) {
      const { vaultId } = request.params
      const proof = await verifyDpop(request, ctx, {
        htm: request.method,
        htu: externalUrl(ctx.config.publicUrl, request),
        style: 'resource',
      })
      const row = await ctx.repos.erasures.find(vaultId)
      // [ERA-HOST-06] Anyone else is told nothing, not even that the vault existed.
      const devices = row === undefined ? [] : (JSON.parse(row.device_ids) as string[])
      if (!devices.includes(proof.jkt)) throw new HttpProblem('not_found', 'no such erasure')
      const receipt = await finishErasure(ctx, vaultId)
      if (receipt === undefined) throw new HttpProblem('not_found', 'no such erasure')
      return receipt
    },
  })
}
