import type { MovePackage } from '@holdall/protocol'
import type { Clock } from '../clock.js'
import { isUniqueViolation } from '../db/constraint-errors.js'
import type { Db } from '../db/database.js'
import type { VaultMoveTable } from '../db/schema.js'
import { inVault, type Trx } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { pauseFor } from '../fault-injection.js'
import type { LeafBody } from '../rules/log-entries.js'
import type { AccessLog } from './log.js'
import { insertPackage } from './move-package.js'

/** Tables holding a vault's rows, children first: what discarding an import deletes. */
const VAULT_TABLES = [
  'key_wraps',
  'record_versions',
  'records',
  'tokens',
  'grants',
  'auth_requests',
  'pairing_codes',
  'access_log',
  'log_nodes',
  'vault_blobs',
  'device_chain_entries',
  'recovery_setups',
  'recoveries',
  'devices',
] as const

/**
 * A vault arriving at this host (spec chapter 12): the import of a checked package in one
 * transaction ('importing', served to nobody), the envelopes still missing, and the commit that
 * makes it live with its `vault_arrived` log entry. A replayed move is refused ([MIG-PKG-02]).
 */
export class MoveImportRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  /**
   * Imports the package, or answers an identical retry with the import already made. Refuses a
   * move id imported before for another package, and a vault held here live (`move_replayed`).
   * A vault this host tombstoned may come back; an import of an earlier move is replaced.
   */
  async begin(
    p: MovePackage,
    move: { moveId: string; statement: string; from: string; packageSha256: string; logRoot: string },
  ): Promise<VaultMoveTable> {
    const vaultId = p.vault.id
    return inVault(this.#db, vaultId, async (trx) => {
      const seen = await trx
        .selectFrom('imported_moves')
        .selectAll()
        .where('move_id', '=', move.moveId)
        .executeTakeFirst()
      const current = await trx.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
      const importing = current?.move_id === move.moveId && current.role === 'import' && current.state === 'importing'
      if (seen !== undefined) {
        if (current !== undefined && importing && seen.package_sha256 === move.packageSha256) return current
        // A package of the same move made again (a token expired meanwhile) replaces an import not yet live.
        if (!importing) throw new HttpProblem('move_replayed', 'this move was imported here before')
        await trx.deleteFrom('imported_moves').where('move_id', '=', move.moveId).execute()
      }
      // The holder erased this vault here (spec 13, ERA-HOST-07): an old move's package, replayed,
      // never brings its ciphertext back.
      const erased = await trx
        .selectFrom('erasures')
        .select('vault_id')
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (erased !== undefined) throw new HttpProblem('vault_erased', 'the holder erased this vault here')
      const held = await trx.selectFrom('vaults').select('id').where('id', '=', vaultId).executeTakeFirst()
      if (held !== undefined) {
        const replaceable =
          (current?.role === 'import' && current.state === 'importing') ||
          (current?.role === 'export' && current.state === 'tombstoned')
        if (!replaceable) throw new HttpProblem('move_replayed', 'this host holds this vault already')
        await discard(trx, vaultId)
      }
      const now = this.#clock()
      try {
        await insertPackage(trx, p, now)
      } catch (error) {
        // A device, token or request id another vault here already has: never a 500.
        if (isUniqueViolation(error)) throw new HttpProblem('conflict', 'a part of this package is held here already')
        throw error
      }
      const row: VaultMoveTable = {
        vault_id: vaultId,
        move_id: move.moveId,
        role: 'import',
        state: 'importing',
        statement: move.statement,
        other_host: move.from,
        log_size: p.log.length,
        log_root: move.logRoot,
        package_sha256: move.packageSha256,
        commit_jws: null,
        kept_until: null,
        created_at: now,
      }
      await trx.insertInto('vault_moves').values(row).execute()
      await trx
        .insertInto('imported_moves')
        .values({ move_id: move.moveId, vault_id: vaultId, package_sha256: move.packageSha256, created_at: now })
        .execute()
      await pauseFor('move-import-in-transaction')
      return row
    })
  }

  async byMove(moveId: string): Promise<VaultMoveTable | undefined> {
    return this.#db
      .selectFrom('vault_moves')
      .selectAll()
      .where('move_id', '=', moveId)
      .where('role', '=', 'import')
      .executeTakeFirst()
  }

  /** The envelopes the import names whose bytes `has` says this host lacks. */
  async missing(vaultId: string, has: (sha256: string) => Promise<boolean>): Promise<string[]> {
    const rows = await this.#db.selectFrom('vault_blobs').select('sha256').where('vault_id', '=', vaultId).execute()
    const out: string[] = []
    for (const { sha256 } of rows) if (!(await has(sha256))) out.push(sha256)
    return out
  }

  /** The length the import names for an envelope, if it names it. */
  async blobLength(vaultId: string, sha256: string): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('vault_blobs')
      .select('length')
      .where('vault_id', '=', vaultId)
      .where('sha256', '=', sha256)
      .executeTakeFirst()
    return row === undefined ? undefined : Number(row.length)
  }

  /** Importing → live with the holder's commit and the `vault_arrived` entry; the same commit again is a no-op. */
  async goLive(vaultId: string, moveId: string, commit: string, leaf: LeafBody): Promise<VaultMoveTable | undefined> {
    return inVault(this.#db, vaultId, async (trx) => {
      const row = await trx.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
      if (row?.move_id === moveId && row.role === 'import' && row.state === 'importing') {
        await this.#log.append(trx, vaultId, 'vault_arrived', 'holder', { move_id: moveId, from: row.other_host }, leaf)
        await trx
          .updateTable('vault_moves')
          .set({ state: 'live', commit_jws: commit })
          .where('vault_id', '=', vaultId)
          .execute()
        await pauseFor('move-live-in-transaction')
      }
      return trx.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
    })
  }

  /** Drops an import that is not live (the holder rolled the move back at the host it leaves). */
  async abort(moveId: string): Promise<boolean> {
    const row = await this.byMove(moveId)
    if (row === undefined || row.state !== 'importing') return false
    await inVault(this.#db, row.vault_id, (trx) => discard(trx, row.vault_id))
    return true
  }
}

async function discard(trx: Trx, vaultId: string): Promise<void> {
  for (const table of VAULT_TABLES) await trx.deleteFrom(table).where('vault_id', '=', vaultId).execute()
  await trx.deleteFrom('vault_moves').where('vault_id', '=', vaultId).execute()
  await trx.deleteFrom('vaults').where('id', '=', vaultId).execute()
}
