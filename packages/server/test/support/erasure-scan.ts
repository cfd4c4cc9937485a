import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import type { Db } from '../../src/db/database.js'

/*
 * Reads a host's storage the way an auditor would, to prove an erased vault left nothing behind
 * (spec 13, ERA-HOST-05): every row of every table through SQL, and every byte of every file in
 * the data folder (the SQLite file and its WAL included, the blob folder included).
 */

/** Tables that hold no vault data by design, or the tombstone itself (spec 13.6). */
const NOT_VAULT_DATA = new Set(['erasures', 'erased_tokens', 'kysely_migration', 'kysely_migration_lock'])

export async function tableNames(db: Db, kind: string): Promise<string[]> {
  const rows =
    kind === 'sqlite'
      ? await sql<{
          name: string
        }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`.execute(db)
      : await sql<{
          name: string
        }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`.execute(db)
  return rows.rows.map((r) => r.name).sort()
}

/** Tables with a `vault_id` column: each must be emptied of the vault by an erasure. */
export async function tablesWithVaultId(db: Db, kind: string): Promise<string[]> {
  const out: string[] = []
  for (const table of await tableNames(db, kind)) {
    const columns =
      kind === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db)).rows
        : (
            await sql<{
              name: string
            }>`SELECT column_name AS name FROM information_schema.columns WHERE table_name = ${table}`.execute(db)
          ).rows
    if (columns.some((c) => c.name === 'vault_id')) out.push(table)
  }
  return out
}

function cellText(value: unknown): string {
  if (value instanceof Uint8Array)
    return `${Buffer.from(value).toString('base64url')} ${Buffer.from(value).toString('hex')}`
  return String(value)
}

/** Every `table: needle` where a row of a table (outside the tombstone's) contains a needle. */
export async function rowTraces(db: Db, kind: string, needles: readonly string[]): Promise<string[]> {
  const hits: string[] = []
  for (const table of await tableNames(db, kind)) {
    if (NOT_VAULT_DATA.has(table)) continue
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db)).rows
    for (const row of rows) {
      const text = Object.values(row).map(cellText).join(' ')
      for (const needle of needles) if (text.includes(needle)) hits.push(`${table}: ${needle.slice(0, 12)}`)
    }
  }
  return hits
}

/** Every `file: needle` where a file under `dir` contains a needle's bytes. */
export function fileTraces(dir: string, needles: readonly (string | Uint8Array)[]): string[] {
  const hits: string[] = []
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name)
      if (statSync(path).isDirectory()) walk(path)
      else {
        const bytes = readFileSync(path)
        for (const needle of needles) {
          if (bytes.includes(typeof needle === 'string' ? Buffer.from(needle) : Buffer.from(needle)))
            hits.push(`${path.slice(dir.length)}: ${Buffer.from(needle).toString('hex').slice(0, 12)}`)
        }
      }
    }
  }
  walk(dir)
  return hits
}

/** Every file under `dir`, by path relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (at: string, prefix: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name)
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`)
      else out.push(`${prefix}${name}`)
    }
  }
  walk(dir, '')
  return out
}
