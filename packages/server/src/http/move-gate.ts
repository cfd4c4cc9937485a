import { MOVED_TO_HEADER, type Tombstone } from '@holdall/protocol'
import type { FastifyRequest } from 'fastify'
import type { AppContext } from '../context.js'
import { HttpProblem, OAuthError } from '../errors.js'
import type { AccessTokenRow } from '../repositories/tokens.js'

/**
 * What a vault's move allows (spec 12.3, 12.6), checked on every authenticated request from the
 * move state its token's statement already loaded: a tombstoned vault answers `vault_moved` with
 * the holder-signed tombstone ([MIG-REDIR-01]); a vault frozen for a move refuses writes and
 * grantees ([MIG-STATE-01]); an import not yet live is served to nobody ([MIG-STATE-04]).
 */
export async function checkMoveState(
  request: FastifyRequest,
  ctx: AppContext,
  row: AccessTokenRow,
  kind: 'holder' | 'grantee' | 'issuer',
): Promise<void> {
  const state = row.move_state
  if (state === null || state === 'live') return
  const moveRoute = kind === 'holder' && request.routeOptions.url?.startsWith('/vaults/:vaultId/move') === true
  if (state === 'tombstoned') {
    if (moveRoute) return
    const document = await tombstoneDocument(ctx, row.vault_id)
    if (document === undefined) return
    throw new HttpProblem('vault_moved', 'this vault has moved: check the tombstone, then follow it', {
      headers: { [MOVED_TO_HEADER]: document.moved_to },
      members: document,
    })
  }
  if (state === 'moving' && (moveRoute || (kind === 'holder' && request.method === 'GET'))) return
  throw new HttpProblem('vault_moving', 'this vault is being moved; try again in a minute', {
    headers: { 'retry-after': '30' },
  })
}

/**
 * A CIBA request naming a vault (by pairing code or handle record) is refused unless the vault is
 * live here ([MIG-STATE-05]), as OAuth errors (the endpoint answers RFC 6749 JSON): a moved vault
 * `vault_moved` (410) with `Holdall-Moved-To`, a hint only (pairing codes do not move: the desk
 * asks the holder for a new code); one frozen for a move, or an import not yet live, `vault_moving`.
 */
export async function refuseRequestUnlessLive(ctx: AppContext, vaultId: string): Promise<void> {
  const move = await ctx.repos.moves.find(vaultId)
  if (move === undefined || move.state === 'live') return
  if (move.state === 'tombstoned')
    throw new OAuthError('vault_moved', 'this vault has moved to another host: ask the holder for a new code', 410, {
      [MOVED_TO_HEADER]: move.other_host,
    })
  throw new OAuthError('vault_moving', 'this vault is being moved; ask again in a minute', 409, { 'retry-after': '30' })
}

/** The tombstone a host keeps for a vault that left it (spec 12.6), or undefined. */
export async function tombstoneDocument(ctx: AppContext, vaultId: string): Promise<Tombstone | undefined> {
  const move = await ctx.repos.moves.find(vaultId)
  if (move === undefined || move.role !== 'export' || move.state !== 'tombstoned' || move.commit_jws === null)
    return undefined
  return {
    vault_id: vaultId,
    moved_to: move.other_host,
    tombstone: move.commit_jws,
    move_statement: move.statement,
    device_chain: await ctx.repos.moves.chain(vaultId),
    kept_until: Number(move.kept_until ?? 0),
  }
}
