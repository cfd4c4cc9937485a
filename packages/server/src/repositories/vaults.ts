import type { CreateVault } from '@holdall/protocol'
import type { JWK } from 'jose'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault, type Trx } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { leaves } from '../rules/log-entries.js'
import type { AccessLog } from './log.js'

/** Checks a new device chain entry against the chain read inside the vault's lock (rules/device-chain.ts). */
export type ChainCheck = (existing: readonly string[]) => { readonly seq: number; readonly entry: string }

export interface NewDevice {
  readonly id: string
  readonly signing: JWK
  readonly agreement: JWK
  readonly vrkWrap: string
  readonly wrapStatement: string
}

/** Vaults and their holder devices: every query on the `vaults` and `devices` tables. */
export class VaultRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  find(vaultId: string) {
    return this.#db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirst()
  }

  device(deviceId: string) {
    return this.#db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst()
  }

  /** The vault's device chain (spec 3.8.1), entry 0 first, each entry as its device signed it. */
  async deviceChain(vaultId: string, db: Db | Trx = this.#db): Promise<string[]> {
    const rows = await db
      .selectFrom('device_chain_entries')
      .select(['entry'])
      .where('vault_id', '=', vaultId)
      .orderBy('seq', 'asc')
      .execute()
    return rows.map((r) => r.entry)
  }

  async #appendChainEntry(
    trx: Trx,
    vaultId: string,
    check: ChainCheck,
    now: number,
  ): Promise<{ readonly seq: number; readonly entry: string }> {
    const added = check(await this.deviceChain(vaultId, trx))
    await trx
      .insertInto('device_chain_entries')
      .values({ vault_id: vaultId, seq: added.seq, entry: added.entry, created_at: now })
      .execute()
    return added
  }

  /** The vault as one of its devices sees it, with the device that enrolled it (if any) and the chain. */
  async deviceView(vaultId: string, deviceId: string) {
    const vault = await this.#db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
    const device = await this.#db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirstOrThrow()
    const enroller =
      device.enrolled_by === null
        ? undefined
        : await this.#db
            .selectFrom('devices')
            .select(['signing_jwk'])
            .where('id', '=', device.enrolled_by)
            .executeTakeFirst()
    return { vault, device, enroller, chain: await this.deviceChain(vaultId) }
  }

  /**
   * Creates the vault, its first device and entry 0 of its device chain, logged. Throws the
   * database's error on a duplicate id.
   */
  async create(body: CreateVault, deviceId: string, chain: ChainCheck): Promise<void> {
    const now = this.#clock()
    await this.#db.transaction().execute(async (trx) => {
      // [ERA-HOST-07] An erased vault's id is never taken again.
      const erased = await trx
        .selectFrom('erasures')
        .select('vault_id')
        .where('vault_id', '=', body.vault_id)
        .executeTakeFirst()
      if (erased !== undefined) throw new HttpProblem('vault_erased', 'this vault was erased')
      await trx
        .insertInto('vaults')
        .values({
          id: body.vault_id,
          key_epoch: 0,
          inbox_public_jwk: JSON.stringify(body.inbox_key),
          inbox_statement: body.inbox_statement,
          used_bytes: 0,
          created_at: now,
        })
        .execute()
      await trx
        .insertInto('devices')
        .values({
          id: deviceId,
          vault_id: body.vault_id,
          signing_jwk: JSON.stringify(body.device.signing),
          agreement_jwk: JSON.stringify(body.device.agreement),
          vrk_wrap: body.vrk_wrap,
          wrap_epoch: 0,
          enrolled_by: null,
          wrap_statement: null,
          status: 'active',
          created_at: now,
        })
        .execute()
      const link = await this.#appendChainEntry(trx, body.vault_id, chain, now)
      await this.#log.append(
        trx,
        body.vault_id,
        'vault_created',
        deviceId,
        {},
        leaves.deviceAdded(deviceId, link.seq, link.entry),
      )
    })
  }

  /** Adds a device and its device chain entry (checked under the vault's lock), logged. */
  async enrol(
    vaultId: string,
    keyEpoch: number,
    enroller: string,
    device: NewDevice,
    chain: ChainCheck,
  ): Promise<void> {
    await inVault(this.#db, vaultId, async (trx) => {
      const now = this.#clock()
      const link = await this.#appendChainEntry(trx, vaultId, chain, now)
      await trx
        .insertInto('devices')
        .values({
          id: device.id,
          vault_id: vaultId,
          signing_jwk: JSON.stringify(device.signing),
          agreement_jwk: JSON.stringify(device.agreement),
          vrk_wrap: device.vrkWrap,
          wrap_epoch: keyEpoch,
          enrolled_by: enroller,
          wrap_statement: device.wrapStatement,
          status: 'active',
          created_at: now,
        })
        .execute()
      await this.#log.append(
        trx,
        vaultId,
        'device_added',
        enroller,
        { device_id: device.id },
        leaves.deviceAdded(device.id, link.seq, link.entry),
      )
    })
  }

  /** A cheap query that proves the database answers (the health check). */
  async ping(): Promise<void> {
    await this.#db.selectFrom('vaults').select('id').limit(1).execute()
  }
}
