import { base64urlEncode as b64 } from '@holdall/crypto'
import { ERASURE_KEPT, type ErasureReceipt } from '@holdall/protocol'
import { sql } from 'kysely'
import type { AppContext } from '../context.js'
import { isPostgres } from '../db/locks.js'
import { HttpProblem } from '../errors.js'
import { pauseFor } from '../fault-injection.js'
import type { ErasureRow } from '../repositories/erasures.js'

/**
 * Leaving Holdall (spec chapter 13): the holder closes the vault. Each step commits whole and the
 * next one starts from what is stored, so a host killed anywhere has either not begun (the first
 * transaction rolled back) or finishes on restart (`resumeErasures`, ERA-HOST-04).
 */
export async function closeVault(
  ctx: AppContext,
  vaultId: string,
  fromSize: number,
  actor: string,
): Promise<ErasureReceipt> {
  // The receipt proves consistency from the holder's size: it cannot be beyond the log.
  if (fromSize > (await ctx.repos.verifiableLog.size(vaultId)))
    throw new HttpProblem('invalid_request', 'from_size is beyond the vault log')
  await ctx.repos.erasures.close(vaultId, fromSize, actor)
  // Open event streams end, on every instance; a grantee learns at its next request (ERA-HOST-03).
  ctx.notifier.publish(vaultId, { type: 'vault_erased', id: vaultId })
  const receipt = await finishErasure(ctx, vaultId)
  if (receipt === undefined) throw new HttpProblem('vault_erased', 'this vault was erased')
  return receipt
}

/** Carries an erasure on from wherever it stopped; returns its receipt (undefined: no such erasure). */
export async function finishErasure(ctx: AppContext, vaultId: string): Promise<ErasureReceipt | undefined> {
  const row = await ctx.repos.erasures.find(vaultId)
  if (row === undefined) return undefined
  let receipt = row.receipt
  if (receipt === null) {
    receipt = JSON.stringify(await makeReceipt(ctx, row))
    await ctx.repos.erasures.setReceipt(vaultId, receipt)
  }
  if (row.state !== 'erased') {
    await pauseFor('erasure-before-delete')
    const pending = await ctx.repos.erasures.erase(vaultId)
    for (const [index, sha] of pending.entries()) {
      await ctx.blobs.remove(sha, () => ctx.repos.blobs.heldByNone(sha))
      if (index === 0) await pauseFor('erasure-mid-blobs')
    }
    await ctx.repos.erasures.finish(vaultId)
    await flushDeletedPages(ctx)
  }
  return JSON.parse(receipt) as ErasureReceipt
}

/** At start and in the minute sweep: every erasure a stopped host left unfinished is finished. */
export async function resumeErasures(ctx: AppContext, atStart = false): Promise<void> {
  for (const row of await ctx.repos.erasures.unfinished()) await finishErasure(ctx, row.vault_id)
  await ctx.repos.erasures.expireTokenHashes()
  // A host stopped after its last erasure's final step but before the flush: flush now.
  if (atStart) await flushDeletedPages(ctx)
}

/**
 * SQLite: the zeroed pages (secure_delete) are copied into the database file and the WAL is
 * emptied, so neither file keeps an older copy of an erased row (ERA-HOST-05). PostgreSQL keeps
 * dead row versions until VACUUM reuses their space: spec 13.6 says so.
 */
async function flushDeletedPages(ctx: AppContext): Promise<void> {
  if (!isPostgres(ctx.db)) await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(ctx.db)
}

/**
 * The receipt (spec 13.4): the log's checkpoint at the tombstone, signed by the host's log key, the
 * tombstone and its inclusion proof as the last leaf, and consistency from the holder's size. Made
 * while the log is still stored, before any row is deleted.
 */
async function makeReceipt(ctx: AppContext, row: NonNullable<ErasureRow>): Promise<ErasureReceipt> {
  const index = await ctx.repos.erasures.tombstoneIndex(row.vault_id)
  if (index === undefined) throw new Error('an erasure without its tombstone')
  const size = index + 1
  const { note } = await ctx.logCheckpoints.checkpointAt(row.vault_id, size)
  const [tombstone] = await ctx.repos.verifiableLog.entries(row.vault_id, index, size)
  const from = Number(row.from_size)
  // From an empty log there is nothing to prove (RFC 9162: consistency from size 0 is empty).
  const proofs = await ctx.repos.verifiableLog.inclusionAndConsistency(
    row.vault_id,
    index,
    size,
    from === 0 ? undefined : from,
  )
  return {
    vault_id: row.vault_id,
    erased_at: Number(row.erased_at),
    checkpoint: note,
    tombstone: b64(tombstone as Uint8Array),
    inclusion: proofs.inclusion.map(b64),
    from_size: from,
    consistency: (proofs.consistency ?? []).map(b64),
    kept: [...ERASURE_KEPT],
  }
}
