import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, type KyselyConfig, type MigrationProvider, Migrator, PostgresDialect, SqliteDialect } from 'kysely'
import type pg from 'pg'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

export type Db = Kysely<Database>
export type DatabaseKind = 'sqlite' | 'postgres'

export interface OpenedDatabase {
  readonly db: Db
  readonly kind: DatabaseKind
  /** Only for PostgreSQL: where a LISTEN connection is opened from. */
  readonly postgresUrl: string | undefined
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url)
}

/**
 * Opens the database: PostgreSQL when `databaseUrl` is a postgres:// URL (several instances can
 * share it), otherwise SQLite in the data directory (the default: one machine, nothing to run).
 * Both get the same migrations and the same queries.
 */
export async function openDatabase(options: {
  readonly dataDir: string
  readonly databaseUrl?: string | undefined
  /** How long a SQLite writer waits for another before failing (the host answers 503). */
  readonly busyTimeoutMs?: number | undefined
  /** Called with every statement executed (tests count statements per request with it). */
  readonly onQuery?: ((sql: string) => void) | undefined
}): Promise<OpenedDatabase> {
  const log = options.onQuery === undefined ? undefined : queryLogger(options.onQuery)
  const opened = isPostgresUrl(options.databaseUrl)
    ? // Loaded only when asked for: a SQLite host never loads the PostgreSQL driver.
      openPostgres(options.databaseUrl, (await import('pg')).default, log)
    : openSqlite(options.dataDir, options.busyTimeoutMs, log)
  const provider: MigrationProvider = { getMigrations: async () => migrations }
  const { error } = await new Migrator({ db: opened.db, provider }).migrateToLatest()
  if (error !== undefined) {
    await opened.db.destroy()
    throw new Error('database migration failed', { cause: error })
  }
  return opened
}

/**
 * SQLite: WAL journal so readers never block the writer, foreign keys on, and a busy timeout so
 * concurrent writers wait briefly instead of failing.
 */
function queryLogger(onQuery: (sql: string) => void): KyselyConfig['log'] {
  return (event) => onQuery(event.query.sql)
}

function openSqlite(dataDir: string, busyTimeoutMs = 5000, log?: KyselyConfig['log']): OpenedDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const sqlite = new SQLite(join(dataDir, 'holdall.sqlite3'))
  sqlite.pragma('journal_mode = WAL')
  // FULL: a commit survives power loss, not only a process crash. The cost (one WAL sync per
  // commit) is shared by many requests through group commit (services/group-commit.ts).
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  // Deleted content is overwritten with zeros, not left in free pages: an erased vault
  // (spec 13, ERA-HOST-05) leaves none of its rows readable in the database file.
  sqlite.pragma('secure_delete = ON')
  sqlite.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`)
  // The access log's hash, computed inside the insert that appends an entry (repositories/log.ts),
  // so an append is one statement; PostgreSQL computes the same with its built-in sha256().
  sqlite.function('holdall_log_hash', { deterministic: true }, (prev, body) =>
    createHash('sha256')
      .update(`${String(prev)}\n${String(body)}`)
      .digest('base64url'),
  )
  // Kysely prepares every query afresh; the same few dozen statements run on every request, so
  // prepared statements are kept and reused (better-sqlite3 statements are reusable).
  const statements = new Map<string, SQLite.Statement>()
  const database = {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = statements.get(text)
      if (statement === undefined) {
        statement = sqlite.prepare(text)
        if (statements.size < 1000) statements.set(text, statement)
      }
      return statement
    },
  }
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database }), ...(log === undefined ? {} : { log }) }),
    kind: 'sqlite',
    postgresUrl: undefined,
  }
}

const INT8_OID = 20

/**
 * PostgreSQL through `pg`. Timestamps are milliseconds, so integer columns are BIGINT, which pg
 * returns as strings by default; every value we store is far below 2^53, so they are parsed as
 * numbers (for this pool only, not globally).
 */
function openPostgres(url: string, driver: typeof pg, log?: KyselyConfig['log']): OpenedDatabase {
  const pool = new driver.Pool({
    connectionString: url,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : driver.types.getTypeParser(oid, format ?? 'text')) as never,
    },
  })
  // An idle pooled connection that the server closes (a restart, a failover, a network blip)
  // emits 'error' on the pool; unhandled, that would end the process. The pool drops the
  // connection and opens a fresh one when next needed, so there is nothing else to do.
  pool.on('error', () => {})
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log === undefined ? {} : { log }) }),
    kind: 'postgres',
    postgresUrl: url,
  }
}
