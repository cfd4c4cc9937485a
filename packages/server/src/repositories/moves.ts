import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { VaultMoveTable } from '../db/schema.js'
import { inVault } from '../db/transactions.js'
import { pauseFor } from '../fault-injection.js'
import type { LeafBody } from '../rules/log-entries.js'
import { VAULT_TABLES } from './erasures.js'
import type { AccessLog } from './log.js'

export type VaultMove = VaultMoveTable

/**
 * A vault's move as the host it leaves sees it (spec chapter 12): the freeze with its
 * `vault_moved` log entry, the abort, the package of everything the vault holds (read, never
 * decrypted), and the tombstone. Every change runs in one transaction holding the vault's lock.
 */
export class MoveRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  async find(vaultId: string): Promise<VaultMove | undefined> {
    return this.#db.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
  }

  /**
   * Freezes the vault for `moveId` and appends its `vault_moved` entry, or replaces a move that is
   * still only `moving` (MIG-STATE-03). `logState` reads the log's size and root after the append,
   * in the same transaction. Returns the move as stored.
   */
  async freeze(
    vaultId: string,
    move: { moveId: string; statement: string; to: string; actor: string },
    leaf: LeafBody,
    logState: (size: number) => Promise<string>,
  ): Promise<VaultMove> {
    return inVault(this.#db, vaultId, async (trx) => {
      let existing = await trx.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
      if (existing?.role === 'import' && existing.state === 'live') {
        // The vault arrived here by an earlier move and now leaves again.
        await trx.deleteFrom('vault_moves').where('vault_id', '=', vaultId).execute()
        existing = undefined
      }
      if (existing !== undefined && existing.statement === move.statement) return existing
      if (existing !== undefined && existing.state !== 'moving') return existing
      if (existing !== undefined) {
        await this.#log.append(trx, vaultId, 'move_aborted', move.actor, { move_id: existing.move_id })
        await trx.deleteFrom('vault_moves').where('vault_id', '=', vaultId).execute()
      }
      // A recovery waiting here cannot finish elsewhere: the freeze ends it (spec 12.4).
      await trx
        .updateTable('recoveries')
        .set({ status: 'cancelled', ended_at: this.#clock() })
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'waiting')
        .execute()
      const seq = await this.#log.append(
        trx,
        vaultId,
        'vault_moved',
        move.actor,
        { move_id: move.moveId, to: move.to },
        leaf,
      )
      const row: VaultMove = {
        vault_id: vaultId,
        move_id: move.moveId,
        role: 'export',
        state: 'moving',
        statement: move.statement,
        other_host: move.to,
        log_size: seq + 1,
        log_root: '',
        package_sha256: null,
        commit_jws: null,
        kept_until: null,
        created_at: this.#clock(),
      }
      await trx.insertInto('vault_moves').values(row).execute()
      await pauseFor('move-freeze-in-transaction')
      return row
    }).then(async (row) => {
      if (row.log_root !== '') return row
      const root = await logState(row.log_size)
      await this.#db
        .updateTable('vault_moves')
        .set({ log_root: root })
        .where('vault_id', '=', vaultId)
        .where('move_id', '=', row.move_id)
        .execute()
      return { ...row, log_root: root }
    })
  }

  /** Ends a move that is only `moving`: the vault is live here again. False if there was none. */
  async abort(vaultId: string, actor: string): Promise<boolean> {
    return inVault(this.#db, vaultId, async (trx) => {
      const existing = await trx
        .selectFrom('vault_moves')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (existing === undefined || existing.role !== 'export' || existing.state !== 'moving') return false
      await trx.deleteFrom('vault_moves').where('vault_id', '=', vaultId).execute()
      await this.#log.append(trx, vaultId, 'move_aborted', actor, { move_id: existing.move_id })
      return true
    })
  }

  /** Moving → tombstoned with the holder's commit; the same commit again is a no-op. */
  async tombstone(vaultId: string, moveId: string, commit: string, keptUntil: number): Promise<VaultMove | undefined> {
    return inVault(this.#db, vaultId, async (trx) => {
      await trx
        .updateTable('vault_moves')
        .set({ state: 'tombstoned', commit_jws: commit, kept_until: keptUntil })
        .where('vault_id', '=', vaultId)
        .where('move_id', '=', moveId)
        .where('state', '=', 'moving')
        .execute()
      await pauseFor('move-tombstone-in-transaction')
      return trx.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
    })
  }

  /** The device chain entries, for a tombstone document. */
  async chain(vaultId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('device_chain_entries')
      .select('entry')
      .where('vault_id', '=', vaultId)
      .orderBy('seq')
      .execute()
    return rows.map((r) => r.entry)
  }
  /** Vaults whose tombstone here has outlived its `kept_until` (spec 12.6). */
  async expiredTombstones(now: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('vault_moves')
      .select('vault_id')
      .where('role', '=', 'export')
      .where('state', '=', 'tombstoned')
      .where('kept_until', '<=', now)
      .execute()
    return rows.map((r) => r.vault_id)
  }

  async blobsOf(vaultId: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('vault_blobs').select('sha256').where('vault_id', '=', vaultId).execute()
    return rows.map((r) => r.sha256)
  }

  /** Whether no vault but `vaultId` holds this envelope: then its bytes may go with it. */
  async heldByNoOther(sha256: string, vaultId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('vault_blobs')
      .select('vault_id')
      .where('sha256', '=', sha256)
      .where('vault_id', '!=', vaultId)
      .executeTakeFirst()
    return row === undefined
  }

  /** Every row of a vault whose tombstone has expired, the tombstone too, in one transaction (handles excepted). */
  async forget(vaultId: string, now: number): Promise<void> {
    await inVault(this.#db, vaultId, async (trx) => {
      const row = await trx
        .selectFrom('vault_moves')
        .select(['role', 'state', 'kept_until'])
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (row?.role !== 'export' || row.state !== 'tombstoned' || Number(row.kept_until ?? now + 1) > now) return
      // A handle this host issued stays, re-pointed by the holder: it names where the vault is now.
      for (const table of VAULT_TABLES.filter((t) => t !== 'handles'))
        await trx.deleteFrom(table).where('vault_id', '=', vaultId).execute()
      await trx.deleteFrom('vaults').where('id', '=', vaultId).execute()
    })
  }
}
