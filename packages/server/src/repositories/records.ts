import type { Deposit, PutRecordVersion } from '@holdall/protocol'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { prepare, slot } from '../db/prepared.js'
import { inVault, type Trx } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { leaves } from '../rules/log-entries.js'
import type { BlobRepository } from './blobs.js'
import type { AccessLog } from './log.js'
import { insertVersion, insertWrap, type RecordVersionRow, versionsQuery, type WrapFor } from './record-rows.js'

export type { RecordVersionRow, WrapFor } from './record-rows.js'

/**
 * Records, their versions and the key wraps of each version: every query on `records`,
 * `record_versions` and `key_wraps`. A version with its wrap is read in one joined statement.
 */
export class RecordRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock
  readonly #blobs: BlobRepository

  readonly #grantVersions: ReturnType<typeof prepare<RecordVersionRow>>

  constructor(db: Db, log: AccessLog, clock: Clock, blobs: BlobRepository) {
    this.#blobs = blobs
    this.#grantVersions = prepare(versionsQuery(db, slot('vaultId'), { kind: 'grant', grantId: slot('grantId') }))
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  /** One version with the caller's wrap (the newest epoch's for the owner), or undefined. */
  version(vaultId: string, recordId: string, version: number, wrapFor: WrapFor): Promise<RecordVersionRow | undefined> {
    return versionsQuery(this.#db, vaultId, wrapFor)
      .where('v.record_id', '=', recordId)
      .where('v.version', '=', version)
      .orderBy('w.key_epoch', 'desc')
      .limit(1)
      .executeTakeFirst()
  }

  /** The latest version of every record in the vault (or every deposit in its inbox), in one statement. */
  async latest(vaultId: string, state: 'vault' | 'inbox'): Promise<RecordVersionRow[]> {
    const rows = await versionsQuery(this.#db, vaultId, { kind: state === 'vault' ? 'epoch' : 'inbox' })
      .where('r.state', '=', state)
      .whereRef('v.version', '=', 'r.latest_version')
      .orderBy('v.record_id')
      .orderBy('w.key_epoch', 'desc')
      .execute()
    // The newest epoch's wrap of each record: rows of one record are adjacent, newest first.
    return rows.filter((row, i) => i === 0 || rows[i - 1]?.record_id !== row.record_id)
  }

  /** Every version wrapped to a grant (later versions are never wrapped to it, so never served): one prepared statement. */
  grantVersions(vaultId: string, grantId: string): Promise<RecordVersionRow[]> {
    return this.#grantVersions(this.#db, { vaultId, grantId })
  }

  /** Whether this vault holds a version whose envelope has this address. */
  async holdsBlob(vaultId: string, sha256: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('record_versions')
      .select('ciphertext_sha256')
      .where('vault_id', '=', vaultId)
      .where('ciphertext_sha256', '=', sha256)
      .executeTakeFirst()
    return row !== undefined
  }

  /** The record type of a version wrapped to this grant whose envelope has this address. */
  async grantBlobType(grantId: string, sha256: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('key_wraps')
      .innerJoin('record_versions', (join) =>
        join
          .onRef('record_versions.vault_id', '=', 'key_wraps.vault_id')
          .onRef('record_versions.record_id', '=', 'key_wraps.record_id')
          .onRef('record_versions.version', '=', 'key_wraps.version'),
      )
      .innerJoin('records', (join) =>
        join
          .onRef('records.vault_id', '=', 'key_wraps.vault_id')
          .onRef('records.record_id', '=', 'key_wraps.record_id'),
      )
      .select(['records.record_type'])
      .where('key_wraps.grant_id', '=', grantId)
      .where('record_versions.ciphertext_sha256', '=', sha256)
      .executeTakeFirst()
    return row?.record_type
  }

  /** Compare-and-swap on the version: 'same' for a retry of the identical write, 'conflict' otherwise. */
  commitVersion(
    vaultId: string,
    recordId: string,
    version: number,
    body: PutRecordVersion,
    author: string,
  ): Promise<'created' | 'same' | 'conflict'> {
    const now = this.#clock()
    return inVault(this.#db, vaultId, async (trx) => {
      const existing = await trx
        .selectFrom('record_versions')
        .select(['manifest'])
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', recordId)
        .where('version', '=', version)
        .executeTakeFirst()
      if (existing !== undefined) return existing.manifest === body.manifest ? 'same' : 'conflict'
      const record = await trx
        .selectFrom('records')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', recordId)
        .executeTakeFirst()
      const expected = record === undefined ? 1 : record.latest_version + 1
      if (version !== expected || (record !== undefined && record.record_type !== body.record_type)) return 'conflict'
      if (record === undefined) {
        await trx
          .insertInto('records')
          .values({
            vault_id: vaultId,
            record_id: recordId,
            record_type: body.record_type,
            latest_version: 1,
            state: 'vault',
            created_at: now,
          })
          .execute()
      } else {
        await trx
          .updateTable('records')
          .set({ latest_version: version })
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .execute()
      }
      await this.#referenceBlob(trx, vaultId, body)
      await insertVersion(trx, vaultId, recordId, version, body, author, now)
      await insertWrap(trx, vaultId, recordId, version, { kind: 'epoch', keyEpoch: body.key_epoch }, body.owner_wrap)
      await this.#log.append(
        trx,
        vaultId,
        'record_written',
        author,
        { record_id: recordId, version, record_type: body.record_type },
        leaves.recordWritten(recordId, version, body.manifest),
      )
      return 'created'
    })
  }

  /** A deposit into the inbox: false for a retry of the same deposit; a different one with the same id is a conflict. */
  deposit(vaultId: string, body: Deposit, authorKeyId: string, clientId: string): Promise<boolean> {
    const now = this.#clock()
    return inVault(this.#db, vaultId, async (trx) => {
      const existing = await trx
        .selectFrom('record_versions')
        .select('manifest')
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', body.record_id)
        .executeTakeFirst()
      if (existing !== undefined) {
        if (existing.manifest === body.manifest) return false
        throw new HttpProblem('conflict', 'a record with this id exists')
      }
      await this.#referenceBlob(trx, vaultId, body)
      await trx
        .insertInto('records')
        .values({
          vault_id: vaultId,
          record_id: body.record_id,
          record_type: body.record_type,
          latest_version: 1,
          state: 'inbox',
          created_at: now,
        })
        .execute()
      await insertVersion(trx, vaultId, body.record_id, 1, body, authorKeyId, now)
      await insertWrap(trx, vaultId, body.record_id, 1, { kind: 'inbox', keyEpoch: body.key_epoch }, body.inbox_wrap)
      await this.#log.append(
        trx,
        vaultId,
        'deposit_received',
        clientId,
        { record_id: body.record_id, record_type: body.record_type },
        leaves.depositReceived(body.record_id, clientId, body.manifest),
      )
      return true
    })
  }

  /**
   * A version or deposit may name only an envelope its own vault holds, with this length; naming
   * it stops it expiring (its charge was taken once, at upload). The same refusal whether no
   * vault holds it or another one does, so it tells nobody what other vaults hold.
   */
  async #referenceBlob(trx: Trx, vaultId: string, body: { ciphertext_sha256: string; ciphertext_length: number }) {
    if (!(await this.#blobs.reference(trx, vaultId, body.ciphertext_sha256, body.ciphertext_length)))
      throw new HttpProblem('conflict', 'upload the envelope blob first')
  }

  /** Moves a deposit into the vault, its inbox wrap replaced by the owner's. False when there is no such deposit. */
  accept(
    vaultId: string,
    recordId: string,
    keyEpoch: number,
    ownerWrap: string,
    actor: string,
    supersedes?: string,
  ): Promise<boolean> {
    return inVault(this.#db, vaultId, async (trx) => {
      const record = await trx
        .selectFrom('records')
        .select(['state', 'record_type'])
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', recordId)
        .executeTakeFirst()
      if (record === undefined) return false
      if (record.state === 'vault') return true
      if (supersedes !== undefined) await this.#markSuperseded(trx, vaultId, supersedes, recordId, record.record_type)
      await trx
        .updateTable('records')
        .set({ state: 'vault' })
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', recordId)
        .execute()
      await trx
        .deleteFrom('key_wraps')
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', recordId)
        .where('kind', '=', 'inbox')
        .execute()
      await insertWrap(trx, vaultId, recordId, 1, { kind: 'epoch', keyEpoch }, ownerWrap)
      await this.#log.append(
        trx,
        vaultId,
        'deposit_accepted',
        actor,
        supersedes === undefined ? { record_id: recordId } : { record_id: recordId, supersedes },
        leaves.depositAccepted(recordId),
      )
      return true
    })
  }

  /**
   * Spec 4.4: the old record must be a vault record of the same type that nothing replaced yet
   * ([SUP-VER-02]); otherwise `conflict`, and the accept's transaction leaves nothing changed.
   */
  async #markSuperseded(trx: Trx, vaultId: string, oldId: string, newId: string, recordType: string): Promise<void> {
    const updated = await trx
      .updateTable('records')
      .set({ superseded_by: newId })
      .where('vault_id', '=', vaultId)
      .where('record_id', '=', oldId)
      .where('record_type', '=', recordType)
      .where('state', '=', 'vault')
      .where('superseded_by', 'is', null)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) !== 1)
      throw new HttpProblem('conflict', 'the record it replaces is not a current record of the same type')
  }
}
