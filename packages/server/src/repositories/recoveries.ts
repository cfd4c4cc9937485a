import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { RecoveryTable } from '../db/schema.js'
import { inVault } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { leaves } from '../rules/log-entries.js'
import type { AccessLog } from './log.js'

/**
 * Recoveries (spec 9.5, 9.6): started by a new device, cancelled from any device, the key worker's
 * release. Every change is one transaction under the vault's lock, with its log entry. The set-up
 * and the rotation that completes a recovery are in rotations.ts.
 */
export class RecoveryRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  setup(vaultId: string) {
    return this.#db.selectFrom('recovery_setups').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
  }

  /** Starts a recovery: one waiting per vault (REC-START-02), logged. */
  async start(recovery: RecoveryTable): Promise<void> {
    await inVault(this.#db, recovery.vault_id, async (trx) => {
      const waiting = await trx
        .selectFrom('recoveries')
        .select('id')
        .where('vault_id', '=', recovery.vault_id)
        .where('status', '=', 'waiting')
        .executeTakeFirst()
      if (waiting !== undefined) throw new HttpProblem('conflict', 'a recovery of this vault is already waiting')
      await trx.insertInto('recoveries').values(recovery).execute()
      await this.#log.append(
        trx,
        recovery.vault_id,
        'recovery_started',
        recovery.device_id,
        { recovery_id: recovery.id, ready_at: recovery.ready_at, with_kit: recovery.with_kit === 1 },
        leaves.recoveryStarted(recovery.id, recovery.device_id, recovery.ready_at, recovery.with_kit === 1),
      )
    })
  }

  find(recoveryId: string) {
    return this.#db.selectFrom('recoveries').selectAll().where('id', '=', recoveryId).executeTakeFirst()
  }

  /** Waiting recoveries whose current set-up names this key-worker organisation (REC-WORKER-03). */
  waitingForWorker(workerClientId: string) {
    return this.#db
      .selectFrom('recoveries')
      .innerJoin('recovery_setups', 'recovery_setups.vault_id', 'recoveries.vault_id')
      .select([
        'recoveries.id',
        'recoveries.vault_id',
        'recoveries.started_at',
        'recoveries.ready_at',
        'recoveries.with_kit',
        'recoveries.worker_released_at',
      ])
      .where('recovery_setups.worker_client_id', '=', workerClientId)
      .where('recoveries.status', '=', 'waiting')
      .orderBy('recoveries.started_at', 'desc')
      .limit(100)
      .execute()
  }

  ofVault(vaultId: string) {
    return this.#db
      .selectFrom('recoveries')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .orderBy('started_at', 'desc')
      .limit(20)
      .execute()
  }

  /** Cancels a waiting recovery; false if there is none by that id waiting. */
  cancel(vaultId: string, recoveryId: string, actor: string): Promise<boolean> {
    return inVault(this.#db, vaultId, async (trx) => {
      const done = await trx
        .updateTable('recoveries')
        .set({ status: 'cancelled', ended_at: this.#clock() })
        .where('id', '=', recoveryId)
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'waiting')
        .executeTakeFirst()
      if (Number(done.numUpdatedRows) !== 1) return false
      await this.#log.append(
        trx,
        vaultId,
        'recovery_cancelled',
        actor,
        { recovery_id: recoveryId },
        leaves.recoveryCancelled(recoveryId, actor),
      )
      return true
    })
  }

  /** The key worker's release, once (REC-WORKER-02), logged. */
  async releaseWorkerShare(
    recovery: { id: string; vault_id: string },
    share: string,
    release: string,
    worker: string,
    approvers: readonly string[],
  ) {
    await inVault(this.#db, recovery.vault_id, async (trx) => {
      const done = await trx
        .updateTable('recoveries')
        .set({ worker_share: share, worker_release: release, worker_released_at: this.#clock() })
        .where('id', '=', recovery.id)
        .where('status', '=', 'waiting')
        .where('worker_share', 'is', null)
        .executeTakeFirst()
      if (Number(done.numUpdatedRows) !== 1)
        throw new HttpProblem('conflict', 'the share was already released, or the recovery is not waiting')
      await this.#log.append(
        trx,
        recovery.vault_id,
        'recovery_share_released',
        worker,
        { recovery_id: recovery.id, holder: 'worker', approvers: approvers.length },
        leaves.recoveryShareReleased(recovery.id, 'worker'),
      )
    })
  }

  /** The first time the host's share is handed to the recovering device, logged. */
  async markHostShareReleased(recovery: { id: string; vault_id: string }) {
    await inVault(this.#db, recovery.vault_id, async (trx) => {
      const done = await trx
        .updateTable('recoveries')
        .set({ host_released_at: this.#clock() })
        .where('id', '=', recovery.id)
        .where('host_released_at', 'is', null)
        .executeTakeFirst()
      if (Number(done.numUpdatedRows) === 1)
        await this.#log.append(
          trx,
          recovery.vault_id,
          'recovery_share_released',
          'host',
          { recovery_id: recovery.id, holder: 'host' },
          leaves.recoveryShareReleased(recovery.id, 'host'),
        )
    })
  }
}
