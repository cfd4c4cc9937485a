import { hostname } from 'node:os'
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { isAlive } from './blob-store.js'

/**
 * Streams an upload into the blob store, within the size limit and the vault's quota. The blob
 * then belongs to this vault (repositories/blobs.ts): charged once, expiring unless a version or
 * deposit of this vault names it.
 */
export async function receiveEnvelope(
  ctx: AppContext,
  request: FastifyRequest,
  vaultId: string,
  sha256: string,
): Promise<void> {
  if (request.headers['content-type'] !== 'application/octet-stream') {
    throw new HttpProblem('unsupported_media_type', 'envelopes are uploaded as application/octet-stream')
  }
  const declared = Number(request.headers['content-length'])
  if (!Number.isSafeInteger(declared) || declared < 402)
    throw new HttpProblem('invalid_request', 'a Content-Length of at least 402 is required')
  if (declared > ctx.config.maxRecordBytes)
    throw new HttpProblem('payload_too_large', 'the envelope is larger than this host accepts')
  const limits = {
    quota: ctx.config.vaultQuotaBytes,
    leaseMs: UPLOAD_LEASE_MS,
    unreferencedTtlMs: unreferencedUploadTtlMs(ctx),
    owner: UPLOAD_OWNER,
  }
  // The quota is taken before a byte streams, in one conditional update: concurrent uploads
  // cannot pass it together (each sees the others' reservations).
  const { outcome, freed } = await ctx.repos.blobs.reserve(vaultId, sha256, declared, limits)
  void dropUnheld(ctx, freed)
  const body = request.body as Readable
  if (outcome === 'held') {
    body.resume()
    return
  }
  if (outcome === 'busy') throw new HttpProblem('conflict', 'this envelope is being uploaded already')
  if (outcome === 'full') throw new HttpProblem('payload_too_large', 'the vault is full')
  try {
    await ctx.blobs.write(body, sha256, declared)
  } catch (error) {
    await ctx.repos.blobs.release(vaultId, sha256)
    // Bytes another vault held under this address may have expired meanwhile: now nobody holds them.
    void dropUnheld(ctx, [sha256])
    throw error
  }
  if (!(await ctx.repos.blobs.stored(vaultId, sha256, limits.unreferencedTtlMs)))
    throw new HttpProblem('conflict', 'the upload took longer than its reservation; upload it again')
}

/**
 * How long an upload may hold its quota reservation. Longer than any request may take (the
 * request timeout cuts an upload off at 120 s by default), so it lapses only for an upload whose
 * host stopped while it streamed.
 */
export const UPLOAD_LEASE_MS = 15 * 60_000

/** How long an upload no version or deposit names is kept and counted (ServerConfig, default 24 h). */
export function unreferencedUploadTtlMs(ctx: AppContext): number {
  return ctx.config.unreferencedUploadTtlMs ?? DEFAULT_UNREFERENCED_UPLOAD_TTL_MS
}
export const DEFAULT_UNREFERENCED_UPLOAD_TTL_MS = 24 * 3_600_000

/** This process, as the owner of the uploads it streams. */
const UPLOAD_OWNER = `${hostname()}:${process.pid}`

/**
 * At start: frees the quota reserved by uploads that a process on this machine was streaming when
 * it stopped (a crash mid-upload). Uploads of other machines' processes lapse with their lease.
 */
export async function releaseAbandonedUploads(ctx: AppContext): Promise<void> {
  await ctx.repos.blobs.releaseAbandoned((owner) => {
    const at = owner.lastIndexOf(':')
    const pid = Number(owner.slice(at + 1))
    return owner.slice(0, at) === hostname() && pid !== process.pid && Number.isSafeInteger(pid) && !isAlive(pid)
  })
}

/** Releases every vault's expired uploads and deletes the bytes no vault holds any more (the minute sweep). */
export async function expireUploads(ctx: AppContext): Promise<void> {
  await dropUnheld(ctx, await ctx.repos.blobs.expire())
}

/** Deletes the bytes of blobs no vault holds, each re-checked under the store's guard. */
async function dropUnheld(ctx: AppContext, shas: readonly string[]): Promise<void> {
  for (const sha of shas) {
    await ctx.blobs.remove(sha, () => ctx.repos.blobs.heldByNone(sha)).catch(() => {})
  }
}

/** Streams an envelope out; the caller has already decided the requester may have it. */
export async function sendEnvelope(ctx: AppContext, reply: FastifyReply, sha256: string) {
  const blob = await ctx.blobs.open(sha256)
  if (blob === undefined) throw new HttpProblem('not_found', 'no such blob')
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', blob.length)
    .header('cache-control', 'no-store')
    .send(blob.stream)
}
