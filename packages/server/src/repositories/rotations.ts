import type { RecoverySetup, RotateEpoch } from '@holdall/protocol'
import type { JWK } from 'jose'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault, type Trx } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { chainLogEvents, recoveryCompletedLeaf } from '../rules/log-entries.js'
import type { CheckedRotation, RotationState } from '../rules/rotation.js'
import { batches } from './batches.js'
import type { AccessLog } from './log.js'

/** Checks a rotation against the state read inside the vault's lock (rules/rotation.ts). */
export type RotationCheck = (state: Omit<RotationState, 'signerId' | 'isListedWorker'>) => Promise<CheckedRotation>

/** A device that joins the vault by completing a recovery (it is not in `devices` before). */
export interface RecoveringDevice {
  readonly id: string
  readonly signingJwk: string
  readonly agreementJwk: string
  readonly recoveryId: string
}

/** Epoch rotations and recovery set-ups (spec 9.2, 9.4): each one transaction under the vault's lock, logged. */
export class RotationRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  /** Everything a rotation must re-wrap or re-sign, as the vault is now. */
  async plan(vaultId: string, db: Db | Trx = this.#db) {
    const vault = await db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
    const chain = await db
      .selectFrom('device_chain_entries')
      .select('entry')
      .where('vault_id', '=', vaultId)
      .orderBy('seq')
      .execute()
    const devices = await db
      .selectFrom('devices')
      .select(['id', 'signing_jwk', 'agreement_jwk'])
      .where('vault_id', '=', vaultId)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute()
    const wraps = await db
      .selectFrom('key_wraps')
      .select(['record_id', 'version', 'kind', 'key_epoch', 'wrap'])
      .where('vault_id', '=', vaultId)
      .where('kind', 'in', ['epoch', 'inbox'])
      .orderBy('record_id')
      .orderBy('version')
      .orderBy('key_epoch', 'desc')
      .execute()
    const seen = new Set<string>()
    const latest = wraps.filter((w) => {
      const key = `${w.kind}/${w.record_id}/${w.version}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    const grants = await db
      .selectFrom('grants')
      .select(['id', 'receipt'])
      .where('vault_id', '=', vaultId)
      .where('status', '=', 'active')
      .where('expires_at', '>', this.#clock())
      .orderBy('created_at')
      .execute()
    return {
      vault,
      chain: chain.map((c) => c.entry),
      devices,
      epochWraps: latest.filter((w) => w.kind === 'epoch'),
      inboxWraps: latest.filter((w) => w.kind === 'inbox'),
      grants,
    }
  }

  /** Recovery set up at the vault's current epoch, with the chain entry adding its member, logged. */
  async putSetup(
    vaultId: string,
    actor: string,
    setup: RecoverySetup,
    sealedHostShare: string,
    chainEntry: (existing: readonly string[]) => { seq: number; entry: string },
  ): Promise<void> {
    await inVault(this.#db, vaultId, async (trx) => {
      const vault = await trx
        .selectFrom('vaults')
        .select('key_epoch')
        .where('id', '=', vaultId)
        .executeTakeFirstOrThrow()
      const existing = await trx
        .selectFrom('recovery_setups')
        .select('key_epoch')
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (existing !== undefined)
        throw new HttpProblem('conflict', 'recovery is already set up at this epoch: a rotation makes new shares')
      const chain = await trx
        .selectFrom('device_chain_entries')
        .select('entry')
        .where('vault_id', '=', vaultId)
        .orderBy('seq')
        .execute()
      const added = chainEntry(chain.map((c) => c.entry))
      const now = this.#clock()
      await trx
        .insertInto('device_chain_entries')
        .values({ vault_id: vaultId, seq: added.seq, entry: added.entry, created_at: now })
        .execute()
      await this.#insertSetup(trx, vaultId, vault.key_epoch, setup, sealedHostShare, now)
      await this.#log.append(trx, vaultId, 'recovery_set_up', actor, {
        key_epoch: vault.key_epoch,
        worker: setup.worker.client_id,
      })
    })
  }

  async #insertSetup(trx: Trx, vaultId: string, epoch: number, setup: RecoverySetup, sealed: string, now: number) {
    await trx.deleteFrom('recovery_setups').where('vault_id', '=', vaultId).execute()
    await trx
      .insertInto('recovery_setups')
      .values({
        vault_id: vaultId,
        key_epoch: epoch,
        check_value: setup.check,
        member_signing_jwk: JSON.stringify(setup.member_signing_key),
        host_share_sealed: sealed,
        worker_client_id: setup.worker.client_id,
        worker_share_wrap: setup.worker.share_wrap,
        kit_proof_hash: setup.kit_proof_hash,
        created_at: now,
      })
      .execute()
  }

  /**
   * Moves the vault to the next epoch (spec 9.2): chain entries, removed devices (their tokens
   * revoked at once), new device wraps, every owner and inbox wrap replaced, re-signed receipts,
   * new recovery shares; with `joining`, the recovering device joins and its recovery completes.
   * Returns the removed device ids.
   */
  async rotate(
    vaultId: string,
    actor: string,
    body: RotateEpoch,
    sealHostShare: (epoch: number) => string,
    check: RotationCheck,
    joining?: RecoveringDevice,
  ): Promise<string[]> {
    return inVault(this.#db, vaultId, async (trx) => {
      const now = this.#clock()
      const plan = await this.plan(vaultId, trx)
      const devices = new Map(plan.devices.map((d) => [d.id, (JSON.parse(d.signing_jwk) as JWK).x as string]))
      if (joining !== undefined) {
        const recovery = await trx
          .selectFrom('recoveries')
          .selectAll()
          .where('id', '=', joining.recoveryId)
          .executeTakeFirst()
        if (recovery?.status !== 'waiting' || recovery.ready_at > now || recovery.key_epoch !== plan.vault.key_epoch)
          throw new HttpProblem('conflict', 'this recovery is not ready, or was cancelled or completed')
        devices.set(joining.id, (JSON.parse(joining.signingJwk) as JWK).x as string)
      }
      const checked = await check({
        vaultId,
        keyEpoch: plan.vault.key_epoch,
        chain: plan.chain,
        devices,
        epochWraps: plan.epochWraps,
        inboxWraps: plan.inboxWraps,
        grants: plan.grants,
      })
      for (const e of checked.entries)
        await trx
          .insertInto('device_chain_entries')
          .values({ vault_id: vaultId, seq: e.seq, entry: e.entry, created_at: now })
          .execute()
      if (joining !== undefined) await this.#join(trx, vaultId, body, joining, now)
      await this.#devices(trx, actor, body, checked.removed, joining)
      await this.#wraps(trx, vaultId, body)
      for (const [grantId, receipt] of checked.receipts)
        await trx.updateTable('grants').set({ receipt }).where('id', '=', grantId).execute()
      await this.#insertSetup(trx, vaultId, body.epoch, body.recovery, sealHostShare(body.epoch), now)
      // Any recovery still waiting was asked for under the old shares: it ends here.
      await trx
        .updateTable('recoveries')
        .set({ status: 'cancelled', ended_at: now })
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'waiting')
        .execute()
      // Key transparency (spec 8.3): each chain entry of the rotation is a log entry linked to it.
      for (const e of chainLogEvents(checked.entries, checked.removed, joining?.id))
        await this.#log.append(trx, vaultId, e.event, actor, e.details, e.leaf)
      if (joining !== undefined) await this.#logCompleted(trx, vaultId, checked, joining) // linked to its chain entry
      await this.#log.append(trx, vaultId, 'epoch_rotated', actor, {
        key_epoch: body.epoch,
        removed: checked.removed.length,
        records: body.epoch_wraps.length,
      })
      return [...checked.removed]
    })
  }

  async #logCompleted(trx: Trx, vaultId: string, checked: CheckedRotation, joining: RecoveringDevice) {
    const leaf = recoveryCompletedLeaf(checked.entries, joining.recoveryId, joining.id)
    await this.#log.append(trx, vaultId, 'recovery_completed', joining.id, { recovery_id: joining.recoveryId }, leaf)
  }

  async #join(trx: Trx, vaultId: string, body: RotateEpoch, joining: RecoveringDevice, now: number) {
    const wrap = body.device_wraps.find((w) => w.device_id === joining.id)
    await trx
      .insertInto('devices')
      .values({
        id: joining.id,
        vault_id: vaultId,
        signing_jwk: joining.signingJwk,
        agreement_jwk: joining.agreementJwk,
        vrk_wrap: wrap?.vrk_wrap ?? '',
        wrap_epoch: body.epoch,
        enrolled_by: joining.id,
        wrap_statement: wrap?.wrap_statement ?? null,
        status: 'active',
        created_at: now,
      })
      .execute()
    await trx
      .updateTable('recoveries')
      .set({ status: 'completed', ended_at: now })
      .where('id', '=', joining.recoveryId)
      .execute()
  }

  /** Removed devices and their tokens go at once; the others get the new VRK wrap. */
  async #devices(trx: Trx, actor: string, body: RotateEpoch, removed: readonly string[], joining?: RecoveringDevice) {
    if (removed.length > 0) {
      await trx.updateTable('devices').set({ status: 'removed' }).where('id', 'in', removed).execute()
      await trx
        .updateTable('tokens')
        .set({ revoked: 1 })
        .where('subject_type', '=', 'device')
        .where('subject', 'in', removed)
        .execute()
    }
    for (const w of body.device_wraps) {
      if (w.device_id === joining?.id) continue
      await trx
        .updateTable('devices')
        .set({ vrk_wrap: w.vrk_wrap, wrap_epoch: body.epoch, wrap_statement: w.wrap_statement, enrolled_by: actor })
        .where('id', '=', w.device_id)
        .execute()
    }
  }

  /** The vault's epoch and inbox key, every owner wrap replaced, every waiting deposit re-wrapped. */
  async #wraps(trx: Trx, vaultId: string, body: RotateEpoch) {
    await trx
      .updateTable('vaults')
      .set({
        key_epoch: body.epoch,
        inbox_public_jwk: JSON.stringify(body.inbox_key),
        inbox_statement: body.inbox_statement,
      })
      .where('id', '=', vaultId)
      .execute()
    await trx.deleteFrom('key_wraps').where('vault_id', '=', vaultId).where('kind', '=', 'epoch').execute()
    for (const batch of batches(body.epoch_wraps, 500))
      await trx
        .insertInto('key_wraps')
        .values(
          batch.map((w) => ({
            vault_id: vaultId,
            record_id: w.record_id,
            version: w.version,
            kind: 'epoch' as const,
            grant_id: null,
            key_epoch: body.epoch,
            wrap: w.wrap,
          })),
        )
        .execute()
    for (const w of body.inbox_wraps)
      await trx
        .updateTable('key_wraps')
        .set({ wrap: w.wrap })
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', w.record_id)
        .where('version', '=', w.version)
        .where('kind', '=', 'inbox')
        .execute()
  }
}
