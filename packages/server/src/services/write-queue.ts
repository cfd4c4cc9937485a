import type { Transaction } from 'kysely'
import type { Db } from '../db/database.js'
import type { Database } from '../db/schema.js'

export type Work<T> = (trx: Transaction<Database>) => Promise<T>

interface Queued {
  readonly work: Work<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

const MAX_BATCH = 256

/**
 * Small writes that happen on every request (a DPoP `jti`, an access-log entry) go through here,
 * so that they do not cost one disk sync each.
 *
 * With `batch` (the default for both databases): group commit. Work that arrives while a commit
 * is in progress waits and is committed with the others in the next transaction; each caller is
 * answered only after its transaction committed, so nothing a client was told about is lost in
 * a crash. If one piece of work fails (on PostgreSQL that includes a deadlock between two
 * instances' batches, which the server detects and breaks), the batch is rolled back and each
 * piece is retried in a transaction of its own, so only the culprit fails.
 *
 * Without `batch`, each piece of work runs in its own transaction.
 */
export class WriteQueue {
  readonly #db: Db
  readonly #batch: boolean
  #queue: Queued[] = []
  #draining = false

  constructor(db: Db, options: { readonly batch: boolean }) {
    this.#db = db
    this.#batch = options.batch
  }

  run<T>(work: Work<T>): Promise<T> {
    if (!this.#batch) return this.#db.transaction().execute(work)
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      if (!this.#draining) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      // better-sqlite3 works synchronously: a transaction, commit and sync included, runs within
      // one turn of the event loop, so nothing new could join it. Waiting one turn first lets
      // every request whose I/O completed in this turn add its work to the same commit.
      await new Promise((resolve) => setImmediate(resolve))
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH)
        const results: unknown[] = []
        try {
          await this.#db.transaction().execute(async (trx) => {
            for (const item of batch) results.push(await item.work(trx))
          })
        } catch {
          for (const item of batch) {
            try {
              item.resolve(await this.#db.transaction().execute(item.work))
            } catch (error) {
              item.reject(error)
            }
          }
          continue
        }
        for (const [i, item] of batch.entries()) item.resolve(results[i])
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      this.#draining = false
    }
  }
}
