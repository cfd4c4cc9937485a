import type { Trx } from '../db/transactions.js'
import { batches } from './batches.js'

/* The queries of a grant's key wraps, inside the approval's or revocation's transaction. */

/** Inside an approval: the vault (not inbox) records the grant's wraps are for, by id, in few statements. */
export async function vaultRecords(trx: Trx, vaultId: string, recordIds: readonly string[]) {
  const found = new Map<string, { record_type: string; latest_version: number; superseded_by: string | null }>()
  for (const ids of batches([...new Set(recordIds)], 500)) {
    const rows = await trx
      .selectFrom('records')
      .select(['record_id', 'record_type', 'latest_version', 'superseded_by'])
      .where('vault_id', '=', vaultId)
      .where('record_id', 'in', ids)
      .where('state', '=', 'vault')
      .execute()
    for (const row of rows) found.set(row.record_id, row)
  }
  return found
}

/** A grant's wraps, many rows to a statement (approving 1,000 records is a handful of statements). */
export async function addGrantWraps(
  trx: Trx,
  vaultId: string,
  grantId: string,
  wraps: readonly { record_id: string; version: number; wrap: string }[],
): Promise<void> {
  for (const batch of batches(wraps, 200)) {
    await trx
      .insertInto('key_wraps')
      .values(
        batch.map((w) => ({
          vault_id: vaultId,
          record_id: w.record_id,
          version: w.version,
          kind: 'grant' as const,
          grant_id: grantId,
          key_epoch: null,
          wrap: w.wrap,
        })),
      )
      .execute()
  }
}

/** Revocation: the grant's wraps go at once (security.md D7). */
export async function deleteGrantWraps(trx: Trx, grantId: string): Promise<void> {
  await trx.deleteFrom('key_wraps').where('grant_id', '=', grantId).execute()
}
