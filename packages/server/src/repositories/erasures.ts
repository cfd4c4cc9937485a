import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault, type Trx } from '../db/transactions.js'
import { pauseFor } from '../fault-injection.js'
import type { AccessLog } from './log.js'

/**
 * Tables that hold a vault's rows, children before parents (SQLite enforces the foreign keys).
 * Every table with a `vault_id` column must be listed here: erasure.test.ts fails on one that is not.
 */
export const VAULT_TABLES = [
  'key_wraps',
  'record_versions',
  'records',
  'tokens',
  'grants',
  'auth_requests',
  'pairing_codes',
  'recoveries',
  'recovery_setups',
  'device_chain_entries',
  'access_log',
  'log_nodes',
  'vault_blobs',
  'devices',
  // A handle's record names the vault and its root (spec 11.4): nothing of the vault is kept (ERA-KEEP-01).
  'handles',
  // The chosen supporter's alert (spec 10.9): its grant is gone, and so must it be.
  'duress_alerts',
  // A move in or out of this host (spec chapter 12): its statement and commit name the vault's log.
  // A replayed import after the erasure is still refused: the erased id cannot be made again (ERA-HOST-07).
  'vault_moves',
  'imported_moves',
] as const

export type ErasureRow = Awaited<ReturnType<ErasureRepository['find']>>

/**
 * Erasure of a vault (spec chapter 13) in steps that each commit whole, so a host killed at any
 * point either has not started (nothing changed) or finishes on restart (ERA-HOST-04):
 * `close` ends every grant and token and appends the log's tombstone; `erase` deletes every row of
 * the vault and notes the envelopes still to delete; `finish` marks it done once they are gone.
 */
export class ErasureRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  find(vaultId: string) {
    return this.#db.selectFrom('erasures').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
  }

  unfinished() {
    return this.#db.selectFrom('erasures').selectAll().where('state', '!=', 'erased').execute()
  }

  /**
   * Whether a refused token belongs to an erased vault (ERA-HOST-03): its vault has a tombstone, or,
   * once the vault's rows are gone, its hash is among the erased vault's kept token hashes.
   */
  async refuses(hash: string, vaultId: string | undefined): Promise<boolean> {
    const row =
      vaultId === undefined
        ? await this.#db
            .selectFrom('erased_tokens')
            .select('token_hash')
            .where('token_hash', '=', hash)
            .executeTakeFirst()
        : await this.#db.selectFrom('erasures').select('vault_id').where('vault_id', '=', vaultId).executeTakeFirst()
    return row !== undefined
  }

  /**
   * Step 1, one transaction: every grant revoked, every token revoked, every grant's wraps gone,
   * and the tombstone appended as the log's last entry. False if the vault is already closing.
   */
  close(vaultId: string, fromSize: number, actor: string): Promise<boolean> {
    const now = this.#clock()
    return inVault(this.#db, vaultId, async (trx) => {
      const existing = await trx
        .selectFrom('erasures')
        .select('state')
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (existing !== undefined) return false
      const devices = await trx.selectFrom('devices').select('id').where('vault_id', '=', vaultId).execute()
      await trx
        .updateTable('grants')
        .set({ status: 'revoked', revoked_at: now })
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'active')
        .execute()
      await trx.updateTable('tokens').set({ revoked: 1 }).where('vault_id', '=', vaultId).execute()
      await trx.deleteFrom('key_wraps').where('vault_id', '=', vaultId).where('kind', '=', 'grant').execute()
      await trx
        .insertInto('erasures')
        .values({
          vault_id: vaultId,
          state: 'closed',
          from_size: fromSize,
          erased_at: now,
          device_ids: JSON.stringify(devices.map((d) => d.id)),
          receipt: null,
          pending_blobs: null,
        })
        .execute()
      await pauseFor('erasure-close-in-transaction')
      // The tombstone says only that the vault was erased (ERA-LOG-01): no count, no name.
      await this.#log.append(trx, vaultId, 'vault_erased', actor, {})
      return true
    })
  }

  /** The tombstone's index in the vault's log (its access-log `seq`), while the log is stored. */
  async tombstoneIndex(vaultId: string): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('access_log')
      .select('seq')
      .where('vault_id', '=', vaultId)
      .where('event', '=', 'vault_erased')
      .executeTakeFirst()
    return row === undefined ? undefined : Number(row.seq)
  }

  async setReceipt(vaultId: string, receipt: string): Promise<void> {
    await this.#db.updateTable('erasures').set({ receipt }).where('vault_id', '=', vaultId).execute()
  }

  /**
   * Step 2, one transaction: every row of the vault deleted, its tokens' hashes kept (without the
   * vault) until they expire, and the envelopes to delete noted. Returns those addresses.
   */
  erase(vaultId: string): Promise<string[]> {
    return inVault(this.#db, vaultId, async (trx) => {
      const row = await trx
        .selectFrom('erasures')
        .select(['state', 'pending_blobs'])
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (row === undefined || row.state === 'erased') return []
      if (row.state === 'erasing') return JSON.parse(row.pending_blobs ?? '[]') as string[]
      const blobs = await trx.selectFrom('vault_blobs').select('sha256').where('vault_id', '=', vaultId).execute()
      await keepTokenHashes(trx, vaultId)
      for (const table of VAULT_TABLES) await trx.deleteFrom(table).where('vault_id', '=', vaultId).execute()
      await trx.deleteFrom('vaults').where('id', '=', vaultId).execute()
      const pending = blobs.map((b) => b.sha256)
      await trx
        .updateTable('erasures')
        .set({ state: 'erasing', pending_blobs: JSON.stringify(pending) })
        .where('vault_id', '=', vaultId)
        .execute()
      return pending
    })
  }

  /** Step 3: the envelopes are gone from the blob store. */
  async finish(vaultId: string): Promise<void> {
    await this.#db
      .updateTable('erasures')
      .set({ state: 'erased', pending_blobs: null })
      .where('vault_id', '=', vaultId)
      .execute()
  }

  /** Drops the kept token hashes whose tokens would have expired by now. */
  async expireTokenHashes(): Promise<void> {
    await this.#db.deleteFrom('erased_tokens').where('expires_at', '<=', this.#clock()).execute()
  }
}

async function keepTokenHashes(trx: Trx, vaultId: string): Promise<void> {
  const tokens = await trx
    .selectFrom('tokens')
    .select(['token_hash', 'expires_at'])
    .where('vault_id', '=', vaultId)
    .execute()
  for (let i = 0; i < tokens.length; i += 200) {
    await trx
      .insertInto('erased_tokens')
      .values(tokens.slice(i, i + 200))
      .onConflict((c) => c.column('token_hash').doNothing())
      .execute()
  }
}
