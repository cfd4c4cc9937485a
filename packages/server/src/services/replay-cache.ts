import type { WriteQueue } from './write-queue.js'

/**
 * One-time identifiers (DPoP `jti`s, client and device assertion `jti`s) seen by any instance on
 * this database. The check is an insert into a table keyed by (scope, jti): it fails closed, and
 * every instance sharing the database shares it, so a proof replayed to another instance is
 * refused. The insert goes through the write queue so it costs no disk sync of its own.
 */
export class ReplayCache {
  readonly #writes: WriteQueue

  constructor(writes: WriteQueue) {
    this.#writes = writes
  }

  /** True the first time (scope, jti) is presented; false on every later presentation. */
  async firstUse(scope: string, jti: string, expiresAt: number): Promise<boolean> {
    const inserted = await this.#writes.run((trx) =>
      trx
        .insertInto('dpop_jti')
        .values({ jkt: scope, jti, expires_at: expiresAt })
        .onConflict((c) => c.doNothing())
        .executeTakeFirst(),
    )
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
  }

  /** Forgets ids whose proofs have expired: they would be refused as too old anyway. */
  async purge(now: number): Promise<void> {
    await this.#writes.run((trx) => trx.deleteFrom('dpop_jti').where('expires_at', '<', now).execute())
  }
}
