import { sql } from 'kysely'
import type { Db } from '../db/database.js'

export interface CounterHit {
  /** Hits in the current window, this one included. */
  readonly count: number
  /** When the current window ends (ms since the epoch). */
  readonly resetAt: number
}

/**
 * A fixed-window counter every server instance shares, for rate limiting across instances: a
 * limiter calls `hit(key, windowMs)` once per request and refuses when `count` passes its limit.
 * Keys should be derived (e.g. `ip:<address>` or `client:<client_id>`), never a token.
 */
export interface SharedCounter {
  hit(key: string, windowMs: number): Promise<CounterHit>
  /** Hits in the current window without counting one (0 when the window has ended). */
  peek(key: string, windowMs: number): Promise<number>
}

/**
 * The counter in the database (SQLite or PostgreSQL): one upsert per hit, atomic on both, so two
 * instances counting the same key never lose a hit. A window that has ended restarts at 1.
 */
export class DatabaseCounter implements SharedCounter {
  readonly #db: Db
  readonly #now: () => number

  constructor(db: Db, now: () => number) {
    this.#db = db
    this.#now = now
  }

  async hit(key: string, windowMs: number): Promise<CounterHit> {
    const now = this.#now()
    const expired = sql<boolean>`rate_limit_counters.window_start + ${windowMs} <= ${now}`
    const row = await this.#db
      .insertInto('rate_limit_counters')
      .values({ key, window_start: now, count: 1 })
      .onConflict((c) =>
        c.column('key').doUpdateSet({
          count: sql`case when ${expired} then 1 else rate_limit_counters.count + 1 end`,
          window_start: sql`case when ${expired} then ${now} else rate_limit_counters.window_start end`,
        }),
      )
      .returning(['count', 'window_start'])
      .executeTakeFirstOrThrow()
    return { count: Number(row.count), resetAt: Number(row.window_start) + windowMs }
  }

  async peek(key: string, windowMs: number): Promise<number> {
    const row = await this.#db
      .selectFrom('rate_limit_counters')
      .select(['count', 'window_start'])
      .where('key', '=', key)
      .executeTakeFirst()
    if (row === undefined || Number(row.window_start) + windowMs <= this.#now()) return 0
    return Number(row.count)
  }

  /** Forgets windows that ended before `now`, so the table holds only live keys. */
  async purge(now: number, windowMs: number): Promise<void> {
    await this.#db
      .deleteFrom('rate_limit_counters')
      .where('window_start', '<=', now - windowMs)
      .execute()
  }
}
