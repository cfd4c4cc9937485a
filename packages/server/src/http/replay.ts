import type { Readable } from 'node:stream'
import { LOG_INDEX_HEADER } from '@holdall/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type OneTimeId, replayedProof } from '../auth/dpop.js'
import type { AppContext } from '../context.js'
import type { LogEntry } from '../repositories/log.js'
import type { CommittedLeaf } from '../services/replay-cache.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** A read's DPoP `jti`, recorded with its log entries just before the response leaves. */
    pendingProof: OneTimeId | null
    /** Log entries a read owes (keys served), committed with its `jti`. */
    pendingLog: LogEntry[] | null
  }
}

/** Queues a log entry that must be committed before this read's response leaves. */
export function logBeforeResponse(request: FastifyRequest, entry: LogEntry): void {
  if (request.pendingLog === null) request.pendingLog = []
  request.pendingLog.push(entry)
}

/**
 * Commits the read's `jti` and its log entries now, inside the handler, instead of just before the
 * response leaves: for a read whose answer carries the proof of its own entries (spec 8.7.1). The
 * same group commit, the same refusal of a replayed proof (401, nothing logged).
 */
export async function commitReadNow(request: FastifyRequest, ctx: AppContext): Promise<CommittedLeaf[]> {
  const proof = request.pendingProof
  const entries = request.pendingLog
  request.pendingProof = null
  request.pendingLog = null
  if (proof === null && entries === null) return []
  const committed = await ctx.replay.commitRead(proof, entries ?? [], ctx.repos.log)
  if (committed === false) throw replayedProof()
  const vaultId = entries?.[0]?.vaultId
  if (vaultId !== undefined) ctx.readProofs.committed(vaultId, committed)
  return committed
}

/**
 * Reads change nothing before they answer, so their DPoP `jti` need not be recorded before the
 * handler runs: it is recorded here, in one group commit with the read's log entries (a
 * `key_served` per key), after the handler and before a byte of the response leaves. A replayed
 * proof is answered 401 and nothing is logged; a failed commit is an error, never a silent
 * answer. Writes record their `jti` first, as before (http/authenticate.ts).
 */
export function registerReadCommit(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('pendingProof', null)
  app.decorateRequest('pendingLog', null)
  app.addHook('onSend', async (request, reply, payload) => {
    const proof = request.pendingProof
    const entries = request.pendingLog
    if (proof === null && entries === null) return payload
    // Cleared first: an error answer below passes through this hook again.
    request.pendingProof = null
    request.pendingLog = null
    let committed: CommittedLeaf[] | false = false
    try {
      committed = await ctx.replay.commitRead(proof, entries ?? [], ctx.repos.log)
    } catch (error) {
      discard(reply, payload)
      throw error
    }
    if (committed === false) {
      discard(reply, payload)
      throw replayedProof()
    }
    // Where each key_served entry landed in the vault's Merkle log: the grantee asks for its
    // inclusion proof before it unwraps the key (spec 8.7).
    const vaultId = entries?.[0]?.vaultId
    if (vaultId !== undefined) ctx.readProofs.committed(vaultId, committed)
    const served = committed.filter((_, i) => entries?.[i]?.event === 'key_served').map((c) => c.index)
    if (served.length > 0 && reply.statusCode < 300) reply.header(LOG_INDEX_HEADER, served.join(','))
    return payload
  })
}

/** Drops a response that will not be sent: its stream closed, its length forgotten. */
function discard(reply: { removeHeader(name: string): unknown }, payload: unknown): void {
  reply.removeHeader('content-length')
  if (payload !== null && typeof (payload as Readable).destroy === 'function') (payload as Readable).destroy()
}
