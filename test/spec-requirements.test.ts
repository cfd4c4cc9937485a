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
  'VER-05':
    'a rule for wallets meeting record types added after version 1; the reference wallet knows every version-1 type and has no test with a later one yet',
  'CRY-ENV-08':
    'the reference implementation has no random-access reader yet; its streaming reader never skips the final chunk',
}

function testFiles(dir: string, suffix = '.test.ts'): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...testFiles(path, suffix))
    else if (entry.endsWith(suffix)) out.push(path)
  }
  return out
}

/** IDs cited by test titles: string literals that open with one or more requirement IDs. */
function citedIn(files: string[]): Set<string> {
  const cited = new Set<string>()
  for (const file of files) {
    for (const title of readFileSync(file, 'utf8').matchAll(/['"`]((?:\[[A-Z]+(?:-[A-Z]+)*-\d{2,}\])+)/g)) {
      for (const match of (title[1] as string).matchAll(/\[([A-Z-]+-\d{2,})\]/g)) cited.add(match[1] as string)
    }
  }
  return cited
}

/** The host's requirements: what the black-box conformance suite must cover. */
const HOST_REQUIREMENT = /^(API|DISC|ERR|SEC)-|^VER-0[12]$|^(DEV|REC)-HOST-/

/** Host requirements the black-box suite cannot observe over HTTP, each with the reason. */
const NOT_BLACK_BOX: Record<string, string> = {
  'API-GRANT-02': "a service client's duty; the suite's client SDK performs it on every grant it reads",
  'API-ERR-05': "a client's duty (accept both error forms); tested in packages/client",
  'API-REQ-08':
    "a service client's duty (refuse a receipt granting other than it asked); a suite cannot make the host it tests rewrite a request, so packages/server/test/malicious-host/request-rewrite.test.ts plays that operator",
  'SEC-LOG-01': "a host's logs are not visible over HTTP; the reference host's tests read its log output",
  'SEC-RATE-01':
    'a run at the real limits would lock the suite out of the host it tests; the reference host tests its limits in packages/server/test/attacks',
  'SEC-RATE-02': 'needs hundreds of wrong pairing codes, which would shut pairing for everyone on the host under test',
  'SEC-FAULT-01': 'needs the host killed mid-transaction; the reference host tests it with SIGKILL',
  'SEC-FAULT-02': "needs the host's disk filled or its database locked; the reference host tests both",
}

const conformanceSuites = () => testFiles(join(root, 'conformance-tests', 'src'), '.suite.ts')

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
    const cited = citedIn([
      ...testFiles(join(root, 'packages')),
      ...testFiles(join(root, 'test')),
      ...conformanceSuites(),
    ])
    const uncovered = requirements
      .filter((r) => r.level === 'MUST' && !cited.has(r.id) && !(r.id in UNTESTABLE))
      .map((r) => r.id)
    expect(uncovered, 'MUST requirements with no test').toEqual([])
    const known = new Set(requirements.map((r) => r.id))
    const unknown = [...cited].filter((id) => !known.has(id))
    expect(unknown, 'tests cite IDs the spec does not define').toEqual([])
    for (const id of Object.keys(UNTESTABLE))
      expect(known.has(id), `${id} is listed as untestable but not in the spec`).toBe(true)
  })

  it('every MUST of the host is cited by a black-box conformance test, or says why it cannot be', () => {
    const cited = citedIn(conformanceSuites())
    const known = new Set(requirements.map((r) => r.id))
    const uncovered = requirements
      .filter((r) => r.level === 'MUST' && HOST_REQUIREMENT.test(r.id) && !cited.has(r.id) && !(r.id in NOT_BLACK_BOX))
      .map((r) => r.id)
    expect(uncovered, 'host MUSTs the conformance suite does not test').toEqual([])
    const unknown = [...cited].filter((id) => !known.has(id))
    expect(unknown, 'conformance tests cite IDs the spec does not define').toEqual([])
    for (const id of Object.keys(NOT_BLACK_BOX)) expect(known.has(id), `${id} is not in the spec`).toBe(true)
  })
})
