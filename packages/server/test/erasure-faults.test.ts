import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientMetadataDocument, HolderClient, ServiceClient, type ServiceIdentity } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/database.js'
import { medicationList } from './fixtures.js'
import { freshPostgresDatabase, holderTrustListing, TEST_POSTGRES_URL, testDatabaseKind } from './harness.js'
import { filesUnder, rowTraces } from './support/erasure-scan.js'

/*
 * [ERA-HOST-04] Erasure survives a SIGKILL at any point, on SQLite and on PostgreSQL: the real CLI
 * is killed inside the first transaction (nothing happened: grants still live, nothing erased),
 * between the steps (grants already ended; the restart finishes the erasure) and halfway through
 * the envelopes (the restart finishes it). After each, the database and the blob store are read
 * directly: nothing of the vault is left once it is finished, and no grant is ever live beside a
 * half-erased vault.
 */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js')

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function startCli(dataDir: string, port: number, databaseUrl: string | undefined, pauseAt?: string) {
  const child: ChildProcess = spawn(process.execPath, [CLI], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      HOLDALL_DATA_DIR: dataDir,
      HOLDALL_ALLOW_LOOPBACK_METADATA: '1',
      ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
      ...(pauseAt === undefined ? {} : { HOLDALL_TEST_PAUSE_AT: pauseAt }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const paused = new Promise<void>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes(`HOLDALL_PAUSED ${pauseAt}`)) resolve()
    })
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve())
    child.once('exit', (code) => reject(new Error(`the host exited early (${code}): ${stderr}`)))
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
  return {
    paused,
    async kill() {
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')
    },
  }
}

describe(`[ERA-HOST-04] SIGKILL in the middle of an erasure (${testDatabaseKind})`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-erasure-faults-'))
  let documents: Server
  let gpIdentity: ServiceIdentity
  let port = 0
  let url = ''
  let postgres: { url: string; drop: () => Promise<void> } | undefined

  beforeAll(async () => {
    documents = createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(clientMetadataDocument(gpIdentity))),
    )
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
    gpIdentity = {
      clientId: `http://127.0.0.1:${(documents.address() as AddressInfo).port}/orgs/riverside-surgery`,
      name: 'Riverside Surgery',
      category: 'gp_surgery',
      registryCode: 'B86011',
      keys: generateDeviceKeys(),
    }
    port = await freePort()
    url = `http://127.0.0.1:${port}`
    postgres = TEST_POSTGRES_URL === undefined ? undefined : await freshPostgresDatabase(TEST_POSTGRES_URL)
  })
  afterAll(async () => {
    await new Promise((resolve) => documents.close(resolve))
    rmSync(dataDir, { recursive: true, force: true })
    await postgres?.drop()
  })

  /** The database as the operator sees it, opened for one look and closed. */
  async function look<T>(read: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
    const { db } = await openDatabase({ dataDir, databaseUrl: postgres?.url })
    try {
      return await read(db)
    } finally {
      await db.destroy()
    }
  }

  /** A vault with two records and a live grant to the GP, who has read them. */
  async function vaultWithGrant() {
    const holder = await HolderClient.createVault(url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('medication_list', medicationList(), 'Older medicines')
    const gp = new ServiceClient(url, gpIdentity)
    const { authReqId } = await gp.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: `Riverside ${Math.floor(Math.random() * 9000) + 1000}`,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 14,
        },
      ],
    })
    const [request] = await holder.pendingRequests()
    const grant = await holder.approve(request as NonNullable<typeof request>, holderTrustListing())
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const records = await gp.records()
    expect(records).toHaveLength(2)
    const needles = [
      holder.vaultId,
      grant.grant_id,
      ...records.flatMap((r) => [r.record_id, r.ciphertext_sha256, r.wrap]),
    ]
    return { holder, gp, grant, needles, shas: records.map((r) => r.ciphertext_sha256) }
  }

  async function blobsLeft(shas: readonly string[]): Promise<number> {
    if (postgres === undefined) {
      const files = existsSync(join(dataDir, 'blobs')) ? filesUnder(join(dataDir, 'blobs')) : []
      return files.filter((f) => shas.some((sha) => f.endsWith(sha))).length
    }
    return look(
      async (db) => (await db.selectFrom('blobs').select('sha256').where('sha256', 'in', shas).execute()).length,
    )
  }

  async function expectErased(vault: Awaited<ReturnType<typeof vaultWithGrant>>) {
    const kind = postgres === undefined ? 'sqlite' : 'postgres'
    expect(await look((db) => rowTraces(db, kind, vault.needles.slice(1)))).toEqual([])
    expect(await look((db) => rowTraces(db, kind, [vault.holder.vaultId]))).toEqual([])
    expect(await blobsLeft(vault.shas)).toBe(0)
    const tombstone = await look((db) =>
      db.selectFrom('erasures').selectAll().where('vault_id', '=', vault.holder.vaultId).executeTakeFirst(),
    )
    expect(tombstone?.state).toBe('erased')
    await expect(vault.gp.records()).rejects.toMatchObject({ status: 410, code: 'vault_erased' })
    expect((await vault.holder.erasureReceipt()).receipt.vault_id).toBe(vault.holder.vaultId)
  }

  it('killed inside the first transaction: nothing happened, the grant is live, and erasing again finishes', async () => {
    let host = await startCli(dataDir, port, postgres?.url)
    const vault = await vaultWithGrant()
    await host.kill()
    host = await startCli(dataDir, port, postgres?.url, 'erasure-close-in-transaction')
    const erasing = vault.holder.erase().catch((error: unknown) => error)
    await host.paused
    await host.kill()
    expect(await erasing).toBeInstanceOf(Error)

    host = await startCli(dataDir, port, postgres?.url)
    try {
      expect(await look((db) => db.selectFrom('erasures').selectAll().execute())).toEqual([])
      const grant = await look((db) =>
        db.selectFrom('grants').select('status').where('id', '=', vault.grant.grant_id).executeTakeFirst(),
      )
      expect(grant?.status).toBe('active')
      expect(await vault.gp.records()).toHaveLength(2)
      expect(await blobsLeft(vault.shas)).toBe(2)
      await vault.holder.erase()
      await expectErased(vault)
    } finally {
      await host.kill()
    }
  }, 150_000)

  for (const point of ['erasure-before-delete', 'erasure-mid-blobs'] as const) {
    it(`killed at ${point}: no grant is live, and the restart finishes the erasure`, async () => {
      let host = await startCli(dataDir, port, postgres?.url)
      const vault = await vaultWithGrant()
      await host.kill()
      host = await startCli(dataDir, port, postgres?.url, point)
      const erasing = vault.holder.erase().catch((error: unknown) => error)
      await host.paused
      await host.kill()
      expect(await erasing).toBeInstanceOf(Error)

      // Stopped half way: whatever is left of the vault, no grant or token of it is live.
      const live = await look(async (db) => ({
        grants: await db
          .selectFrom('grants')
          .select('id')
          .where('vault_id', '=', vault.holder.vaultId)
          .where('status', '=', 'active')
          .execute(),
        tokens: await db
          .selectFrom('tokens')
          .select('token_hash')
          .where('vault_id', '=', vault.holder.vaultId)
          .where('revoked', '=', 0)
          .execute(),
        tombstone: await db
          .selectFrom('erasures')
          .select('state')
          .where('vault_id', '=', vault.holder.vaultId)
          .executeTakeFirst(),
      }))
      expect(live.grants).toEqual([])
      expect(live.tokens).toEqual([])
      expect(live.tombstone?.state).toBe(point === 'erasure-before-delete' ? 'closed' : 'erasing')
      if (point === 'erasure-mid-blobs') expect(await blobsLeft(vault.shas)).toBe(1)

      host = await startCli(dataDir, port, postgres?.url)
      try {
        await expectErased(vault)
      } finally {
        await host.kill()
      }
    }, 150_000)
  }
})
