import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'

/** Streams an upload into the blob store, within the size limit and the vault's quota. */
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
  if (await ctx.blobs.has(sha256)) {
    ;(request.body as Readable).resume()
    return
  }
  if ((await ctx.repos.vaults.usedBytes(vaultId)) + declared > ctx.config.vaultQuotaBytes)
    throw new HttpProblem('payload_too_large', 'the vault is full')
  await ctx.blobs.write(request.body as Readable, sha256, declared)
  await ctx.repos.vaults.charge(vaultId, declared)
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
