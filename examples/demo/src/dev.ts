import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { join, relative, resolve } from 'node:path'
import { loadDevFixtures, MissingFixturesError, SURGERY_URL, writeDevFixtures } from './dev-fixtures.js'

/*
 * The development mode: one command for a host, the wallet and the GP surgery that work with the
 * demos and the conformance suite on this machine.
 *
 *   npm run dev                 makes the development fixtures if there are none (dev-fixtures.ts),
 *                               builds the wallet with their trust anchor, starts the host on
 *                               PORT (8080) with their trust list, loopback metadata allowed and
 *                               rate limits raised, and the surgery on 8090; prints what to run next
 *   npm run dev:fixtures        (re)makes the fixtures only, for a host you start yourself
 *
 * Development only: it refuses to run with NODE_ENV=production or a public URL that is not on
 * this machine, and the host refuses its settings there too (packages/server/src/config.ts).
 */
const root = resolve(import.meta.dirname, '..', '..', '..')
const say = (line: string) => process.stdout.write(`${line}\n`)
/** A path as the developer would type it: relative to where they are, unless it is elsewhere. */
const rel = (path: string) => {
  const relativePath = relative(process.cwd(), path)
  return relativePath.startsWith('..') ? path : relativePath || '.'
}

function refuseOutsideDevelopment(): void {
  if (process.env.NODE_ENV === 'production')
    throw new Error('npm run dev is for development and NODE_ENV is production: unset NODE_ENV, or use npm start')
  const publicUrl = process.env.HOLDALL_PUBLIC_URL
  if (publicUrl !== undefined && !/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(publicUrl))
    throw new Error(
      `npm run dev is for development on this machine and HOLDALL_PUBLIC_URL (${publicUrl}) is not a loopback address: unset it, or use npm start`,
    )
}

function fixtures(remake: boolean) {
  if (!remake) {
    try {
      return loadDevFixtures()
    } catch (error) {
      if (!(error instanceof MissingFixturesError)) throw error
    }
  }
  const made = writeDevFixtures()
  say(`Wrote the development fixtures (keys and one trust list for every example organisation) in ${rel(made.dir)}`)
  return made
}

async function main(): Promise<void> {
  refuseOutsideDevelopment()
  if (process.argv.includes('fixtures')) {
    const made = fixtures(true)
    say('Start a host with them:')
    say(
      `  HOLDALL_ALLOW_LOOPBACK_METADATA=1 HOLDALL_RATE_LIMIT_FACTOR=20 HOLDALL_TRUST_LIST_FILE=${rel(made.files.trustList)} HOLDALL_TRUST_ANCHOR_FILE=${rel(made.files.trustAnchor)} npm start`,
    )
    say('or simply: npm run dev')
    return
  }
  const made = fixtures(false)
  const port = process.env.PORT ?? '8080'
  const hostUrl = `http://127.0.0.1:${port}`
  const anchorEnv = { HOLDALL_TRUST_ANCHOR_FILE: made.files.trustAnchor }
  // The wallet pins the trust anchor when it is built: build it with the fixtures' anchor.
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-runtime.mjs'), '--wallet'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...anchorEnv },
  })
  if (built.status !== 0) throw new Error('the wallet did not build (see above)')

  const children: ChildProcess[] = []
  let stopping = false
  const stopAll = (code: number) => {
    stopping = true
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
    process.exitCode = code
  }
  const start = (name: string, args: string[], env: Record<string, string>, ready: string) =>
    new Promise<void>((resolveReady, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: process.cwd(),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      children.push(child)
      let seen = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk)
        seen += chunk
        if (seen.includes(ready)) resolveReady()
      })
      child.once('exit', (code) => {
        if (stopping) return
        const why = `${name} stopped (exit ${code ?? 'signal'}); stopping the rest`
        reject(new Error(why))
        process.stderr.write(`dev: ${why}\n`)
        stopAll(1)
      })
    })

  await start(
    'the host',
    [join(root, 'packages', 'server', 'dist', 'cli.js')],
    {
      PORT: port,
      HOLDALL_ALLOW_LOOPBACK_METADATA: '1',
      // Every request of a demo or of the conformance suite comes from 127.0.0.1.
      HOLDALL_RATE_LIMIT_FACTOR: process.env.HOLDALL_RATE_LIMIT_FACTOR ?? '20',
      HOLDALL_TRUST_LIST_FILE: made.files.trustList,
      ...anchorEnv,
    },
    'listening',
  )
  await start(
    'the surgery',
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'examples', 'surgery', 'src', 'main.ts')],
    {
      HOLDALL_HOST_URL: hostUrl,
      SURGERY_PORT: new URL(SURGERY_URL).port,
      SURGERY_DATA_DIR: made.files.surgeryDataDir,
      ...anchorEnv,
    },
    'is open at',
  )
  say('')
  say('Development mode (never for real records): ')
  say(`  wallet       ${hostUrl}/`)
  say(`  host API     ${hostUrl}/docs`)
  say(`  GP surgery   ${SURGERY_URL}/`)
  say('In another terminal:')
  say(`  npm run demo -- --base-url ${hostUrl}`)
  say(`  npm run demo:probation -- --base-url ${hostUrl}`)
  say(`  npm run conformance -- --base-url ${hostUrl} --fixtures ${rel(made.files.conformance)}`)
  say('Ctrl-C stops everything.')
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopAll(0))
}

main().catch((error: unknown) => {
  process.stderr.write(`dev: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
  setTimeout(() => process.exit(1), 3000).unref()
})
