import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
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
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { type BuildAppOptions, buildApp } from '../src/app.js'
import type { ServerConfig } from '../src/config.js'
import { openDatabase } from '../src/db/database.js'

/**
 * Set (by the vitest project "postgres") to a PostgreSQL server's URL, the server tests run on
 * PostgreSQL: each host gets a database of its own, dropped when the host closes.
 */
export const TEST_POSTGRES_URL = process.env.HOLDALL_TEST_POSTGRES_URL
export const testDatabaseKind = TEST_POSTGRES_URL === undefined ? 'sqlite' : 'postgres'

/** A fresh, empty PostgreSQL database and the function that drops it. */
export async function freshPostgresDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `holdall_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      // pg's Pool.end() resolves before its connections have gone: wait for them, so a forced
      // drop never cuts a connection that is still closing (its client would raise an error).
      for (let i = 0; i < 50; i++) {
        const open = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
        if (open.rows[0].n === 0) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/**
 * What an honest holder's client trusts when a test runs without `startHost`: a trust list of
 * `identities` under a fresh operator key, and the holder's own fetch for unlisted services.
 */
export function holderTrustListing(identities: readonly ServiceIdentity[] = []) {
  const operator = generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const jws = signTrustList(
    {
      format: 2,
      iss: 'Holdall test trust list',
      iat: now,
      exp: now + 86_400,
      organisations: identities.map((i) => trustListEntry(i)),
    },
    operator.secretKey,
  )
  return { trusted: verifyTrustList(jws, operator.publicKey), fetchMetadata: fetch }
}

/** A free port on loopback, so the host's public URL (used in DPoP htu) is known before it starts. */
async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface Organisation {
  identity: ServiceIdentity
  listed: boolean
}

/**
 * A real host on 127.0.0.1 with real SQLite in a fresh directory, a signed trust list, and a
 * little web server that publishes each organisation's metadata document (as a surgery's own
 * website would). Organisations: prison healthcare (issuer), a GP surgery, probation, and an
 * employer that is not on the trust list.
 */
export async function startHost(
  overrides: Partial<ServerConfig> = {},
  /** A trust list operator key to sign with (the wallet pins it), a built wallet to serve at `/`, and extra buildApp options (rate limits and their store, timeouts, logging). */
  options: {
    operator?: ReturnType<typeof generateSigningKeyPair>
    walletDir?: string
    app?: Omit<BuildAppOptions, 'config' | 'trustList'>
  } = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-test-'))
  const postgres = TEST_POSTGRES_URL === undefined ? undefined : await freshPostgresDatabase(TEST_POSTGRES_URL)
  const documents = new Map<string, unknown>()
  const metadataServer: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '')
    if (document === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  await new Promise<void>((resolve) => metadataServer.listen(0, '127.0.0.1', resolve))
  const metadataBase = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`

  const org = (
    path: string,
    name: string,
    category: OrganisationCategory,
    registryCode: string,
    listed = true,
  ): Organisation => {
    const identity: ServiceIdentity = {
      clientId: `${metadataBase}${path}`,
      name,
      category,
      registryCode,
      keys: generateDeviceKeys(),
    }
    documents.set(path, clientMetadataDocument(identity))
    return { identity, listed }
  }
  const orgs = {
    prisonHealthcare: org('/orgs/hmp-leeds-healthcare', 'HMP Leeds Healthcare', 'prison_healthcare', 'NTE01'),
    gp: org('/orgs/riverside-surgery', 'Riverside Surgery', 'gp_surgery', 'B86011'),
    probation: org('/orgs/leeds-probation', 'Leeds Probation Delivery Unit', 'probation', 'N53'),
    employer: org('/orgs/quick-jobs', 'Quick Jobs Ltd', 'employer', '12345678', false),
    /** Issue 19: a listed landlord, not a care or justice service: its grants wait a cooling-off. */
    landlord: org('/orgs/homes-first', 'Homes First Lettings', 'landlord', 'HF001'),
    /** Issue 19: a listed resettlement support service, of category supporter. */
    supporter: org('/orgs/reconnect', 'Reconnect Support', 'supporter', 'RS001'),
    /** A listed ID scheme: it may issue identity documents, never a medication list. */
    idScheme: org('/orgs/id-check-scheme', 'ID Check Scheme', 'id_scheme', 'IDS01'),
    /** Unlisted, with the listed surgery's exact name: the name alone must never read as checked. */
    impostor: org('/orgs/riverside-surgery-online', 'Riverside Surgery', 'gp_surgery', 'B86011', false),
    // Issue 21: listed organisations with request templates (spec 5.8.1).
    pharmacy: org('/orgs/high-street-pharmacy', 'High Street Pharmacy', 'pharmacy', 'FA123'),
    housing: org('/orgs/leeds-housing-options', 'Leeds Housing Options', 'housing', 'E08000035'),
    listedEmployer: org('/orgs/build-right', 'Build Right Ltd', 'employer', '87654321'),
  }

  const operator = options.operator ?? generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const trustList: TrustList = {
    format: 2,
    iss: 'Holdall test trust list operator',
    iat: now,
    exp: now + 30 * 86_400,
    organisations: Object.values(orgs)
      .filter((o) => o.listed)
      .map((o) => trustListEntry(o.identity)),
  }
  const trustListJws = signTrustList(trustList, operator.secretKey)

  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const config: ServerConfig = {
    host: '127.0.0.1',
    port,
    dataDir,
    publicUrl: url,
    allowLoopbackMetadata: true,
    maxRecordBytes: 5 * 1024 * 1024,
    vaultQuotaBytes: 50 * 1024 * 1024,
    trustListFile: undefined,
    databaseUrl: postgres?.url,
    ...overrides,
  }
  const trustListOption = { jws: trustListJws, anchor: toPublicJwk(operator.publicKey, 'Ed25519') }
  const app: FastifyInstance = await buildApp({
    ...options.app,
    config,
    trustList: trustListOption,
    ...(options.walletDir === undefined ? {} : { walletDir: options.walletDir }),
  })
  await app.listen({ host: '127.0.0.1', port })
  const instances: Array<{ close: () => Promise<void> }> = []
  // The test's own connection to the host's database, for what only a database can set up
  // (an expired grant) or show (that no plaintext is stored).
  const { db } = await openDatabase(config)

  return {
    url,
    app,
    config,
    metadataBase,
    dataDir,
    db,
    kind: testDatabaseKind,
    orgs,
    trusted: verifyTrustList(trustListJws, operator.publicKey),
    /** What an honest holder's client trusts: the pinned list, and its own fetch for unlisted services. */
    trust: { trusted: verifyTrustList(trustListJws, operator.publicKey), fetchMetadata: fetch },
    trustListJws,
    operator,
    /**
     * Another server instance on the same database, as behind a load balancer: its own port and
     * data directory, the same public URL (so DPoP proofs name the same `htu`).
     */
    async startInstance() {
      const instancePort = await freePort()
      const instanceDir = mkdtempSync(join(tmpdir(), 'holdall-test-'))
      const instance = await buildApp({
        ...options.app,
        config: { ...config, port: instancePort, dataDir: instanceDir },
        trustList: trustListOption,
      })
      await instance.listen({ host: '127.0.0.1', port: instancePort })
      const handle = {
        url: `http://127.0.0.1:${instancePort}`,
        async close() {
          await instance.close()
          rmSync(instanceDir, { recursive: true, force: true })
        },
      }
      instances.push(handle)
      return handle
    },
    /** Publishes a metadata document at `metadataBase + path`, as an organisation's website would. */
    publish(path: string, document: unknown): string {
      documents.set(path, document)
      return `${metadataBase}${path}`
    },
    service: (o: Organisation, fetchImpl: typeof fetch = fetch) => new ServiceClient(url, o.identity, fetchImpl),
    issuer: (o: Organisation) => new IssuerClient(url, o.identity),
    async close() {
      for (const instance of instances) await instance.close()
      await app.close()
      await db.destroy()
      await new Promise((resolve) => metadataServer.close(resolve))
      rmSync(dataDir, { recursive: true, force: true })
      await postgres?.drop()
    },
  }
}

export type Host = Awaited<ReturnType<typeof startHost>>
