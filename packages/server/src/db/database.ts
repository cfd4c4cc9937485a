import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>

/**
 * Opens (creating if needed) the SQLite database in the data directory: WAL journal so readers
 * never block the writer, foreign keys on, and a busy timeout so concurrent writers wait briefly
 * instead of failing.
 */
export async function openDatabase(dataDir: string, options: { busyTimeoutMs?: number } = {}): Promise<Db> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const sqlite = new SQLite(join(dataDir, 'holdall.sqlite3'))
  sqlite.pragma('journal_mode = WAL')
  // FULL: a commit survives power loss, not only a process crash. Writes here are few and small.
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const provider: MigrationProvider = { getMigrations: async () => migrations }
  const { error } = await new Migrator({ db, provider }).migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new Error('database migration failed', { cause: error })
  }
  return db
}
