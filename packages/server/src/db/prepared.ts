import type { CompiledQuery, Kysely } from 'kysely'
import type { Database } from './schema.js'

const SLOT = '\u0000holdall-slot:'

/** A named placeholder for a value supplied at execution time (see `prepare`). */
export function slot<T = string>(name: string): T {
  return `${SLOT}${name}` as T
}

interface Compilable<R> {
  compile(): CompiledQuery<R>
}

/**
 * A query built and compiled once, executed many times with new values: the read path runs the
 * same few statements on every request, and building each through Kysely's query builder cost
 * more than running it (bench/README.md). Values are given by the names of their `slot()`s;
 * better-sqlite3 also keeps the prepared statement for the text (db/database.ts).
 */
export function prepare<R>(query: Compilable<R>) {
  const compiled = query.compile()
  const names = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(SLOT) ? p.slice(SLOT.length) : undefined,
  )
  return async (executor: Kysely<Database>, values: Record<string, unknown>): Promise<R[]> => {
    const parameters = compiled.parameters.map((p, i) => {
      const name = names[i]
      if (name === undefined) return p
      if (!(name in values)) throw new Error(`no value for ${name}`)
      return values[name]
    })
    return (await executor.executeQuery<R>({ ...compiled, parameters })).rows
  }
}
