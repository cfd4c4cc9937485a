import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HolderClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/*
 * The READMEs' code blocks cannot rot: every shell command names a script, a variable and an
 * option that exist; the quickstart's commands run as written (ports and folders moved to free
 * ones, so this can run beside a developer's own `npm run dev`); the development flow runs
 * against the host `npm run dev` starts; and the TypeScript examples are typechecked and run.
 */
const root = join(import.meta.dirname, '..')
const rootScripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>
const postgres = process.env.HOLDALL_TEST_POSTGRES !== '0'

const READMES = [
  'README.md',
  'packages/protocol/README.md',
  'packages/crypto/README.md',
  'packages/log/README.md',
  'packages/client/README.md',
  'packages/server/README.md',
  'packages/wallet/README.md',
  'conformance-tests/README.md',
  'examples/README.md',
  'examples/crypto-journey/README.md',
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

/**
 * How this file runs each README command. A command that is not run says why here; every other
 * command is run by the test named after its kind (the quickstart, the development mode, the
 * operator's conformance run, the crypto journey), so a README line cannot go untried.
 */
const NOT_RUN: Record<string, string> = {
  'npm ci': 'replaces node_modules under the running tests; .ci/run runs it on a fresh clone',
  'npm test': 'this file is part of it',
  'npm run bench': 'takes 15-20 minutes and measures, never fails (bench/README.md)',
  'npm rebuild better-sqlite3':
    'recompiles a native module that the running tests have loaded; the package is checked to exist',
}
/** Run by `npm test` itself, before or as this file: checked against its script and configuration. */
const RUN_BY_NPM_TEST = ['npm run build:wallet', 'npx vitest run packages/wallet']

type Kind = 'start' | 'createdb' | 'dev' | 'demo' | 'conformance' | 'operator' | 'journey' | 'not run'

function kindOf(command: string): Kind | undefined {
  if (command in NOT_RUN || RUN_BY_NPM_TEST.includes(command)) return 'not run'
  if (/^((PORT|HOLDALL_DATA_DIR|DATABASE_URL)=\S+ )*npm start$/.test(command)) return 'start'
  if (/^createdb /.test(command)) return 'createdb'
  if (command === 'npm run dev') return 'dev'
  if (/^npm run demo(:[\w-]+)? -- --base-url http:\/\/127\.0\.0\.1:8080$/.test(command)) return 'demo'
  if (
    /^npm run conformance -- --base-url http:\/\/127\.0\.0\.1:8080( --fixtures \.holdall-dev\/conformance)?$/.test(
      command,
    )
  )
    return 'conformance'
  if (/\.\/conformance-fixtures/.test(command)) return 'operator'
  if (command === 'npm start --workspace @holdall/example-crypto-journey') return 'journey'
  return undefined
}

/** Every command of every README's shell blocks, with where it is. */
const allCommands = READMES.flatMap((file) =>
  blocks(file)
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => commands(block.code).map((command) => ({ file, section: block.section, command }))),
)
const commandsOf = (kind: Kind) => [
  ...new Set(allCommands.filter((c) => kindOf(c.command) === kind).map((c) => c.command)),
]

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

  it('every command is run by a test below, or says here why not', () => {
    const unaccounted = allCommands.filter((c) => kindOf(c.command) === undefined)
    expect(unaccounted.map((c) => `${c.file} (${c.section}): ${c.command}`)).toEqual([])
  })

  it('the commands npm test runs itself are in its script and its test projects', () => {
    expect(rootScripts.test).toContain('npm run build:wallet')
    expect(readFileSync(join(root, 'vitest.config.ts'), 'utf8')).toContain("'packages/*/test/**/*.test.ts'")
    expect(readdirSync(join(root, 'packages', 'wallet', 'test')).some((f) => f.endsWith('.test.ts'))).toBe(true)
  })

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

  // Each `npm start` line of every README, with the port and folders moved to free ones: it
  // answers /healthz. The PostgreSQL one after the README's createdb line, on a fresh name.
  for (const command of commandsOf('start')) {
    const needsPostgres = command.includes('DATABASE_URL=')
    it.skipIf(needsPostgres && !postgres)(
      command,
      async () => {
        const port = await freePort()
        const database = `holdall_readme_${port}_${process.pid}`
        let line = command.replace(/PORT=\d+/, `PORT=${port}`)
        line = line.replace(/HOLDALL_DATA_DIR=\S+/, `HOLDALL_DATA_DIR=${join(scratch, 'data')}`)
        if (needsPostgres) {
          const created = commandsOf('createdb')
          expect(created).toHaveLength(1)
          const named = (created[0] as string).replace(/ holdall$/, ` ${database}`)
          expect(named).not.toBe(created[0])
          const { code, output } = await finished(shell(named, {}))
          expect(code, output).toBe(0)
          const url = new URL(/DATABASE_URL=(\S+)/.exec(command)?.[1] as string)
          expect(url.pathname).toBe('/holdall')
          url.pathname = `/${database}`
          line = line.replace(/DATABASE_URL=\S+/, `DATABASE_URL=${url.href}`)
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
          if (needsPostgres)
            await finished(shell(`dropdb --force -h 127.0.0.1 -U postgres --if-exists ${database}`, {}))
        }
      },
      180_000,
    )
  }

  it('the crypto journey runs as its README says', async () => {
    const [command] = commandsOf('journey')
    const { code, output } = await finished(shell(command as string, {}))
    expect(code, output).toBe(0)
    expect(output).toContain('The host never saw a record or a key.')
  }, 300_000)
})

describe("the operator's full conformance run, as the suite's README says", () => {
  it('makes fixtures, starts the host with their trust list, and passes with nothing skipped', async () => {
    const lines = commandsOf('operator')
    expect(lines).toHaveLength(3)
    const scratch = mkdtempSync(join(tmpdir(), 'holdall-readme-operator-'))
    const [port, metadataPort] = await Promise.all([freePort(), freePort()])
    const relocate = (command: string) =>
      command
        .replaceAll('./conformance-fixtures', join(scratch, 'fixtures'))
        .replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
        .replaceAll('http://127.0.0.1:4599', `http://127.0.0.1:${metadataPort}`)
    const [fixtures, start, run] = lines.map(relocate) as [string, string, string]
    let host: ReturnType<typeof shell> | undefined
    try {
      const made = await finished(shell(fixtures, {}))
      expect(made.code, made.output).toBe(0)
      host = shell(start, { PORT: String(port), HOLDALL_DATA_DIR: join(scratch, 'data') })
      await waitFor(host, 'listening')
      // Three suites, for time: test/conformance.test.ts runs the whole suite this way.
      const { code, output } = await finished(shell(`${run} --suite discovery --suite deposits --suite metadata`, {}))
      expect(output).toContain('feature verified-organisations: yes')
      expect(output.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed, 0 skipped$/)
      expect(code).toBe(0)
    } finally {
      if (host !== undefined) await stopGroup(host)
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 300_000)
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
    const demos = commandsOf('demo')
    expect(demos).toHaveLength(3)
    expect(nextBlock).toEqual(expect.arrayContaining(demos))
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

  // With the development fixtures (README.md) nothing may be skipped; the quick run
  // (conformance-tests/README.md) makes fresh organisations, which this host's trust list does
  // not name, so their tests are skipped there, never failed.
  for (const command of commandsOf('conformance')) {
    const withFixtures = command.includes('--fixtures')
    it(`the conformance suite passes against it: ${command}`, async () => {
      if (withFixtures) expect(nextBlock).toContain(command)
      // Three suites here, for time: the whole suite runs against this same configuration in
      // test/conformance.test.ts.
      const { code, output } = await finished(
        shell(`${relocate(command)} --suite discovery --suite deposits --suite metadata`, devEnv),
      )
      expect(output).toContain(`feature verified-organisations: ${withFixtures ? 'yes' : 'no'}`)
      expect(output.trim().split('\n').at(-1)).toMatch(
        withFixtures ? /^\d+ passed, 0 failed, 0 skipped$/ : /^\d+ passed, 0 failed, \d+ skipped$/,
      )
      expect(code).toBe(0)
    }, 300_000)
  }

  describe('the TypeScript examples in the package READMEs', () => {
    const work = join(root, 'node_modules', '.cache', 'holdall-readme')
    // Every TypeScript block of a README, in order, as one module: a later block continues the
    // example before it (and may import more), as a reader follows them.
    const examples = READMES.flatMap((file) => {
      const code = blocks(file)
        .filter((block) => block.lang === 'ts')
        .map((block) => block.code)
      const name = `${file === 'README.md' ? 'root' : file.split('/').at(-2)}.ts`
      return code.length === 0 ? [] : [{ file, name, code: code.join('\n') }]
    })

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

    it('there is one for each library: the service developer, the crypto and the log', () => {
      expect(examples.map((e) => e.file)).toEqual(
        expect.arrayContaining(['packages/client/README.md', 'packages/crypto/README.md', 'packages/log/README.md']),
      )
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
        if (example.file === 'packages/crypto/README.md') expect(output).toContain('bytes sealed in')
        if (example.file === 'packages/log/README.md') expect(output).toContain('verified at size 2')
      }, 60_000)
    }
  })
})
