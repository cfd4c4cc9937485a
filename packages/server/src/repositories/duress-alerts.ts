import { sql } from 'kysely'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'

/** Issue 19: the silent duress alert of each vault (spec 10.9): every query on `duress_alerts`. */
export class DuressAlertRepository {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Sets the vault's one alert (replacing any earlier one, whose count starts again). */
  async put(vaultId: string, grantId: string, tokenHash: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('duress_alerts').where('vault_id', '=', vaultId).execute()
      await trx
        .insertInto('duress_alerts')
        .values({
          vault_id: vaultId,
          grant_id: grantId,
          token_hash: tokenHash,
          created_at: this.#clock(),
          fired_count: 0,
          last_fired_at: null,
        })
        .execute()
    })
  }

  /** Counts a firing of the alert with this token hash, if there is one; says nothing either way. */
  async fire(tokenHash: string): Promise<void> {
    await this.#db
      .updateTable('duress_alerts')
      .set({ fired_count: sql`fired_count + 1`, last_fired_at: this.#clock() })
      .where('token_hash', '=', tokenHash)
      .execute()
  }

  /** What a grant may see: its own alert's count, or nothing (another grant's alert is not its business). */
  async forGrant(vaultId: string, grantId: string): Promise<{ fired_count: number; last_fired_at: number | null }> {
    const row = await this.#db
      .selectFrom('duress_alerts')
      .select(['fired_count', 'last_fired_at'])
      .where('vault_id', '=', vaultId)
      .where('grant_id', '=', grantId)
      .executeTakeFirst()
    return row === undefined
      ? { fired_count: 0, last_fired_at: null }
      : {
          fired_count: Number(row.fired_count),
          last_fired_at: row.last_fired_at === null ? null : Number(row.last_fired_at),
        }
  }
}
