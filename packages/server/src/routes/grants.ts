import {
  blobPathSchema,
  emptyBodySchema,
  grantInfoSchema,
  grantListSchema,
  grantPathSchema,
  grantRecordListSchema,
  grantSchema,
  LOG_CHECKPOINT_HEADER,
  LOG_INDEX_HEADER,
  LOG_PROOF_HEADER,
  LOG_PROOF_INLINE,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { commitReadNow, logBeforeResponse } from '../http/replay.js'
import { type App, binaryBody, route } from '../http/route.js'
import { leaves } from '../rules/log-entries.js'
import { sendEnvelope } from '../services/envelopes.js'
import { grantView, inboxView, recordVersionView } from '../wire/views.js'

/** Grants: the holder lists and revokes them (spec 5.9, 5.12); a grantee reads what one covers (5.10). */
export function registerGrantRoutes(app: App, ctx: AppContext): void {
  listGrants(app, ctx)
  revokeGrant(app, ctx)
  readGrant(app, ctx)
  readGrantRecords(app, ctx)
  downloadGrantEnvelope(app, ctx)
}

function listGrants(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/grants',
    auth: 'holder',
    tag: 'holder',
    summary: 'Every grant, live or not',
    schema: { params: vaultPathSchema, response: { 200: grantListSchema } },
    async handler(_request, _reply, principal) {
      const now = ctx.clock()
      return { grants: (await ctx.repos.grants.inVault(principal.vaultId)).map((row) => grantView(row, now)) }
    },
  })
}

function revokeGrant(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/grants/:grantId/revoke',
    auth: 'holder',
    tag: 'holder',
    summary: 'Stop sharing: tokens die and wraps are deleted at once',
    schema: { params: grantPathSchema, body: emptyBodySchema, response: { 200: grantSchema } },
    async handler(request, _reply, principal) {
      const { grantId } = request.params
      if (!(await ctx.repos.grants.revoke(principal.vaultId, grantId, principal.deviceId)))
        throw new HttpProblem('not_found', 'no such grant')
      ctx.notifier.publish(principal.vaultId, { type: 'grant_revoked', id: grantId })
      const grant = await ctx.repos.grants.find(grantId)
      if (grant === undefined) throw new HttpProblem('not_found', 'no such grant')
      return grantView(grant, ctx.clock())
    },
  })
}

function readGrant(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/grant',
    auth: 'grantee',
    tag: 'grantee',
    summary: "The grant behind this token, with the holder's signed receipt",
    schema: { response: { 200: grantInfoSchema } },
    async handler(_request, _reply, { grant, vaultId }) {
      const vault = await ctx.repos.vaults.find(vaultId)
      if (vault === undefined) throw new HttpProblem('not_found', 'no such vault')
      return {
        ...grantView(grant, ctx.clock()),
        // The service checks the receipt, and an issuer the inbox key, against this chain (spec 3.8.1).
        device_chain: await ctx.repos.vaults.deviceChain(vaultId),
        inbox: inboxView(vault),
      }
    },
  })
}

function readGrantRecords(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/grant/records',
    auth: 'grantee',
    tag: 'grantee',
    summary: 'Record versions the grant covers, with wraps to the grantee (each logged)',
    schema: { response: { 200: grantRecordListSchema } },
    async handler(request, reply, principal) {
      const { grant, vaultId } = principal
      const inline = request.headers[LOG_PROOF_HEADER]
      if (inline !== undefined && inline !== LOG_PROOF_INLINE)
        throw new HttpProblem('invalid_request', `${LOG_PROOF_HEADER} takes one value: ${LOG_PROOF_INLINE}`)
      // Gossip (spec 8.8): a service presents the latest checkpoint it holds; a contradicted one stops the read.
      const presented = await ctx.logCheckpoints.checkPresented(vaultId, request.headers[LOG_CHECKPOINT_HEADER])
      const readable = principal.typesFor('read')
      const rows = await ctx.repos.records.grantVersions(vaultId, grant.id)
      const served = rows.filter((row) => readable.has(row.record_type))
      // Every key served is logged before the response leaves, in one commit with the proof's jti.
      for (const row of served) {
        logBeforeResponse(request, {
          vaultId,
          event: 'key_served',
          actor: grant.client_id,
          details: { grant_id: grant.id, record_id: row.record_id, version: row.version, record_type: row.record_type },
          leaf: leaves.keyServed(grant.id, row.record_id, row.version),
        })
      }
      const records = served.map(recordVersionView)
      if (inline === undefined) return { records }
      // The proof of this read's own entries in its answer (spec 8.7.1): committed now, then proved.
      const committed = await commitReadNow(request, ctx)
      if (committed.length > 0) reply.header(LOG_INDEX_HEADER, committed.map((c) => c.index).join(','))
      return { records, log_proof: await ctx.readProofs.prove(vaultId, committed, presented) }
    },
  })
}

function downloadGrantEnvelope(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/grant/blobs/:sha256',
    auth: 'grantee',
    tag: 'grantee',
    summary: 'Download an envelope the grant covers',
    schema: { params: blobPathSchema, produces: ['application/octet-stream'], response: { 200: binaryBody } },
    async handler(request, reply, principal) {
      const { sha256 } = request.params
      const type = await ctx.repos.records.grantBlobType(principal.grant.id, sha256)
      if (type === undefined || !principal.typesFor('read').has(type))
        throw new HttpProblem('not_found', 'no such blob')
      return sendEnvelope(ctx, reply, sha256)
    },
  })
}
