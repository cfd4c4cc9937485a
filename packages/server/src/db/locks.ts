import { PostgresAdapter, type Transaction } from 'kysely'
import type { Database } from './schema.js'

/**
 * Serialises writers to one vault for the rest of the transaction. SQLite has a single writer,
 * so every transaction is already serial there; on PostgreSQL, concurrent transactions (from this
 * instance or another) would otherwise both read the same log head or record version and one
 * would fail on the primary key. The vault row is the lock: `SELECT ... FOR UPDATE`.
 */
export async function lockVault(trx: Transaction<Database>, vaultId: string): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return
  await trx.selectFrom('vaults').select('id').where('id', '=', vaultId).forUpdate().execute()
}
