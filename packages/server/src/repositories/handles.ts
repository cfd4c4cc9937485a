import type { Clock } from '../clock.js'
import { isUniqueViolation } from '../db/constraint-errors.js'
import type { Db } from '../db/database.js'
import { HttpProblem } from '../errors.js'

export interface StoredHandle {
  readonly vaultId: string
  readonly root: string
  readonly seq: number
  readonly record: string
  readonly deviceChain: readonly string[]
}

/** Handles this host issued (spec 11.4): each one's newest holder-signed record. */
export class HandleRepository {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async find(name: string): Promise<StoredHandle | undefined> {
    const row = await this.#db.selectFrom('handles').selectAll().where('name', '=', name).executeTakeFirst()
    if (row === undefined) return undefined
    return {
      vaultId: row.vault_id,
      root: row.root,
      seq: Number(row.seq),
      record: row.record,
      deviceChain: JSON.parse(row.device_chain) as string[],
    }
  }

  /**
   * Stores a checked record: a new handle, or the successor of `previousSeq`. A concurrent
   * writer that got there first makes this a conflict, never a lost update.
   */
  async save(name: string, handle: StoredHandle, previousSeq: number | undefined): Promise<void> {
    const values = {
      vault_id: handle.vaultId,
      root: handle.root,
      seq: handle.seq,
      record: handle.record,
      device_chain: JSON.stringify(handle.deviceChain),
      updated_at: this.#clock(),
    }
    if (previousSeq === undefined) {
      try {
        await this.#db
          .insertInto('handles')
          .values({ name, ...values })
          .execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new HttpProblem('conflict', 'this handle is taken')
        throw error
      }
      return
    }
    const result = await this.#db
      .updateTable('handles')
      .set(values)
      .where('name', '=', name)
      .where('seq', '=', previousSeq)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) !== 1)
      throw new HttpProblem('conflict', 'the handle changed meanwhile; read it again')
  }
}
