import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HolderClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPostgresDatabase } from '../packages/server/test/harness.js'

/*
 * The READMEs' code blocks cannot rot: every shell command names a script, a variable and an
 * option that exist; the quickstart's commands run as written (ports and folders moved to free
 * ones, so this can run beside a developer's own `npm run dev`); the development flow runs
 * against the host `npm run dev` starts; and the TypeScript examples are typechecked and run.
 */
const root = join(import.meta.dirname, '..')
const rootScripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>
const postgres = process.env.HOLDALL_TEST_POSTGRES !== '0'
const postgresUrl = process.env.HOLDALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const READMES = [
  'README.md',
  'packages/protocol/README.md',
  'packages/crypto/README.md',
  'packages/client/README.md',
  'packages/server/README.md',
  'packages/wallet/README.md',
  'conformance-tests/README.md',
  'examples/README.md',
  'examples/surgery/README.md',
]
const PACKAGE_READMES = READMES.filter((file) => /^(packages|conformance-tests)\//.test(file))

interface Block {
  lang: string
  code: string
  /** The heading the block sits under. */
  section: string
}

function blocks(file: string): Block[] {
  const out: Block[] = []
  let section = ''
  let open: Block | undefined
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    if (open === undefined && /^#{1,6} /.test(line)) section = line.replace(/^#+ /, '')
    const fence = /^\s*```(\w*)\s*$/.exec(line)
    if (fence !== null) {
      if (open === undefined) open = { lang: fence[1] ?? '', code: '', section }
      else {
        out.push(open)
        open = undefined
      }
    } else if (open !== undefined) open.code += `${line.replace(/^ {2}(?=\S)/, '')}\n`
  }
  return out
}

/** The commands of a shell block: comments dropped, backslash continuations joined. */
function commands(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** Every name an environment variable could be read by: the sources and scripts, as text. */
const sourceText = (() => {
  const sources = ['*.ts', '*.mjs', '*.cjs']
  return execFileSync('git', ['grep', '--untracked', '-h', '-o', '-E', '[A-Z][A-Z0-9_]{2,}', '--', ...sources], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
})()
const knownNames = new Set(sourceText.split('\n'))

describe('README shell blocks name only what exists', () => {
  for (const file of READMES) {
    const shell = blocks(file).filter((block) => block.lang === 'sh')
    for (const [n, block] of shell.entries()) {
      it(`${file} shell block ${n + 1}`, () => {
        for (const command of commands(block.code)) {
          for (const [, name] of command.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]+)=/g))
            expect(knownNames.has(name as string), `${command}: ${name} is read nowhere`).toBe(true)
          const script = /\bnpm run ([\w:-]+)/.exec(command)?.[1]
          if (script !== undefined) expect(Object.keys(rootScripts), command).toContain(script)
          if (/\bnpm (start|test)\b/.test(command))
            expect(rootScripts[/\bnpm (start|test)\b/.exec(command)?.[1] as string]).toBeDefined()
          if (/\bnpm rebuild (\S+)/.test(command))
            expect(readFileSync(join(root, 'package-lock.json'), 'utf8')).toContain(
              `"node_modules/${/\bnpm rebuild (\S+)/.exec(command)?.[1]}"`,
            )
        }
      })
    }
  }

  for (const file of PACKAGE_READMES) {
    it(`${file} starts with an example, before its first section`, () => {
      const text = readFileSync(join(root, file), 'utf8')
      const firstFence = text.indexOf('```')
      const firstSection = text.search(/^## /m)
      expect(firstFence).toBeGreaterThan(0)
      if (firstSection >= 0) expect(firstFence).toBeLessThan(firstSection)
    })
  }
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Runs a README command through a shell, as a developer would type it, in its own process group. */
function shell(command: string, env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn('sh', ['-c', command], { cwd: root, env: { ...process.env, ...env }, detached: true })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  return Object.assign(child, { output: () => output })
}

function finished(child: ReturnType<typeof shell>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve({ code: child.exitCode, output: child.output() })
    else child.once('close', (code) => resolve({ code, output: child.output() }))
  })
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return
  const closed = new Promise((resolve) => child.once('close', resolve))
  process.kill(-child.pid, 'SIGTERM')
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))])
}

async function waitFor(child: ReturnType<typeof shell>, text: string, ms = 120_000): Promise<void> {
  const started = Date.now()
  while (!child.output().includes(text)) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before "${text}":\n${child.output()}`)
    if (Date.now() - started > ms) throw new Error(`no "${text}" within ${ms} ms:\n${child.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('the README quickstart, run as written', () => {
  const quickstart = blocks('README.md').filter((block) => block.section === 'Set up' && block.lang === 'sh')
  const settings = commands(quickstart[1]?.code ?? '')
  let scratch: string

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'holdall-readme-'))
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('says how to change the port, the data folder and the database', () => {
    expect(settings.some((c) => c.startsWith('PORT='))).toBe(true)
    expect(settings.some((c) => c.startsWith('HOLDALL_DATA_DIR='))).toBe(true)
    expect(settings.some((c) => c.startsWith('DATABASE_URL='))).toBe(true)
  })

  // Each `npm start` line, with the port and folders moved to free ones: it answers /healthz.
  const starts = settings.filter((c) => / npm start$/.test(c))
  for (const command of starts) {
    const needsPostgres = command.includes('DATABASE_URL=')
    it.skipIf(needsPostgres && !postgres)(
      command,
      async () => {
        const port = await freePort()
        let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined
        let line = command.replace(/PORT=\d+/, `PORT=${port}`)
        line = line.replace(/HOLDALL_DATA_DIR=\S+/, `HOLDALL_DATA_DIR=${join(scratch, 'data')}`)
        if (needsPostgres) {
          database = await freshPostgresDatabase(postgresUrl)
          line = line.replace(/DATABASE_URL=\S+/, `DATABASE_URL=${database.url}`)
        }
        const env: Record<string, string> = { HOLDALL_DATA_DIR: join(scratch, `data-${port}`) }
        if (!line.includes('PORT=')) env.PORT = String(port)
        const child = shell(line, env)
        try {
          await waitFor(child, 'listening')
          const health = await fetch(`http://127.0.0.1:${port}/healthz`)
          expect(health.status).toBe(200)
          expect(child.output()).toContain(needsPostgres ? 'PostgreSQL (DATABASE_URL)' : 'SQLite in')
        } finally {
          await stopGroup(child)
          await database?.drop()
        }
      },
      180_000,
    )
  }
})

describe('the development mode, as the README says', () => {
  const section = blocks('README.md').filter((block) => block.section === 'Develop against your own host')
  const [devBlock, nextBlock] = section.map((block) => commands(block.code))
  let scratch: string
  let dev: ReturnType<typeof shell>
  let hostUrl: string
  let surgeryUrl: string
  let devEnv: Record<string, string>

  /** The README's line with the port, the fixtures folder and the URLs moved where this test put them. */
  const relocate = (command: string) =>
    command.replaceAll('http://127.0.0.1:8080', hostUrl).replaceAll('.holdall-dev/', `${join(scratch, 'dev')}/`)

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'holdall-readme-dev-'))
    const [port, surgeryPort, demoPort, conformancePort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ])
    hostUrl = `http://127.0.0.1:${port}`
    surgeryUrl = `http://127.0.0.1:${surgeryPort}`
    devEnv = {
      PORT: String(port),
      SURGERY_PORT: String(surgeryPort),
      HOLDALL_DEV_DEMO_METADATA_PORT: String(demoPort),
      HOLDALL_DEV_CONFORMANCE_METADATA_PORT: String(conformancePort),
      HOLDALL_DEV_DIR: join(scratch, 'dev'),
      HOLDALL_DATA_DIR: join(scratch, 'data'),
    }
    expect(devBlock).toEqual(['npm run dev'])
    dev = shell(devBlock?.[0] as string, devEnv)
    await waitFor(dev, 'Ctrl-C stops everything.', 240_000)
  }, 300_000)

  afterAll(async () => {
    if (dev !== undefined) await stopGroup(dev)
    rmSync(scratch, { recursive: true, force: true })
  })

  it('prints the wallet, the API and the surgery', () => {
    expect(dev.output()).toContain(`wallet       ${hostUrl}/`)
    expect(dev.output()).toContain(`GP surgery   ${surgeryUrl}/`)
    expect(dev.output()).toContain('Development settings: metadata documents may be fetched from 127.0.0.1')
  })

  it('the demos run against it, twice over, with no restart', async () => {
    const demos = (nextBlock ?? []).filter((command) => command.includes('npm run demo'))
    expect(demos).toHaveLength(3)
    for (const round of [1, 2]) {
      for (const command of demos) {
        const { code, output } = await finished(shell(relocate(command), devEnv))
        expect(code, `${command} (round ${round}):\n${output}`).toBe(0)
        expect(output).toMatch(/The journey worked\.|Done\.|The week worked\./)
        expect(output).toContain(`Using the Holdall host at ${hostUrl}`)
      }
    }
  }, 300_000)

  it('the surgery beside it is recognised and checked: asking with a code reaches the phone', async () => {
    const holder = await HolderClient.createVault(hostUrl)
    const { qr: code } = await holder.createPairingCode()
    const waiting = holder.waitForRequest(15_000)
    const response = await fetch(`${surgeryUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: surgeryUrl },
      body: new URLSearchParams({ pairing_code: code, nhs_number: '' }),
      redirect: 'manual',
    })
    expect(response.status, await response.clone().text()).toBe(303)
    const [request] = await waiting
    expect(request?.client_name).toBe('Riverside Surgery')
    expect(request?.verified).toBe(true)
  }, 60_000)

  it('the conformance suite passes against it, with the verified organisations, nothing skipped', async () => {
    const command = (nextBlock ?? []).find((c) => c.includes('npm run conformance')) as string
    expect(command).toContain('--fixtures .holdall-dev/conformance')
    // Three suites here, for time: the whole suite runs against this same configuration in
    // test/conformance.test.ts.
    const { code, output } = await finished(
      shell(`${relocate(command)} --suite discovery --suite deposits --suite metadata`, devEnv),
    )
    expect(output).toContain('feature verified-organisations: yes')
    expect(output.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed, 0 skipped$/)
    expect(code).toBe(0)
  }, 300_000)

  describe('the TypeScript examples in the package READMEs', () => {
    const work = join(root, 'node_modules', '.cache', 'holdall-readme')
    const examples = PACKAGE_READMES.flatMap((file) =>
      blocks(file)
        .filter((block) => block.lang === 'ts')
        // The first: the example a README starts with, whole. Later blocks may be fragments.
        .slice(0, 1)
        .map((block, n) => ({ file, name: `${file.split('/').at(-2)}-${n + 1}.ts`, code: block.code })),
    )

    beforeAll(() => {
      rmSync(work, { recursive: true, force: true })
      mkdirSync(work, { recursive: true })
      for (const example of examples) writeFileSync(join(work, example.name), example.code)
      // ES modules, as in the repository (a folder under node_modules is outside its package scope).
      writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module' }))
      writeFileSync(
        join(work, 'tsconfig.json'),
        JSON.stringify({
          extends: '../../../tsconfig.base.json',
          compilerOptions: { composite: false, noEmit: true, lib: ['es2023', 'dom'], types: ['node'] },
          include: ['*.ts'],
        }),
      )
    })

    it('there is at least one, for the service developer', () => {
      expect(examples.map((e) => e.file)).toContain('packages/client/README.md')
    })

    it('typecheck as written', () => {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json')], {
        cwd: root,
        encoding: 'utf8',
      })
    }, 120_000)

    for (const example of examples) {
      it(`${example.file} runs as written against the development host`, () => {
        const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [join(work, example.name)], {
          cwd: root,
          encoding: 'utf8',
          env: {
            ...process.env,
            HOLDALL_HOST_URL: hostUrl,
            HOLDALL_TRUST_ANCHOR_FILE: join(scratch, 'dev', 'trust-anchor.jwk'),
          },
        })
        if (example.file === 'packages/client/README.md') expect(output).toContain('appointment written by the holder')
      }, 60_000)
    }
  })
})
