import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readRequirements } from '../scripts/spec-requirements.js'

const root = join(import.meta.dirname, '..')

/** Requirements no automated test can check, each with the reason. Keep this list short. */
const UNTESTABLE: Record<string, string> = {
  'CRY-ID-01': 'a property of how identifiers are generated; checked by review of generateId (randomBytes(16))',
  'CRY-HIER-02': 'a rule about what clients send to hosts; the host conformance suite will check what hosts accept',
  'CRY-ENV-01': 'a rule about where writers put descriptive data; the protocol schemas give hosts no field for it',
  'CRY-ENV-06': 'a rule about what a user interface presents; the wallet tests will check it',
  'CRY-ENV-07': 'constant-time behaviour is not observable in a unit test; the code uses noble equalBytes',
  'CRY-ENV-08':
    'the reference implementation has no random-access reader yet; its streaming reader never skips the final chunk',
}

function testFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...testFiles(path))
    else if (entry.endsWith('.test.ts')) out.push(path)
  }
  return out
}

describe('protocol-spec requirements', () => {
  const { requirements, problems } = readRequirements()

  it('every normative sentence has a unique ID, and requirements.md is fresh', () => {
    expect(problems).toEqual([])
    const output = execFileSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/spec-requirements.ts', '--check'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
    expect(output).toContain('0 problems')
  })

  it('every MUST is cited by a test title, or listed as untestable with a reason', () => {
    const cited = new Set<string>()
    for (const file of [...testFiles(join(root, 'packages')), ...testFiles(join(root, 'test'))]) {
      // Only titles count: string literals that open with one or more requirement IDs.
      for (const title of readFileSync(file, 'utf8').matchAll(/['"`]((?:\[[A-Z]+(?:-[A-Z]+)*-\d{2,}\])+)/g)) {
        for (const match of (title[1] as string).matchAll(/\[([A-Z-]+-\d{2,})\]/g)) cited.add(match[1] as string)
      }
    }
    const known = new Set(requirements.map((r) => r.id))
    const uncovered = requirements
      .filter((r) => r.level === 'MUST' && !cited.has(r.id) && !(r.id in UNTESTABLE))
      .map((r) => r.id)
    expect(uncovered, 'MUST requirements with no test').toEqual([])
    const unknown = [...cited].filter((id) => /^(CRY|API|SEC)-/.test(id) && !known.has(id))
    expect(unknown, 'tests cite IDs the spec does not define').toEqual([])
    for (const id of Object.keys(UNTESTABLE))
      expect(known.has(id), `${id} is listed as untestable but not in the spec`).toBe(true)
  })
})
