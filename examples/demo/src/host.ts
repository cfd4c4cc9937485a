import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyTrustList } from '@holdall/client'
import { loadDevFixtures } from './dev-fixtures.js'
import { type DemoOrganisations, demoOrganisations } from './organisations.js'

/*
 * Where a demo runs:
 *   (no option)            a host of its own, on a free port, SQLite in a temporary folder that is
 *                          removed when the demo ends, however it ends
 *   --base-url <url>       a host you started with `npm run dev` (or with the development
 *                          fixtures' trust list and loopback metadata allowed): the demo plays
 *                          the fixtures' organisations, which that host's trust list names
 */
export interface DemoHost {
  readonly url: string
  readonly orgs: DemoOrganisations
  stop(): Promise<void>
}

/** Settings for the demo's own host (a demo may shorten the recovery waiting period, and says so). */
export interface OwnHostSettings {
  readonly recoveryWaitMs?: number
  readonly recoveryKitWaitMs?: number
}

export async function demoHost(
  argv: string[],
  say: (line: string) => void,
  settings: OwnHostSettings = {},
): Promise<DemoHost> {
  const at = argv.indexOf('--base-url')
  if (at >= 0) {
    const url = (argv[at + 1] ?? '').replace(/\/+$/, '')
    if (!/^https?:\/\//.test(url)) throw new Error('--base-url needs a URL, e.g. --base-url http://127.0.0.1:8080')
    const fixtures = loadDevFixtures()
    await expectDevelopmentTrustList(url, fixtures.operatorPublicKey, fixtures.organisations.prisonHealthcare.clientId)
    const orgs = await demoOrganisations(fixtures)
    say(`Using the Holdall host at ${url}, with the development fixtures in ${fixtures.dir}`)
    return { url, orgs, stop: async () => void (await orgs.close()) }
  }
  return startOwnHost(say, settings)
}

/** The running host must serve the fixtures' trust list, or every deposit would be refused later. */
async function expectDevelopmentTrustList(url: string, operatorPublicKey: Uint8Array, someClientId: string) {
  let response: Response
  try {
    response = await fetch(`${url}/trust-list`)
  } catch {
    throw new Error(`no Holdall host answers at ${url}: start one with npm run dev`)
  }
  const fix = `start it with npm run dev (or give it HOLDALL_TRUST_LIST_FILE=.holdall-dev/trust-list.jws, HOLDALL_TRUST_ANCHOR_FILE=.holdall-dev/trust-anchor.jwk and HOLDALL_ALLOW_LOOPBACK_METADATA=1)`
  if (!response.ok) throw new Error(`the host at ${url} serves no trust list: ${fix}`)
  try {
    if (verifyTrustList(await response.text(), operatorPublicKey).byClientId(someClientId) === undefined)
      throw new Error()
  } catch {
    throw new Error(`the host at ${url} serves another trust list than the development fixtures: ${fix}`)
  }
}

/**
 * Two hosts for demo:move, with the same organisations and trust list:
 *   (no option)                        two hosts of its own (SQLite each, in temporary folders)
 *   --from <url> --to <url>            two hosts you started with the development fixtures'
 *                                      trust list (e.g. two `npm run dev`-style hosts on two ports)
 */
export async function demoHostPair(
  argv: string[],
  say: (line: string) => void,
): Promise<{ from: string; to: string; orgs: DemoOrganisations; stop(): Promise<void> }> {
  const option = (name: string) => {
    const at = argv.indexOf(name)
    if (at < 0) return undefined
    const url = (argv[at + 1] ?? '').replace(/\/+$/, '')
    if (!/^https?:\/\//.test(url)) throw new Error(`${name} needs a URL, e.g. ${name} http://127.0.0.1:8080`)
    return url
  }
  const from = option('--from')
  const to = option('--to')
  if ((from === undefined) !== (to === undefined)) throw new Error('give both --from <url> and --to <url>, or neither')
  if (from !== undefined && to !== undefined) {
    const fixtures = loadDevFixtures()
    for (const url of [from, to])
      await expectDevelopmentTrustList(
        url,
        fixtures.operatorPublicKey,
        fixtures.organisations.prisonHealthcare.clientId,
      )
    const orgs = await demoOrganisations(fixtures)
    say(`Moving between the Holdall hosts at ${from} and ${to}, with the development fixtures in ${fixtures.dir}`)
    return { from, to, orgs, stop: async () => void (await orgs.close()) }
  }
  const orgs = await demoOrganisations()
  let first: DemoHost | undefined
  try {
    first = await startOwnHost(say, {}, orgs)
    const second = await startOwnHost(say, {}, orgs)
    const a = first
    return {
      from: a.url,
      to: second.url,
      orgs,
      stop: async () => {
        await a.stop()
        await second.stop()
        await orgs.close()
      },
    }
  } catch (error) {
    await first?.stop()
    await orgs.close()
    throw error
  }
}

async function startOwnHost(
  say: (line: string) => void,
  settings: OwnHostSettings,
  shared?: DemoOrganisations,
): Promise<DemoHost> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-demo-'))
  const cleanUp = () => rmSync(dataDir, { recursive: true, force: true })
  let orgs: DemoOrganisations | undefined
  try {
    orgs = shared ?? (await demoOrganisations())
    // Imported here: better-sqlite3 built for another Node.js fails as it loads (see explain()).
    const { buildApp } = await import('@holdall/server')
    const url = `http://127.0.0.1:${port}`
    const app = await buildApp({
      config: {
        host: '127.0.0.1',
        port,
        dataDir,
        publicUrl: url,
        allowLoopbackMetadata: true,
        maxRecordBytes: 5 * 1024 * 1024,
        vaultQuotaBytes: 50 * 1024 * 1024,
        trustListFile: undefined,
        ...settings,
      },
      trustList: { jws: orgs.trustListJws, anchor: orgs.operatorJwk },
    })
    await app.listen({ host: '127.0.0.1', port })
    say(`Started a Holdall host at ${url} (SQLite in ${dataDir})`)
    const started = orgs
    return {
      url,
      orgs: started,
      stop: async () => {
        await app.close()
        // Shared organisations are closed by whoever made them.
        if (shared === undefined) await started.close()
        cleanUp()
      },
    }
  } catch (error) {
    if (shared === undefined) await orgs?.close()
    cleanUp()
    throw error
  }
}

/** One line for a demo that could not run: what went wrong, and the fix when we know it. */
export function explain(error: unknown): string {
  const messages: string[] = []
  for (let e: unknown = error; e !== undefined && messages.length < 5; e = (e as { cause?: unknown }).cause)
    messages.push(e instanceof Error ? e.message : String(e))
  const text = messages.join(': ')
  if (/NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header/.test(text))
    return `better-sqlite3 was built for another Node.js version than this one (${process.version}): run npm rebuild better-sqlite3`
  return text.split('\n')[0] ?? text
}

/**
 * Runs a demo: on failure one line on stderr and exit 1. `stop` has already cleaned up; anything
 * left holding the event loop (a request in flight) must not keep a failed demo alive.
 */
export function runDemo(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`\n${name}: ${explain(error)}\n`)
    process.exitCode = 1
    setTimeout(() => process.exit(1), 2000).unref()
  })
}
