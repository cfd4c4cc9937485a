import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  clientMetadataDocument,
  IssuerClient,
  ServiceClient,
  type ServiceIdentity,
  signTrustList,
  trustListEntry,
  verifyTrustList,
} from '@holdall/client'
import { generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { OrganisationCategory, TrustList } from '@holdall/protocol'
import { openDatabase } from '../../src/db/database.js'
import { freshPostgresDatabase } from '../harness.js'

/*
 * Two real host processes (issue 18): the built CLI (bundled, as `npm start` runs it), each on its own
 * port of 127.0.0.1 with its own public URL and data folder, host A on SQLite and host B on
 * PostgreSQL in a fresh database, both serving the same trust list signed by one operator key.
 * Either host can be stopped (SIGTERM), killed (SIGKILL) and restarted on the same port, folder
 * and database, so a test can cut a host in the middle of a journey and carry on.
 *
 *   const pair = await startHostPair()
 *   pair.a.url, pair.b.url           the hosts' public URLs (what DPoP proofs name); the trust
 *                                    list's host registry names A number 1 and B number 2
 *   pair.orgs.gp.identity            organisations whose metadata a little web server publishes
 *   pair.service(pair.orgs.gp, pair.b)   a ServiceClient of the surgery, acting on host B
 *   await pair.b.kill()              SIGKILL; await pair.b.restart() starts it again
 *   const db = await pair.database(pair.a)   the operator's own Kysely connection to A's database
 *   await pair.close()               stops both, drops B's database, removes both folders
 */

const root = join(import.meta.dirname, '..', '..', '..', '..')
/** What `npm start` runs: the host CLI bundled into one module (scripts/build-runtime.mjs), which starts in about half the CPU time of dist/cli.js. */
const cli = join(root, 'packages', 'server', 'build', 'holdall-server.mjs')
const postgresServerUrl = process.env.HOLDALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** How long a host may take to say it listens (a cold PostgreSQL migration on a busy 2-core machine). */
const START_TIMEOUT_MS = 45_000

let built = false
/**
 * Builds the host CLI and what it imports when their sources changed (a no-op otherwise, in
 * milliseconds): the processes run dist/, not the TypeScript the tests import.
 */
export function ensureBuiltHost(): void {
  if (built) return
  execFileSync(process.execPath, [join(root, 'scripts', 'build-runtime.mjs'), '--server-bundle', 'packages/server'], {
    cwd: root,
    stdio: 'pipe',
  })
  built = true
}

export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export type DatabaseKind = 'sqlite' | 'postgres'

export interface HostProcess {
  /** 'A' or 'B'. */
  readonly name: string
  /** The public URL (HOLDALL_PUBLIC_URL), http://127.0.0.1:<port>. */
  readonly url: string
  readonly port: number
  readonly kind: DatabaseKind
  readonly dataDir: string
  /** PostgreSQL only: the host's own database. */
  readonly databaseUrl: string | undefined
  /** The environment the process runs with (for a test that restarts it with a change). */
  readonly env: Readonly<Record<string, string>>
  /** True between a start that said it listens and a stop or kill. */
  running(): boolean
  pid(): number | undefined
  /** Everything the current process wrote (stdout then stderr), for a failing test's message. */
  output(): string
  /** SIGTERM and wait for the exit (the host closes cleanly; SIGKILL after 10 s if it has not). */
  stop(): Promise<void>
  /** SIGKILL and wait for the exit: nothing is flushed or closed. */
  kill(): Promise<void>
  /** Starts the process again on the same port, folder and database; `env` adds or replaces settings. */
  restart(env?: Record<string, string>): Promise<void>
}

export interface HostProcessSettings {
  readonly name: string
  readonly kind: DatabaseKind
  /** Extra environment for this host (merged over the harness's). */
  readonly env?: Record<string, string>
}

export interface Organisation {
  identity: ServiceIdentity
  listed: boolean
}

export interface HostPairOptions {
  /** Database of each host. Default: A on SQLite, B on PostgreSQL (HOLDALL_TEST_POSTGRES=0: both SQLite). */
  readonly kinds?: readonly [DatabaseKind, DatabaseKind]
  /** Extra environment for both hosts, then for each. */
  readonly env?: Record<string, string>
  readonly envA?: Record<string, string>
  readonly envB?: Record<string, string>
  /** The trust list operator's key (default a fresh one). */
  readonly operator?: ReturnType<typeof generateSigningKeyPair>
  /**
   * Changes the trust list before it is signed, knowing both hosts' URLs (ports are chosen before
   * either host starts). The default lists A as host 1 and B as host 2.
   */
  readonly trustList?: (list: TrustList, urls: { a: string; b: string }) => TrustList
}

const postgresAvailable = process.env.HOLDALL_TEST_POSTGRES !== '0'

/** Starts host A and host B (in parallel) with one signed trust list. */
export async function startHostPair(options: HostPairOptions = {}) {
  ensureBuiltHost()
  const kinds = options.kinds ?? ['sqlite', postgresAvailable ? 'postgres' : 'sqlite']
  const scratch = mkdtempSync(join(tmpdir(), 'holdall-pair-'))
  const metadata = await metadataWebsite()
  const orgs = {
    prisonHealthcare: metadata.org('/orgs/hmp-leeds-healthcare', 'HMP Leeds Healthcare', 'prison_healthcare', 'NTE01'),
    gp: metadata.org('/orgs/riverside-surgery', 'Riverside Surgery', 'gp_surgery', 'B86011'),
    probation: metadata.org('/orgs/leeds-probation', 'Leeds Probation Delivery Unit', 'probation', 'N53'),
    pharmacy: metadata.org('/orgs/high-street-pharmacy', 'High Street Pharmacy', 'pharmacy', 'FA123'),
    employer: metadata.org('/orgs/quick-jobs', 'Quick Jobs Ltd', 'employer', '12345678', false),
  }
  const ports = [await freePort(), await freePort()] as const
  const urls = { a: `http://127.0.0.1:${ports[0]}`, b: `http://127.0.0.1:${ports[1]}` }

  const operator = options.operator ?? generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const baseList: TrustList = {
    format: 2,
    iss: 'Holdall two-host test trust list operator',
    iat: now,
    exp: now + 30 * 86_400,
    organisations: Object.values(orgs)
      .filter((o) => o.listed)
      .map((o) => trustListEntry(o.identity)),
    // The operator's host registry (spec 11.2): host A is number 1, host B number 2.
    hosts: [
      { number: 1, url: urls.a, name: 'Host A (SQLite)' },
      { number: 2, url: urls.b, name: 'Host B (PostgreSQL)' },
    ],
  }
  const trustList = options.trustList ? options.trustList(baseList, urls) : baseList
  const trustListJws = signTrustList(trustList, operator.secretKey)
  const trustListFile = join(scratch, 'trust-list.jws')
  const trustAnchorFile = join(scratch, 'trust-anchor.jwk')
  writeFileSync(trustListFile, trustListJws)
  writeFileSync(trustAnchorFile, JSON.stringify(toPublicJwk(operator.publicKey, 'Ed25519')))

  const common: Record<string, string> = {
    HOLDALL_TRUST_LIST_FILE: trustListFile,
    HOLDALL_TRUST_ANCHOR_FILE: trustAnchorFile,
    HOLDALL_ALLOW_LOOPBACK_METADATA: '1',
    // Every request of a test comes from 127.0.0.1.
    HOLDALL_RATE_LIMIT_FACTOR: '100',
    HOLDALL_MAX_RECORD_BYTES: String(5 * 1024 * 1024),
    HOLDALL_VAULT_QUOTA_BYTES: String(50 * 1024 * 1024),
    ...options.env,
  }
  const started: HostProcess[] = []
  const databases: Array<{ drop: () => Promise<void> }> = []
  const launch = async (name: string, kind: DatabaseKind, port: number, env: Record<string, string> | undefined) => {
    let databaseUrl: string | undefined
    if (kind === 'postgres') {
      const database = await freshPostgresDatabase(postgresServerUrl)
      databases.push(database)
      databaseUrl = database.url
    }
    const host = hostProcess({ name, kind, port, scratch, databaseUrl, env: { ...common, ...env } })
    started.push(host)
    await host.restart()
    return host
  }
  const close = async () => {
    await Promise.all(started.map((host) => host.stop()))
    for (const database of databases) await database.drop()
    await metadata.close()
    rmSync(scratch, { recursive: true, force: true })
  }
  let a: HostProcess
  let b: HostProcess
  try {
    ;[a, b] = await Promise.all([
      launch('A', kinds[0], ports[0], options.envA),
      launch('B', kinds[1], ports[1], options.envB),
    ])
  } catch (error) {
    await close()
    throw error
  }
  const trusted = verifyTrustList(trustListJws, operator.publicKey)
  return {
    a,
    b,
    hosts: [a, b] as const,
    orgs,
    operator,
    trustList,
    trustListJws,
    trustListFile,
    trustAnchorFile,
    /** What an honest holder's client trusts: the pinned list, and its own fetch for unlisted services. */
    trust: { trusted, fetchMetadata: fetch },
    trusted,
    metadataBase: metadata.base,
    /** Publishes a document at `metadataBase + path`, as an organisation's website would. */
    publish: metadata.publish,
    service: (o: Organisation, host: HostProcess, fetchImpl: typeof fetch = fetch) =>
      new ServiceClient(host.url, o.identity, fetchImpl),
    issuer: (o: Organisation, host: HostProcess) => new IssuerClient(host.url, o.identity),
    /**
     * The host operator's own connection to a host's database (Kysely, same schema), for a test
     * that plays the operator (edits a row) or checks what is stored. Destroy it when done.
     */
    database: async (host: HostProcess) =>
      (await openDatabase({ dataDir: host.dataDir, databaseUrl: host.databaseUrl })).db,
    close,
  }
}

export type HostPair = Awaited<ReturnType<typeof startHostPair>>

/** One host process (not yet started: call restart()). */
export function hostProcess(settings: {
  name: string
  kind: DatabaseKind
  port: number
  scratch: string
  databaseUrl: string | undefined
  env: Record<string, string>
}): HostProcess {
  const dataDir = mkdtempSync(join(settings.scratch, `host-${settings.name.toLowerCase()}-`))
  const url = `http://127.0.0.1:${settings.port}`
  let env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(settings.port),
    HOLDALL_PUBLIC_URL: url,
    HOLDALL_DATA_DIR: dataDir,
    ...(settings.databaseUrl === undefined ? {} : { DATABASE_URL: settings.databaseUrl }),
    ...settings.env,
  }
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let listening = false
  let log = ''

  const signal = async (name: 'SIGTERM' | 'SIGKILL') => {
    const current = child
    if (current === undefined) return
    if (current.exitCode === null && current.signalCode === null) current.kill(name)
    const late = setTimeout(() => current.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(late)
    if (child === current) child = undefined
    listening = false
  }

  return {
    name: settings.name,
    url,
    port: settings.port,
    kind: settings.kind,
    dataDir,
    databaseUrl: settings.databaseUrl,
    get env() {
      return env
    },
    running: () => listening,
    pid: () => child?.pid,
    output: () => log,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    async restart(extra = {}) {
      await signal('SIGTERM')
      env = { ...env, ...extra }
      log = ''
      const process_ = spawn(process.execPath, [cli], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
      child = process_
      exited = new Promise((resolve) => process_.once('exit', () => resolve()))
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          process_.kill('SIGKILL')
          reject(new Error(`host ${settings.name} did not start within ${START_TIMEOUT_MS} ms: ${log}`))
        }, START_TIMEOUT_MS)
        process_.stdout?.on('data', (chunk) => {
          log += chunk
          if (!listening && log.includes('Holdall host listening')) {
            listening = true
            clearTimeout(timer)
            resolve()
          }
        })
        process_.stderr?.on('data', (chunk) => {
          log += chunk
        })
        process_.once('exit', (code, sig) => {
          clearTimeout(timer)
          listening = false
          reject(new Error(`host ${settings.name} exited (${code ?? sig}) before it listened: ${log}`))
        })
      })
    },
  }
}

/** A little web server publishing organisations' metadata documents, as their own websites would. */
async function metadataWebsite() {
  const documents = new Map<string, unknown>()
  const server: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '')
    if (document === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base,
    org(path: string, name: string, category: OrganisationCategory, registryCode: string, listed = true): Organisation {
      const identity: ServiceIdentity = {
        clientId: `${base}${path}`,
        name,
        category,
        registryCode,
        keys: generateDeviceKeys(),
      }
      documents.set(path, clientMetadataDocument(identity))
      return { identity, listed }
    },
    publish(path: string, document: unknown): string {
      documents.set(path, document)
      return `${base}${path}`
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
