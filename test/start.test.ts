import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPostgresDatabase } from '../packages/server/test/harness.js'

/*
 * A second `npm start` with nothing changed is fast (issue 20, point 3): the build step finds
 * nothing to do without running tsc or esbuild, and the host it starts is one bundled module
 * that leaves the PostgreSQL driver unloaded on SQLite. Nothing here is timed (bench/README.md,
 * "Starting the host", has the measured figures); these check the causes of the speed.
 */
const root = join(import.meta.dirname, '..')
const buildRuntime = join(root, 'scripts', 'build-runtime.mjs')
const bundle = join(root, 'packages', 'server', 'build', 'holdall-server.mjs')
const cli = join(root, 'packages', 'server', 'dist', 'cli.js')
const probe = join(root, 'test', 'support', 'loaded-packages.mjs')
const postgres = process.env.HOLDALL_TEST_POSTGRES !== '0'
const postgresUrl = process.env.HOLDALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let dir: string

/** What build-runtime would do for `npm start`'s host, without doing it. */
function dryRun(): string {
  return execFileSync(process.execPath, [buildRuntime, '--dry-run', '--server-bundle', 'packages/server'], {
    cwd: root,
    encoding: 'utf8',
  })
}

/** Starts `entry` as a host, stops it once it listens, and returns the packages it loaded. */
function packagesLoaded(entry: string, env: Record<string, string>) {
  return new Promise<string[]>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', probe, entry], {
      cwd: dir,
      env: { PATH: process.env.PATH, PORT: '0', HOLDALL_DATA_DIR: join(dir, 'data'), ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      const stopping = stdout.includes('listening')
      stdout += chunk
      // Once: a second SIGTERM ends the host before its exit handlers (and the probe's) run.
      if (!stopping && stdout.includes('listening')) child.kill('SIGTERM')
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('close', () => {
      const line = /^loaded packages: (.*)$/m.exec(stderr)
      if (!stdout.includes('listening') || line === null)
        reject(new Error(`the host did not start: ${stdout} ${stderr}`))
      else resolve(JSON.parse(line[1] as string) as string[])
    })
  })
}

beforeAll(() => {
  execFileSync(process.execPath, [buildRuntime, '--server-bundle', 'packages/server'], { cwd: root })
  dir = mkdtempSync(join(tmpdir(), 'holdall-start-'))
}, 180_000)

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('npm start on a built tree', () => {
  it('finds nothing to build, runs neither tsc nor esbuild, and rewrites nothing', () => {
    expect(dryRun()).toBe('up to date\n')
    const before = [statSync(bundle).mtimeMs, statSync(join(cli)).mtimeMs]
    execFileSync(process.execPath, [buildRuntime, '--server-bundle', 'packages/server'], { cwd: root })
    expect([statSync(bundle).mtimeMs, statSync(cli).mtimeMs]).toEqual(before)
  })

  it('sees a changed source file, and is up to date again once it is gone', () => {
    // Not a .ts file, so no compiler run meanwhile sees it; the fingerprint lists every file.
    const added = join(root, 'packages', 'server', 'src', `.start-test-${process.pid}`)
    try {
      writeFileSync(added, '')
      expect(dryRun()).toBe(
        'would build:\n  tsc -b packages/server (sources changed)\n  esbuild packages/server (inputs changed)\n',
      )
    } finally {
      rmSync(added, { force: true })
    }
    expect(dryRun()).toBe('up to date\n')
  })

  it('the bundled host loads nothing from node_modules but the SQLite driver, and never pg', async () => {
    expect(await packagesLoaded(bundle, {})).toEqual(['better-sqlite3', 'bindings', 'file-uri-to-path'])
  })

  it('the unbundled host (the published holdall-server) leaves pg unloaded on SQLite too', async () => {
    const loaded = await packagesLoaded(cli, {})
    expect(loaded).toContain('fastify')
    expect(loaded).not.toContain('pg')
  })

  it.skipIf(!postgres)('pg is loaded when DATABASE_URL is PostgreSQL (the probe sees it)', async () => {
    // A database of its own: the server's shared one may hold another build's migrations.
    const database = await freshPostgresDatabase(postgresUrl)
    try {
      expect(await packagesLoaded(bundle, { DATABASE_URL: database.url })).toContain('pg')
    } finally {
      await database.drop()
    }
  })
})
