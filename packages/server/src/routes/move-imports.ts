import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { CompactRange, leafHash } from '@holdall/log'
import {
  moveBlobPathSchema,
  moveCommitSchema,
  moveImportSchema,
  movePathSchema,
  moveStatusSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { pauseFor } from '../fault-injection.js'
import { sha256Base64url } from '../hashing.js'
import { type App, noContent, route } from '../http/route.js'
import { idBytes } from '../rules/log-entries.js'
import { checkMoveCommit, checkMoveStatement, checkPackage, sameHost, verifiedChain } from '../rules/move.js'
import { statusView } from './moves.js'

/** The largest package this host takes in one request (a vault's rows, not its envelopes). */
const MAX_PACKAGE_BYTES = 64 * 1024 * 1024

/**
 * Arriving at this host (spec chapter 12). No account here yet: the holder's signed move statement
 * and commit authenticate these calls, and every envelope is checked against its address.
 */
export function registerMoveImportRoutes(app: App, ctx: AppContext): void {
  importRoute(app, ctx)
  importStatusRoute(app, ctx)
  envelopeRoute(app, ctx)
  goLiveRoute(app, ctx)
}

function importRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/moves',
    auth: 'public',
    tag: 'move',
    summary: "Import a vault's package on the holder's signed move statement (served to nobody until the commit)",
    bodyLimit: MAX_PACKAGE_BYTES,
    schema: { body: moveImportSchema, response: { 200: moveStatusSchema } },
    async handler(request) {
      const { statement, package: p } = request.body
      const chain = verifiedChain(p.vault.id, p.device_chain)
      const claims = checkMoveStatement(statement, chain)
      if (!sameHost(claims.to, ctx.config.publicUrl))
        throw new HttpProblem('signature_invalid', 'the move statement names another host')
      checkPackage(p, statement, claims)
      const used = p.blobs.reduce((sum, b) => sum + b.length, 0)
      if (used > ctx.config.vaultQuotaBytes)
        throw new HttpProblem('payload_too_large', 'the vault is larger than this host takes')
      const range = CompactRange.empty()
      for (const row of p.log) range.append(leafHash(new Uint8Array(Buffer.from(row.entry, 'base64url'))))
      const packageSha256 = createHash('sha256').update(JSON.stringify(p)).digest('base64url')
      const row = await ctx.repos.moveImports.begin(p, {
        moveId: claims.move,
        statement,
        from: claims.from.replace(/\/+$/, ''),
        packageSha256,
        logRoot: Buffer.from(range.root()).toString('base64url'),
      })
      return statusView(row, await missing(ctx, row.vault_id))
    },
  })
}

function importStatusRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/moves/:moveId',
    auth: 'public',
    tag: 'move',
    summary: 'Where an import stands: its state, its log, the envelopes still missing',
    schema: { params: movePathSchema, response: { 200: moveStatusSchema } },
    async handler(request) {
      const row = await ctx.repos.moveImports.byMove(request.params.moveId)
      if (row === undefined) throw new HttpProblem('not_found', 'no such move here')
      return statusView(row, row.state === 'importing' ? await missing(ctx, row.vault_id) : [])
    },
  })
}

function envelopeRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/moves/:moveId/blobs/:sha256',
    auth: 'public',
    tag: 'move',
    summary: 'Upload one envelope the package names (application/octet-stream), checked against its address',
    schema: { params: moveBlobPathSchema, consumes: ['application/octet-stream'], response: { 204: noContent } },
    async handler(request, reply) {
      const { moveId, sha256 } = request.params
      const row = await ctx.repos.moveImports.byMove(moveId)
      const body = request.body as Readable
      if (row === undefined || row.state !== 'importing') throw new HttpProblem('not_found', 'no such import here')
      const length = await ctx.repos.moveImports.blobLength(row.vault_id, sha256)
      if (length === undefined) throw new HttpProblem('not_found', 'the package names no such envelope')
      // [MIG-PKG-03] The bytes must have the address and length the package names.
      if (Number(request.headers['content-length']) !== length)
        throw new HttpProblem('envelope_invalid', 'the envelope is not the length the package names')
      if (await ctx.blobs.has(sha256)) {
        body.resume()
        return reply.code(204).send(null)
      }
      await ctx.blobs.write(body, sha256, length)
      await pauseFor('move-blob-stored')
      return reply.code(204).send(null)
    },
  })
}

function goLiveRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/moves/:moveId/commit',
    auth: 'public',
    tag: 'move',
    summary: "Make an imported vault live on the holder's signed commit",
    schema: { params: movePathSchema, body: moveCommitSchema, response: { 200: moveStatusSchema } },
    async handler(request) {
      const row = await ctx.repos.moveImports.byMove(request.params.moveId)
      if (row === undefined) throw new HttpProblem('not_found', 'no such move here')
      const chain = verifiedChain(row.vault_id, await ctx.repos.moves.chain(row.vault_id))
      const claims = checkMoveCommit(request.body.commit, chain, row.statement)
      if (row.state === 'live') {
        if (row.commit_jws !== request.body.commit) throw new HttpProblem('move_replayed', 'this move is live already')
        return statusView(row, [])
      }
      if (claims.log_size !== Number(row.log_size) || claims.log_root !== row.log_root)
        throw new HttpProblem('move_incomplete', 'the commit names another log than the one imported')
      const lacking = await missing(ctx, row.vault_id)
      if (lacking.length > 0) throw new HttpProblem('move_incomplete', `${lacking.length} envelopes have not arrived`)
      const live = await ctx.repos.moveImports.goLive(row.vault_id, row.move_id, request.body.commit, {
        type: 'vault_arrived',
        moveId: idBytes(row.move_id),
        statementSha256: idBytes(sha256Base64url(row.statement)),
        host: row.other_host,
      })
      if (live === undefined) throw new HttpProblem('conflict', 'this import was replaced')
      return statusView(live, [])
    },
  })
}

function missing(ctx: AppContext, vaultId: string): Promise<string[]> {
  return ctx.repos.moveImports.missing(vaultId, (sha) => ctx.blobs.has(sha))
}
