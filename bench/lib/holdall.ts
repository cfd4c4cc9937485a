import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  clientMetadataDocument,
  HolderClient,
  ServiceClient,
  type ServiceIdentity,
  signTrustList,
  trustListEntry,
  verifyTrustList,
} from '@holdall/client'
import { base64urlEncode, generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import pg from 'pg'
import { medicationList } from '../../packages/server/test/fixtures.js'
import { type Measured, repoRoot, startMeasured } from './processes.js'

/** A ServiceClient that lets the benchmark hand its access token to the load generator. */
export class BenchService extends ServiceClient {
  token(): Promise<string> {
    return this.accessToken()
  }
}

// A small record, about the size of a real medication list: the server tests' own fixture.
export { medicationList }

export type DatabaseChoice = 'sqlite' | 'postgres'
export const POSTGRES_SERVER = process.env.HOLDALL_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * What a Holdall host needs around it: a GP surgery's metadata document on a little web server,
 * a signed trust list naming it, a data directory, and (on PostgreSQL) a fresh database that
 * `close` drops.
 */
export async function benchWorld(database: DatabaseChoice) {
  const dir = mkdtempSync(join(tmpdir(), 'holdall-bench-'))
  const documents = new Map<string, unknown>()
  const metadata: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '')
    if (document === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve))
  const metadataBase = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}`
  const gp: ServiceIdentity = {
    clientId: `${metadataBase}/orgs/riverside-surgery`,
    name: 'Riverside Surgery',
    category: 'gp_surgery',
    registryCode: 'B86011',
    keys: generateDeviceKeys(),
  }
  documents.set('/orgs/riverside-surgery', clientMetadataDocument(gp))
  const operator = generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const trustList = signTrustList(
    {
      format: 2,
      iss: 'Holdall benchmark trust list',
      iat: now,
      exp: now + 86_400,
      organisations: [trustListEntry(gp)],
    },
    operator.secretKey,
  )
  writeFileSync(join(dir, 'trust-list.jws'), trustList)
  writeFileSync(join(dir, 'anchor.json'), JSON.stringify(toPublicJwk(operator.publicKey, 'Ed25519')))

  let databaseUrl: string | undefined
  const databaseName = `holdall_bench_${Date.now().toString(36)}`
  if (database === 'postgres') {
    const admin = new pg.Client({ connectionString: POSTGRES_SERVER })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${databaseName}`)
    await admin.end()
    const url = new URL(POSTGRES_SERVER)
    url.pathname = `/${databaseName}`
    databaseUrl = url.toString()
  }

  const servers: Measured[] = []
  return {
    gp,
    /** What the holder's client trusts: the same list, verified under the operator key. */
    trust: { trusted: verifyTrustList(trustList, operator.publicKey), fetchMetadata: fetch },
    dir,
    databaseUrl,
    /** Starts a host process. Every instance shares `publicUrl` (a load balancer's address). */
    async startHost(options: { port: number; publicUrl: string; env?: Record<string, string> }) {
      // HOLDALL_BENCH_PROFILE_DIR: write a V8 CPU profile of each host process there.
      const profile = process.env.HOLDALL_BENCH_PROFILE_DIR
      const flags = profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile]
      const server = await startMeasured(process.execPath, [...flags, join(repoRoot, 'packages/server/dist/cli.js')], {
        env: {
          PORT: String(options.port),
          HOST: '127.0.0.1',
          HOLDALL_PUBLIC_URL: options.publicUrl,
          HOLDALL_DATA_DIR: join(dir, `data-${servers.length}`),
          HOLDALL_ALLOW_LOOPBACK_METADATA: '1',
          // All load comes from 127.0.0.1: the limits stay on (their counting is part of the cost
          // measured) but high enough that no request is turned away.
          HOLDALL_RATE_LIMIT_FACTOR: '1000',
          HOLDALL_TRUST_LIST_FILE: join(dir, 'trust-list.jws'),
          HOLDALL_TRUST_ANCHOR_FILE: join(dir, 'anchor.json'),
          ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
          ...options.env,
        },
        ready: /listening on/,
      })
      servers.push(server)
      return server
    },
    async close() {
      for (const server of servers) await server.stop()
      await new Promise((resolve) => metadata.close(resolve))
      if (database === 'postgres') {
        const admin = new pg.Client({ connectionString: POSTGRES_SERVER })
        await admin.connect()
        await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
        await admin.end()
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export type BenchWorld = Awaited<ReturnType<typeof benchWorld>>

/**
 * Through the SDKs, as in the journey: a holder with one small record, and a GP with a grant to
 * read it. `fetchImpl` lets the caller send requests to one instance among several.
 */
export async function seedGrant(world: BenchWorld, publicUrl: string, fetchImpl: typeof fetch = fetch) {
  const holder = await HolderClient.createVault(publicUrl, fetchImpl)
  await holder.putRecord('medication_list', medicationList(), 'Medicines on release')
  const gp = new BenchService(publicUrl, world.gp, fetchImpl)
  const { qr: code } = await holder.createPairingCode()
  const { authReqId } = await gp.requestAccess({
    pairingCode: code,
    bindingMessage: 'Riverside bench',
    details: [
      {
        type: 'holdall_records',
        actions: ['read'],
        record_types: ['medication_list'],
        purpose: 'Benchmark',
        duration_days: 1,
      },
    ],
  })
  const [request] = await holder.pendingRequests()
  const grant = await holder.approve(request as NonNullable<typeof request>, world.trust)
  await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 10_000 })
  return { holder, gp, grant }
}

/** The GP's DPoP key as the load generator wants it (JWK `d` and `x`). */
export function dpopKeyOf(identity: ServiceIdentity) {
  return {
    d: base64urlEncode(identity.keys.signing.secretKey),
    x: base64urlEncode(identity.keys.signing.publicKey),
  }
}
