import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signTrustList } from '@holdall/client'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, configFromEnv } from '../packages/server/src/config.js'
import { explainStartupError, isNativeModuleMismatch } from '../packages/server/src/startup-checks.js'

/*
 * A host that cannot start says why in one line that names the setting and the fix, and exits
 * non-zero, promptly: never a bare stack trace, never a hang. The host is run as `npm start`
 * runs it (scripts/start.mjs): the one-file bundle of the built CLI.
 */
const root = join(import.meta.dirname, '..')
const cli = join(root, 'packages', 'server', 'build', 'holdall-server.mjs')
const postgres = process.env.HOLDALL_TEST_POSTGRES !== '0'
const postgresUrl = process.env.HOLDALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let dir: string
let busy: Server
let busyPort: number

function start(env: Record<string, string>, nodeArgs: string[] = [], prefix: readonly string[] = []) {
  return new Promise<{ code: number | null; stderr: string; stdout: string; ms: number }>((resolve) => {
    const started = Date.now()
    const [command = process.execPath, ...args] = [...prefix, process.execPath, ...nodeArgs, cli]
    const child = spawn(command, args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOLDALL_DATA_DIR: join(dir, 'data'), PORT: '0', ...env },
    })
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      // A host that started after all: stop it, and let the assertions say so.
      if (stdout.includes('listening')) child.kill('SIGTERM')
    })
    child.on('close', (code) => resolve({ code, stderr, stdout, ms: Date.now() - started }))
  })
}

/** Exit 1, one line on stderr that names `setting`, nothing that looks like a stack trace. */
function expectOneLine(result: Awaited<ReturnType<typeof start>>, setting: string, fix: RegExp) {
  expect(result.stdout).not.toContain('listening')
  expect(result.code).toBe(1)
  const lines = result.stderr.trim().split('\n')
  expect(lines, result.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^holdall-server: /)
  expect(lines[0]).toContain(setting)
  expect(lines[0]).toMatch(fix)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  expect(result.ms).toBeLessThan(25_000)
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-runtime.mjs'), '--server-bundle', 'packages/server'], {
    cwd: root,
  })
  dir = mkdtempSync(join(tmpdir(), 'holdall-startup-'))
  busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = (busy.address() as { port: number }).port
}, 120_000)

afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe.concurrent('holdall-server: a setting that is wrong is one clear line and exit 1', () => {
  it('a port in use', async () => {
    expectOneLine(await start({ PORT: String(busyPort) }), `PORT ${busyPort}`, /already in use.*PORT=8081/)
  })

  it('a port that is not a number', async () => {
    expectOneLine(await start({ PORT: 'eighty' }), 'PORT', /0 to 65535/)
  })

  it('a data folder that cannot be a folder', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a folder')
    expectOneLine(await start({ HOLDALL_DATA_DIR: join(file, 'data') }), 'HOLDALL_DATA_DIR', /read and write/)
  })

  it('a data folder this user cannot read or write', async () => {
    const locked = join(dir, 'locked')
    mkdirSync(locked, { mode: 0o700 })
    chmodSync(locked, 0o000)
    // Root reads every folder: as root, the host runs without the two capabilities that let it
    // (util-linux's setpriv), so it meets the folder's mode as any user would, wherever the
    // checkout lives (a user such as nobody could not read a checkout in a private folder).
    const asRoot = process.getuid?.() === 0
    const drop = '-dac_override,-dac_read_search'
    try {
      const result = await start(
        { HOLDALL_DATA_DIR: locked },
        [],
        asRoot ? ['setpriv', `--bounding-set=${drop}`, `--inh-caps=${drop}`] : [],
      )
      expectOneLine(result, 'HOLDALL_DATA_DIR', /\(EACCES\): give a folder this user can read and write/)
    } finally {
      chmodSync(locked, 0o700)
    }
  })

  it('a DATABASE_URL that is not a postgres:// URL, without echoing it', async () => {
    const result = await start({ DATABASE_URL: 'mysql://root:hunter2@db/holdall' })
    expectOneLine(result, 'DATABASE_URL', /postgres:\/\//)
    expect(result.stderr).not.toContain('hunter2')
  })

  it('PostgreSQL not running where DATABASE_URL points, without echoing the password', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise((resolve) => probe.close(resolve))
    const result = await start({ DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/holdall` })
    expectOneLine(result, 'DATABASE_URL', new RegExp(`nothing answers at 127\\.0\\.0\\.1:${port}.*start PostgreSQL`))
    expect(result.stderr).not.toContain('hunter2')
  })

  it.skipIf(!postgres)('a PostgreSQL database that does not exist', async () => {
    const url = new URL(postgresUrl)
    url.pathname = '/holdall_no_such_database'
    expectOneLine(
      await start({ DATABASE_URL: url.href }),
      'DATABASE_URL',
      /no database "holdall_no_such_database".*createdb/,
    )
  })

  it('a trust list file that is missing', async () => {
    const anchor = join(dir, 'anchor.jwk')
    writeFileSync(anchor, JSON.stringify(toPublicJwk(generateSigningKeyPair().publicKey, 'Ed25519')))
    expectOneLine(
      await start({ HOLDALL_TRUST_LIST_FILE: join(dir, 'missing.jws'), HOLDALL_TRUST_ANCHOR_FILE: anchor }),
      'HOLDALL_TRUST_LIST_FILE',
      /does not exist/,
    )
  })

  it('a trust list signed by another key than the anchor', async () => {
    const now = Math.floor(Date.now() / 1000)
    const list = join(dir, 'list.jws')
    const anchor = join(dir, 'other-anchor.jwk')
    writeFileSync(
      list,
      signTrustList(
        { format: 2, iss: 'x', iat: now, exp: now + 3600, organisations: [] },
        generateSigningKeyPair().secretKey,
      ),
    )
    writeFileSync(anchor, JSON.stringify(toPublicJwk(generateSigningKeyPair().publicKey, 'Ed25519')))
    expectOneLine(
      await start({ HOLDALL_TRUST_LIST_FILE: list, HOLDALL_TRUST_ANCHOR_FILE: anchor }),
      'HOLDALL_TRUST_LIST_FILE',
      /does not verify under HOLDALL_TRUST_ANCHOR_FILE/,
    )
  })

  it('a trust list without the key that signed it', async () => {
    expectOneLine(await start({ HOLDALL_TRUST_LIST_FILE: join(dir, 'list.jws') }), 'HOLDALL_TRUST_ANCHOR_FILE', /needs/)
  })

  it('better-sqlite3 built for another Node.js version names the command that fixes it', async () => {
    const result = await start({}, ['--require', join(root, 'test', 'support', 'abi-mismatch.cjs')])
    expectOneLine(result, 'npm rebuild better-sqlite3', /another Node\.js version/)
  })
})

describe('development settings are refused outside development', () => {
  it('loopback metadata with NODE_ENV=production', async () => {
    expectOneLine(
      await start({ HOLDALL_ALLOW_LOOPBACK_METADATA: '1', NODE_ENV: 'production' }),
      'HOLDALL_ALLOW_LOOPBACK_METADATA',
      /NODE_ENV is production/,
    )
  })

  it('loopback metadata when the public URL is not loopback', () => {
    expect(() =>
      configFromEnv({ HOLDALL_ALLOW_LOOPBACK_METADATA: '1', HOLDALL_PUBLIC_URL: 'https://vault.example.org' }),
    ).toThrow(/HOLDALL_ALLOW_LOOPBACK_METADATA=1 is a development setting.*not a loopback address/)
    expect(() => configFromEnv({ HOLDALL_ALLOW_LOOPBACK_METADATA: '1', HOST: '0.0.0.0' })).toThrow(ConfigError)
  })

  it('loopback metadata on a loopback public URL, outside production, is allowed', () => {
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'http://127.0.0.2']) {
      expect(
        configFromEnv({ HOLDALL_ALLOW_LOOPBACK_METADATA: '1', HOLDALL_PUBLIC_URL: url }).allowLoopbackMetadata,
      ).toBe(true)
    }
  })

  it('production defaults stay strict', () => {
    const config = configFromEnv({})
    expect(config.allowLoopbackMetadata).toBe(false)
    expect(config.rateLimitFactor).toBe(1)
  })
})

describe('explainStartupError', () => {
  it('recognises the message Node gives for an addon built for another version, however wrapped', () => {
    const dlopen = Object.assign(
      new Error(
        "The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 127. This version of Node.js requires\nNODE_MODULE_VERSION 115.",
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    )
    expect(isNativeModuleMismatch(new Error('database migration failed', { cause: dlopen }))).toBe(true)
    expect(isNativeModuleMismatch(new Error('SQLITE_BUSY'))).toBe(false)
    expect(explainStartupError(dlopen, undefined)).toContain('npm rebuild better-sqlite3')
  })

  it('never repeats a DATABASE_URL that may carry a password', () => {
    const config = configFromEnv({ DATABASE_URL: 'postgres://u:secret@db.example:5432/h' })
    const text = explainStartupError(new Error('odd failure at postgres://u:secret@db.example:5432/h'), config)
    expect(text).not.toContain('secret')
  })
})
