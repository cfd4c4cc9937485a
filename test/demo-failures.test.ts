import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/*
 * A demo that cannot start says why in one line, exits non-zero, never hangs, and leaves no
 * temporary folder behind. Each run gets a TMPDIR of its own, so what it leaves there is visible.
 */
const root = join(import.meta.dirname, '..')
let scratch: string

function demo(args: string[], env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(scratch, 'tmp-'))
  return new Promise<{ code: number | null; stderr: string; leftovers: string[] }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/demo/src/main.ts', ...args],
      { cwd: root, env: { PATH: process.env.PATH, TMPDIR: tmp, ...env } },
    )
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, leftovers: readdirSync(tmp).filter((name) => name.startsWith('holdall-')) })
    })
  })
}

function expectOneLine(result: Awaited<ReturnType<typeof demo>>, text: RegExp) {
  expect(result.code, result.stderr).toBe(1)
  const lines = result.stderr.trim().split('\n')
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(text)
  expect(result.stderr).not.toMatch(/^\s+at /m)
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'holdall-demo-failures-'))
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe.concurrent('a demo that cannot start', () => {
  it('better-sqlite3 built for another Node.js: the fix, exit 1, no temporary folder left', async () => {
    // NODE_OPTIONS, not --require: tsx runs the demo in a child process, which inherits only this.
    const result = await demo([], { NODE_OPTIONS: `--require ${join(root, 'test', 'support', 'abi-mismatch.cjs')}` })
    expectOneLine(result, /^demo: better-sqlite3 was built for another Node\.js version.*npm rebuild better-sqlite3$/)
    expect(result.leftovers).toEqual([])
  }, 150_000)

  it('--base-url without the development fixtures says how to make them', async () => {
    const result = await demo(['--base-url', 'http://127.0.0.1:9'], { HOLDALL_DEV_DIR: join(scratch, 'none') })
    expectOneLine(result, /^demo: no development fixtures in .*npm run dev:fixtures/)
  }, 150_000)

  it('--base-url with nothing listening there says to start a host', async () => {
    const devDir = join(scratch, 'fixtures')
    const made = await new Promise<number | null>((resolve) =>
      spawn(
        process.execPath,
        [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/demo/src/dev.ts', 'fixtures'],
        {
          cwd: root,
          env: { PATH: process.env.PATH, HOLDALL_DEV_DIR: devDir },
          stdio: 'ignore',
        },
      ).on('close', resolve),
    )
    expect(made).toBe(0)
    const result = await demo(['--base-url', 'http://127.0.0.1:9'], { HOLDALL_DEV_DIR: devDir })
    expectOneLine(result, /^demo: no Holdall host answers at http:\/\/127\.0\.0\.1:9: start one with npm run dev$/)
  }, 240_000)
})
