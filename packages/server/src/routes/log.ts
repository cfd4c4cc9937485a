import { decodeLogEntry, type LogEntry } from '@holdall/log'
import {
  accessLogSchema,
  keyServedProofSchema,
  keyServedQuerySchema,
  LOG_CHECKPOINT_HEADER,
  logCheckpointSchema,
  logConsistencyQuerySchema,
  logConsistencySchema,
  logEntriesQuerySchema,
  logEntriesSchema,
  logInclusionQuerySchema,
  logInclusionSchema,
  MAX_LOG_ENTRIES_PER_PAGE,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, route } from '../http/route.js'
import { unavailableAsProblem } from '../services/log-checkpoints.js'
import { logEntryView } from '../wire/views.js'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

function decodeOrUndefined(entry: Uint8Array): LogEntry | undefined {
  try {
    return decodeLogEntry(entry)
  } catch {
    return undefined
  }
}

/**
 * The vault's access log (spec 5.13) and its verifiable Merkle log (spec 8.8): the latest signed
 * checkpoint, entries by range, inclusion and consistency proofs (RFC 9162 2.1.3, 2.1.4) for the
 * holder's devices; the signed proof of a `key_served` entry for a grantee (spec 8.7). A caller
 * may present the latest checkpoint it holds in `Holdall-Log-Checkpoint`; if it contradicts the
 * log the host answers `log_inconsistent` and serves nothing (LOG-GOSSIP-01).
 */
export function registerLogRoutes(app: App, ctx: AppContext): void {
  registerAccessLog(app, ctx)
  registerTreeRoutes(app, ctx)
  registerProofRoutes(app, ctx)
  registerKeyServed(app, ctx)
  registerGranteeConsistency(app, ctx)
}

/**
 * A grantee's consistency proof: after a move (spec 12.7) a service joins the checkpoint it held
 * of the old host, and the size the holder committed, to the new host's log ([MIG-LOG-01]).
 */
function registerGranteeConsistency(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/grant/log/consistency',
    auth: 'grantee',
    tag: 'grantee',
    summary: "RFC 9162 consistency proof between two sizes of the grant's vault log",
    schema: { querystring: logConsistencyQuerySchema, response: { 200: logConsistencySchema } },
    async handler(request, _reply, { vaultId }) {
      const { from, to } = request.query
      if (from > to || to > (await ctx.logCheckpoints.size(vaultId)))
        throw new HttpProblem('invalid_request', 'from ≤ to, and to a size the log has reached')
      const proof = await unavailableAsProblem(() => ctx.repos.verifiableLog.consistencyProof(vaultId, from, to))
      return { from, to, proof: proof.map(b64) }
    },
  })
}

function registerAccessLog(app: App, ctx: AppContext): void {
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

function registerTreeRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/log/checkpoint',
    auth: 'holder',
    tag: 'holder',
    summary: "The latest signed checkpoint of the vault's Merkle log",
    schema: { params: vaultPathSchema, response: { 200: logCheckpointSchema } },
    async handler(request, _reply, { vaultId }) {
      await ctx.logCheckpoints.checkPresented(vaultId, request.headers[LOG_CHECKPOINT_HEADER])
      return { checkpoint: (await ctx.logCheckpoints.checkpoint(vaultId)).note }
    },
  })

  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/log/entries',
    auth: 'holder',
    tag: 'holder',
    summary: 'Canonical log entries [start, end), at most 1000',
    schema: { params: vaultPathSchema, querystring: logEntriesQuerySchema, response: { 200: logEntriesSchema } },
    async handler(request, _reply, { vaultId }) {
      const { start, end } = request.query
      const size = await ctx.logCheckpoints.size(vaultId)
      if (start > end || end > size || end - start > MAX_LOG_ENTRIES_PER_PAGE)
        throw new HttpProblem(
          'invalid_request',
          `a range within the log's ${size} entries, start ≤ end, at most ${MAX_LOG_ENTRIES_PER_PAGE}`,
        )
      const entries = await unavailableAsProblem(() => ctx.repos.verifiableLog.entries(vaultId, start, end))
      return { start, entries: entries.map(b64) }
    },
  })
}

function registerProofRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/log/inclusion',
    auth: 'holder',
    tag: 'holder',
    summary: 'RFC 9162 inclusion proof of one entry in the tree of a given size',
    schema: { params: vaultPathSchema, querystring: logInclusionQuerySchema, response: { 200: logInclusionSchema } },
    async handler(request, _reply, { vaultId }) {
      const { index, size } = request.query
      if (index >= size || size > (await ctx.logCheckpoints.size(vaultId)))
        throw new HttpProblem('invalid_request', 'an index below a size the log has reached')
      const proof = await unavailableAsProblem(() => ctx.repos.verifiableLog.inclusionProof(vaultId, index, size))
      return { index, size, proof: proof.map(b64) }
    },
  })

  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/log/consistency',
    auth: 'holder',
    tag: 'holder',
    summary: 'RFC 9162 consistency proof between two sizes of the log',
    schema: {
      params: vaultPathSchema,
      querystring: logConsistencyQuerySchema,
      response: { 200: logConsistencySchema },
    },
    async handler(request, _reply, { vaultId }) {
      const { from, to } = request.query
      if (from > to || to > (await ctx.logCheckpoints.size(vaultId)))
        throw new HttpProblem('invalid_request', 'from ≤ to, and to a size the log has reached')
      const proof = await unavailableAsProblem(() => ctx.repos.verifiableLog.consistencyProof(vaultId, from, to))
      return { from, to, proof: proof.map(b64) }
    },
  })
}

function registerKeyServed(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/grant/log/key-served',
    auth: 'grantee',
    tag: 'grantee',
    summary:
      "A key_served entry of this grant, its inclusion proof and the signed checkpoint (and consistency from the caller's)",
    schema: { querystring: keyServedQuerySchema, response: { 200: keyServedProofSchema } },
    async handler(request, _reply, { vaultId, grant }) {
      const { index } = request.query
      const presented = await ctx.logCheckpoints.checkPresented(vaultId, request.headers[LOG_CHECKPOINT_HEADER])
      // A tree holding the entry and at least as large as the caller's: the proof then joins the two.
      const { note, size } = await ctx.logCheckpoints.checkpointHolding(vaultId, Math.max(index, (presented ?? 0) - 1))
      if (index >= size) throw new HttpProblem('not_found', 'no such entry of this grant')
      const [entry] = await unavailableAsProblem(() => ctx.repos.verifiableLog.entries(vaultId, index, index + 1))
      // A grantee sees only its own grant's key_served entries.
      const decoded = entry === undefined ? undefined : decodeOrUndefined(entry)
      if (entry === undefined || decoded?.type !== 'key_served' || b64(decoded.grantId) !== grant.id)
        throw new HttpProblem('not_found', 'no such entry of this grant')
      const { inclusion: proof, consistency } = await ctx.repos.verifiableLog.inclusionAndConsistency(
        vaultId,
        index,
        size,
        presented,
      )
      return {
        checkpoint: note,
        index,
        entry: b64(entry),
        proof: proof.map(b64),
        ...(consistency === undefined ? {} : { consistency: consistency.map(b64) }),
      }
    },
  })
}
