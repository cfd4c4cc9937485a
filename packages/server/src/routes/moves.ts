import {
  moveCommitSchema,
  movePackageSchema,
  moveStartSchema,
  moveStatusSchema,
  tombstoneSchema,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import type { VaultMoveTable } from '../db/schema.js'
import { HttpProblem } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import { tombstoneDocument } from '../http/move-gate.js'
import { type App, noContent, route } from '../http/route.js'
import { exportPackage } from '../repositories/move-package.js'
import { idBytes } from '../rules/log-entries.js'
import { checkMoveCommit, checkMoveStatement, sameHost, verifiedChain } from '../rules/move.js'

const TOMBSTONE_MS = 180 * 86_400_000

/** Leaving this host (spec chapter 12): freeze, package, commit (the tombstone), abort; the public tombstone. */
export function registerMoveRoutes(app: App, ctx: AppContext): void {
  freezeRoute(app, ctx)
  packageRoute(app, ctx)
  commitRoute(app, ctx)
  abortRoute(app, ctx)
  tombstoneRoute(app, ctx)
}

function freezeRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/move',
    auth: 'holder',
    tag: 'move',
    summary: "Freeze the vault for a move, on the holder's signed move statement",
    schema: { params: vaultPathSchema, body: moveStartSchema, response: { 200: moveStatusSchema } },
    async handler(request, _reply, principal) {
      const { vaultId } = principal
      const { statement } = request.body
      const chain = verifiedChain(vaultId, await ctx.repos.moves.chain(vaultId))
      const claims = checkMoveStatement(statement, chain)
      if (!sameHost(claims.from, ctx.config.publicUrl) || sameHost(claims.to, ctx.config.publicUrl))
        throw new HttpProblem('signature_invalid', 'the move statement names other hosts')
      const row = await ctx.repos.moves.freeze(
        vaultId,
        { moveId: claims.move, statement, to: claims.to.replace(/\/+$/, ''), actor: principal.deviceId },
        {
          type: 'vault_moved',
          moveId: idBytes(claims.move),
          statementSha256: idBytes(sha256Base64url(statement)),
          host: claims.to.replace(/\/+$/, ''),
        },
        async (size) => Buffer.from(await ctx.repos.verifiableLog.root(vaultId, size)).toString('base64url'),
      )
      if (row.statement !== statement) throw await moved(ctx, vaultId)
      return statusView(row)
    },
  })
}

function packageRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/move/package',
    auth: 'holder',
    tag: 'move',
    summary: 'Everything the vault holds, as stored (never decrypted), for the host it moves to',
    schema: { params: vaultPathSchema, response: { 200: movePackageSchema } },
    async handler(_request, _reply, principal) {
      const move = await ctx.repos.moves.find(principal.vaultId)
      if (move?.role !== 'export') throw new HttpProblem('conflict', 'this vault is not being moved')
      return exportPackage(ctx.db, principal.vaultId, ctx.clock())
    },
  })
}

function commitRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/move/commit',
    auth: 'holder',
    tag: 'move',
    summary: "Tombstone the vault on the holder's signed commit: it now lives at the other host",
    schema: { params: vaultPathSchema, body: moveCommitSchema, response: { 200: moveStatusSchema } },
    async handler(request, _reply, principal) {
      const { vaultId } = principal
      const move = await ctx.repos.moves.find(vaultId)
      if (move?.role !== 'export') throw new HttpProblem('conflict', 'this vault is not being moved')
      const chain = verifiedChain(vaultId, await ctx.repos.moves.chain(vaultId))
      const claims = checkMoveCommit(request.body.commit, chain, move.statement)
      if (claims.log_size !== Number(move.log_size) || claims.log_root !== move.log_root)
        throw new HttpProblem('move_incomplete', 'the commit names another log than the one this host holds')
      if (move.state === 'tombstoned' && move.commit_jws !== request.body.commit) throw await moved(ctx, vaultId)
      const keptUntil = ctx.clock() + (ctx.config.tombstoneMs ?? TOMBSTONE_MS)
      const row = await ctx.repos.moves.tombstone(vaultId, move.move_id, request.body.commit, keptUntil)
      if (row === undefined) throw new HttpProblem('conflict', 'this vault is not being moved')
      return statusView(row)
    },
  })
}

function abortRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/move/abort',
    auth: 'holder',
    tag: 'move',
    summary: 'Roll a move back before its commit: the vault is live here again',
    schema: { params: vaultPathSchema, response: { 204: noContent } },
    async handler(_request, reply, principal) {
      const move = await ctx.repos.moves.find(principal.vaultId)
      if (move?.state === 'tombstoned') throw await moved(ctx, principal.vaultId)
      await ctx.repos.moves.abort(principal.vaultId, principal.deviceId)
      return reply.code(204).send(null)
    },
  })
}

function tombstoneRoute(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/tombstone',
    auth: 'public',
    tag: 'move',
    summary: 'Where a vault that left this host went: the holder-signed tombstone',
    schema: { params: vaultPathSchema, response: { 200: tombstoneSchema } },
    async handler(request) {
      const document = await tombstoneDocument(ctx, request.params.vaultId)
      if (document === undefined) throw new HttpProblem('not_found', 'no tombstone for this vault')
      return document
    },
  })
}

export function statusView(row: VaultMoveTable, missing?: string[]) {
  return {
    vault_id: row.vault_id,
    move_id: row.move_id,
    state: row.state,
    log_size: Number(row.log_size),
    log_root: row.log_root,
    ...(missing === undefined ? {} : { missing_blobs: missing }),
  }
}

async function moved(ctx: AppContext, vaultId: string): Promise<HttpProblem> {
  const document = await tombstoneDocument(ctx, vaultId)
  return new HttpProblem('vault_moved', 'this vault has moved', { members: document ?? {} })
}
