import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * The layout of packages/server/src (README "Where does a new route or query go"), enforced:
 * queries live in repositories and stores, never beside HTTP; each file reads at once.
 * (Biome's noExcessiveLinesPerFunction keeps each function under 80 lines.)
 */

const src = join(import.meta.dirname, '..', 'src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Kysely's query builders and raw SQL: what only a repository or store may contain. */
const SQL = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql`|\.query\(/

describe('server layout', () => {
  it('no SQL in routes, the HTTP layer, OAuth grants, rules or wire views', () => {
    for (const dir of ['routes', 'http', 'oauth', 'rules', 'wire', 'auth']) {
      for (const file of files(join(src, dir))) {
        expect(readFileSync(file, 'utf8'), relative(src, file)).not.toMatch(SQL)
      }
    }
  })

  it('every route file is one resource, short enough to read at once', () => {
    for (const file of files(join(src, 'routes'))) {
      const lines = readFileSync(file, 'utf8').split('\n').length
      expect(lines, relative(src, file)).toBeLessThanOrEqual(300)
    }
  })

  it('every other source file stays under 300 lines too (migrations aside)', () => {
    for (const file of files(src).filter((f) => !f.includes(`${join('db', 'migrations')}`))) {
      const lines = readFileSync(file, 'utf8').split('\n').length
      expect(lines, relative(src, file)).toBeLessThanOrEqual(300)
    }
  })
})
