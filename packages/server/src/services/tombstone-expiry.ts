import type { AppContext } from '../context.js'

/**
 * The end of a move's tombstone (spec 12.6, [MIG-REDIR-04]): once `kept_until` has passed on the
 * host's clock, the host the vault left deletes everything it still held of it, the tombstone
 * included; only a handle it issued (re-pointed by the holder, spec 11.4) stays. The envelopes go first (each only if no other vault holds it), then every row in one
 * transaction, so a host stopped halfway finishes at its next sweep.
 */
export async function expireTombstones(ctx: AppContext): Promise<void> {
  for (const vaultId of await ctx.repos.moves.expiredTombstones(ctx.clock())) {
    for (const sha of await ctx.repos.moves.blobsOf(vaultId))
      await ctx.blobs.remove(sha, () => ctx.repos.moves.heldByNoOther(sha, vaultId))
    await ctx.repos.moves.forget(vaultId, ctx.clock())
  }
}
