import type { Transaction } from 'kysely'
import type { Db } from './database.js'
import { lockVault } from './locks.js'
import type { Database } from './schema.js'

export type Trx = Transaction<Database>

/**
 * One transaction that holds the vault's lock (db/locks.ts) from its first statement: every
 * change to a vault and the log entry that records it commit together or not at all.
 */
export function inVault<T>(db: Db, vaultId: string, work: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await lockVault(trx, vaultId)
    return work(trx)
  })
}
