import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { base64urlDecode } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, type HostPair, startHostPair } from '../packages/server/test/support/host-processes.js'

/*
 * Partner mode (issue 18, point 5; spec 11.6): `holdall-conformance --base-url A --partner-url B`
 * against two reference hosts, real processes (A on SQLite, B on PostgreSQL) serving the suite's
 * trust list, whose host registry names both (`fixtures --host-url A --host-url B`).
 */
const root = join(import.meta.dirname, '..')
const suiteCli = join(root, 'conformance-tests', 'dist', 'cli.js')

function runSuite(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [suiteCli, ...args], { cwd: root })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('close', (code) => resolve({ code, output }))
  })
}

function summary(output: string) {
  const last = output.trim().split('\n').at(-1) ?? ''
  const match = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(last)
  expect(match, `the last line was: ${last}`).not.toBeNull()
  const [, passed, failed, skipped] = (match as RegExpExecArray).map(Number)
  return { passed: passed as number, failed: failed as number, skipped: skipped as number }
}

describe('the conformance suite in partner mode against two reference hosts', () => {
  let pair: HostPair
  let dir: string
  let metadataPort: number

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-runtime.mjs'), 'conformance-tests'], { cwd: root })
    dir = mkdtempSync(join(tmpdir(), 'holdall-partner-'))
    metadataPort = await freePort()
    pair = await startHostPair({
      trustListFiles: (urls) => {
        execFileSync(process.execPath, [
          suiteCli,
          'fixtures',
          '--out',
          join(dir, 'fixtures'),
          '--metadata-base-url',
          `http://127.0.0.1:${metadataPort}`,
          '--host-url',
          urls.a,
          '--host-url',
          urls.b,
        ])
        const anchor = JSON.parse(readFileSync(join(dir, 'fixtures', 'trust-anchor.jwk'), 'utf8')) as { x: string }
        return {
          listFile: join(dir, 'fixtures', 'trust-list.jwt'),
          anchorFile: join(dir, 'fixtures', 'trust-anchor.jwk'),
          operatorPublicKey: base64urlDecode(anchor.x),
        }
      },
    })
  }, 180_000)
  afterAll(async () => {
    await pair?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('[FED-PARTNER-01] runs the cross-host checks and passes them, skipping nothing', async () => {
    const { code, output } = await runSuite([
      '--base-url',
      pair.a.url,
      '--partner-url',
      pair.b.url,
      '--fixtures',
      join(dir, 'fixtures'),
      '--suite',
      'federation',
      '--suite',
      'partner',
    ])
    const counts = summary(output)
    expect(counts.failed, output).toBe(0)
    expect(counts.skipped, output).toBe(0)
    expect(output).toContain('[FED-PARTNER-02]')
    expect(counts.passed, output).toBeGreaterThanOrEqual(7)
    expect(code).toBe(0)
  }, 300_000)

  it('the other way round: B as base, A as partner', async () => {
    const { code, output } = await runSuite([
      '--base-url',
      pair.b.url,
      '--partner-url',
      pair.a.url,
      '--fixtures',
      join(dir, 'fixtures'),
      '--suite',
      'partner',
    ])
    expect(summary(output).failed, output).toBe(0)
    expect(code).toBe(0)
  }, 300_000)

  it('without --partner-url the partner suite does not run', async () => {
    const { output } = await runSuite([
      '--base-url',
      pair.a.url,
      '--fixtures',
      join(dir, 'fixtures'),
      '--suite',
      'partner',
    ])
    expect(output).toContain('no suite matches partner')
  }, 120_000)
})
