import { PostgresAdapter, sql, type Transaction } from 'kysely'
import type { Database } from './schema.js'

/**
 * Serialises writers to one vault for the rest of the transaction. SQLite has a single writer,
 * so every transaction is already serial there; on PostgreSQL, concurrent transactions (from this
 * instance or another) would otherwise both read the same log head or record version and one
 * would fail on the primary key. The lock is a transaction-scoped advisory lock on the vault's
 * id, the same one the read path takes together with its replay check (repositories/log.ts), so
 * every writer to a vault's log queues behind the same lock.
 */
export async function lockVault(trx: Transaction<Database>, vaultId: string): Promise<void> {
  if (!isPostgres(trx)) return
  await sql`SELECT pg_advisory_xact_lock(${vaultLockKey(vaultId)})`.execute(trx)
}

export function isPostgres(trx: Transaction<Database> | { getExecutor(): { adapter: unknown } }): boolean {
  return trx.getExecutor().adapter instanceof PostgresAdapter
}

/** The advisory lock key of a vault: hashtext() of a prefixed id (a collision only serialises more). */
export function vaultLockKey(vaultId: string) {
  return sql<number>`hashtext(${vaultLockName(vaultId)})`
}

/** The text whose hashtext() is a vault's advisory lock key (for prepared statements). */
export function vaultLockName(vaultId: string): string {
  return `holdall-vault:${vaultId}`
}
