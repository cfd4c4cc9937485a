import {
  approveRequestSchema,
  emptyBodySchema,
  grantSchema,
  pairingCodeSchema,
  pendingRequestListSchema,
  requestPathSchema,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, noContent, route } from '../http/route.js'
import { checkReceiptAgainstRequest, verifyReceipt } from '../rules/grant-receipt.js'
import { PAIRING_LIFETIME_MS, randomPairingCode } from '../rules/pairing-code.js'
import { grantView, pendingRequestView } from '../wire/views.js'

/** Pairing codes, the requests they let services make, and the holder's answer (spec 5.7-5.9). */
export function registerRequestRoutes(app: App, ctx: AppContext): void {
  createPairingCode(app, ctx)
  listRequests(app, ctx)
  approveRequest(app, ctx)
  denyRequest(app, ctx)
}

function createPairingCode(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/pairing-codes',
    auth: 'holder',
    tag: 'holder',
    summary: 'A single-use pairing code (10 minutes)',
    schema: { params: vaultPathSchema, body: emptyBodySchema, response: { 201: pairingCodeSchema } },
    async handler(_request, reply, principal) {
      const expiresAt = ctx.clock() + PAIRING_LIFETIME_MS
      const code = randomPairingCode()
      await ctx.repos.requests.addPairingCode(principal.vaultId, code, expiresAt)
      return reply.code(201).header('cache-control', 'no-store').send({ code, expires_at: expiresAt })
    },
  })
}

function listRequests(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/requests',
    auth: 'holder',
    tag: 'holder',
    summary: "Requests waiting for the holder's answer",
    schema: { params: vaultPathSchema, response: { 200: pendingRequestListSchema } },
    handler: async (_request, _reply, principal) => ({
      requests: await Promise.all((await ctx.repos.requests.pending(principal.vaultId)).map(pendingRequestView)),
    }),
  })
}

function approveRequest(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/requests/:requestId/approve',
    auth: 'holder',
    tag: 'holder',
    summary: 'Approve (possibly narrowed): a signed grant receipt and HPKE wraps',
    schema: { params: requestPathSchema, body: approveRequestSchema, response: { 200: grantSchema } },
    async handler(request, _reply, principal) {
      const { vaultId, deviceId } = principal
      const { requestId } = request.params
      const { receipt, wraps } = request.body
      const now = ctx.clock()
      const row = await ctx.repos.requests.find(vaultId, requestId)
      if (row === undefined) throw new HttpProblem('not_found', 'no such request')
      if (row.status === 'approved' && row.grant_id !== null) {
        const grant = await ctx.repos.grants.find(row.grant_id)
        if (grant !== undefined && grant.receipt === receipt) return grantView(grant, now) // a retried approval
        throw new HttpProblem('conflict', 'the request was already answered')
      }
      if (row.status !== 'pending' || row.expires_at <= now)
        throw new HttpProblem('conflict', 'the request is no longer open')
      // The receipt: signed by this device, about this request, no wider than what was asked.
      const device = await ctx.repos.vaults.device(deviceId)
      if (device === undefined) throw new HttpProblem('not_found', 'no such vault')
      const claims = await verifyReceipt(receipt, device.signing_jwk)
      const context = { deviceId, vaultId, audience: ctx.config.publicUrl, now }
      const types = await checkReceiptAgainstRequest(claims, context, row)
      await ctx.repos.grants.approve(
        {
          id: claims.jti,
          vaultId,
          requestId,
          clientId: row.client_id,
          clientName: row.client_name,
          receipt,
          details: claims.authorization_details,
          expiresAt: claims.exp * 1000,
          ...(claims.nbf === undefined ? {} : { startsAt: claims.nbf * 1000 }),
          wraps,
          types,
        },
        deviceId,
      )
      const grant = await ctx.repos.grants.find(claims.jti)
      if (grant === undefined) throw new HttpProblem('not_found', 'no such grant')
      return grantView(grant, ctx.clock())
    },
  })
}

function denyRequest(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/requests/:requestId/deny',
    auth: 'holder',
    tag: 'holder',
    summary: 'Refuse a request',
    schema: { params: requestPathSchema, body: emptyBodySchema, response: { 204: noContent } },
    async handler(request, reply, principal) {
      const { vaultId, deviceId } = principal
      const { requestId } = request.params
      if (!(await ctx.repos.requests.deny(vaultId, requestId, deviceId))) {
        const row = await ctx.repos.requests.find(vaultId, requestId)
        if (row === undefined) throw new HttpProblem('not_found', 'no such request')
        if (row.status === 'pending') throw new HttpProblem('conflict', 'the request is no longer open')
        if (row.status !== 'denied') throw new HttpProblem('conflict', 'the request was already answered')
      }
      return reply.code(204).send(null)
    },
  })
}
