import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientMetadataDocument, HolderClient, ServiceClient, type ServiceIdentity } from '@holdall/client'
import { generateDeviceKeys, randomBytes } from '@holdall/crypto'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOG_GENESIS_HASH as GENESIS } from '../src/repositories/log.js'
import { deviceAccessToken, expectProblem, storageSnapshot } from './attacks/support.js'
import { medicationList } from './fixtures.js'
import { type Host, holderTrustListing, startHost } from './harness.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js')

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The real CLI as a child process; `pauseAt` arms the test-only pause hook (fault-injection.ts). */
async function startCli(dataDir: string, port: number, pauseAt?: string) {
  const child: ChildProcess = spawn(process.execPath, [CLI], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      HOLDALL_DATA_DIR: dataDir,
      HOLDALL_ALLOW_LOOPBACK_METADATA: '1',
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

/** Recomputes the hash chain of a vault's log from the database: any gap, fork or edit fails. */
function checkLogChain(dataDir: string, vaultId: string): number {
  const db = new Database(join(dataDir, 'holdall.sqlite3'), { readonly: true })
  try {
    const rows = db.prepare('SELECT * FROM access_log WHERE vault_id = ? ORDER BY seq').all(vaultId) as {
      seq: number
      at: number
      event: string
      actor: string
      details: string
      prev_hash: string
      hash: string
    }[]
    let prev = GENESIS
    rows.forEach((row, index) => {
      expect(row.seq).toBe(index)
      expect(row.prev_hash).toBe(prev)
      const body = JSON.stringify({
        vault_id: vaultId,
        seq: row.seq,
        at: row.at,
        event: row.event,
        actor: row.actor,
        details: JSON.parse(row.details),
      })
      expect(row.hash).toBe(createHash('sha256').update(`${prev}\n${body}`).digest('base64url'))
      prev = row.hash
    })
    return rows.length
  } finally {
    db.close()
  }
}

function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'holdall.sqlite3'), { readonly: true })
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}

describe('[SEC-FAULT-01] SIGKILL in the middle of an upload, an approval and a revocation', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-faults-'))
  let documents: Server
  let gpIdentity: ServiceIdentity
  let port = 0
  let url = ''

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
  })
  afterAll(async () => {
    await new Promise((resolve) => documents.close(resolve))
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('keeps every earlier record, makes no half grant, and revokes all or nothing', async () => {
    const gp = new ServiceClient(url, gpIdentity)
    // The GP is not listed here: the holder's client binds its key to the GP's own document.
    const unlisted = holderTrustListing()
    const ask = async (holder: HolderClient, binding: string) => {
      const { qr: code } = await holder.createPairingCode()
      const asked = await gp.requestAccess({
        pairingCode: code,
        bindingMessage: binding,
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'Repeat prescription',
            duration_days: 30,
          },
        ],
      })
      const request = (await holder.pendingRequests()).find((r) => r.binding_message === binding)
      return { ...asked, request: request as NonNullable<typeof request> }
    }

    // 1. A normal run: two records, a live grant for the GP, and a request still waiting.
    let host = await startCli(dataDir, port)
    const holder = await HolderClient.createVault(url)
    const written = [
      await holder.putRecord('medication_list', medicationList(), 'Medicines'),
      await holder.putRecord('medication_list', medicationList(), 'Older medicines'),
    ]
    const first = await ask(holder, 'Riverside 1111')
    const liveGrant = await holder.approve(first.request, unlisted, { durationDays: 14 })
    await gp.waitForDecision(first.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const waiting = await ask(holder, 'Riverside 2222')
    const usedBefore = query<{ used_bytes: number }>(
      dataDir,
      'SELECT used_bytes FROM vaults WHERE id = ?',
      holder.vaultId,
    )[0]?.used_bytes

    // 2. Kill it mid-upload: half an envelope has reached a temporary file.
    const token = await deviceAccessToken(
      holder,
      new (await import('@holdall/client')).HostConnection(url, holder.deviceKeys.signing),
    )
    const body = randomBytes(200_000)
    const sha = createHash('sha256').update(body).digest('base64url')
    const path = `/vaults/${holder.vaultId}/blobs/${sha}`
    const proof = await new (await import('@holdall/client')).HostConnection(url, holder.deviceKeys.signing).proof(
      'PUT',
      path,
      token,
    )
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write(
      `PUT ${path} HTTP/1.1\r\nHost: a\r\nAuthorization: DPoP ${token}\r\nDPoP: ${proof}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`,
    )
    socket.write(body.subarray(0, 100_000))
    const tmp = join(dataDir, 'tmp')
    for (let i = 0; i < 200 && readdirSync(tmp).length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(readdirSync(tmp).length).toBe(1)
    await host.kill()
    socket.destroy()

    // 3. Restart, armed to stop inside the approval transaction; the holder approves.
    host = await startCli(dataDir, port, 'approval-in-transaction')
    expect(readdirSync(tmp)).toEqual([]) // the partial upload is gone
    expect(existsSync(join(dataDir, 'blobs', sha.slice(0, 2), sha))).toBe(false)
    expect(
      query<{ used_bytes: number }>(dataDir, 'SELECT used_bytes FROM vaults WHERE id = ?', holder.vaultId)[0]
        ?.used_bytes,
    ).toBe(usedBefore)
    const approving = holder.approve(waiting.request, unlisted, { durationDays: 7 }).catch((error: unknown) => error)
    await host.paused
    await host.kill()
    expect(await approving).toBeInstanceOf(Error)

    // 4. Restart, armed to stop inside the revocation transaction. No half-made grant exists.
    host = await startCli(dataDir, port, 'revocation-in-transaction')
    expect(query(dataDir, 'SELECT id FROM grants WHERE request_id = ?', waiting.request.request_id)).toEqual([])
    expect(
      query<{ status: string }>(dataDir, 'SELECT status FROM auth_requests WHERE id = ?', waiting.request.request_id)[0]
        ?.status,
    ).toBe('pending')
    expect(
      query(dataDir, "SELECT id FROM key_wraps WHERE kind = 'grant' AND grant_id NOT IN (SELECT id FROM grants)"),
    ).toEqual([])
    const wrapsOfLive = query(dataDir, 'SELECT id FROM key_wraps WHERE grant_id = ?', liveGrant.grant_id).length
    expect(wrapsOfLive).toBeGreaterThan(0)
    const revoking = holder.revoke(liveGrant.grant_id).catch((error: unknown) => error)
    await host.paused
    await host.kill()
    expect(await revoking).toBeInstanceOf(Error)

    // 5. Restart normally. The revocation did not happen, entirely: grant, tokens and wraps live.
    host = await startCli(dataDir, port)
    try {
      expect(
        query<{ status: string }>(dataDir, 'SELECT status FROM grants WHERE id = ?', liveGrant.grant_id)[0]?.status,
      ).toBe('active')
      expect(query(dataDir, 'SELECT id FROM key_wraps WHERE grant_id = ?', liveGrant.grant_id).length).toBe(wrapsOfLive)
      expect((await gp.records()).length).toBe(2)
      // The holder retries, and now it happens, entirely.
      await holder.revoke(liveGrant.grant_id)
      await expect(gp.records()).rejects.toMatchObject({ status: 401 })
      expect(query(dataDir, 'SELECT id FROM key_wraps WHERE grant_id = ?', liveGrant.grant_id)).toEqual([])
      // The interrupted approval can simply be given again.
      await holder.approve(waiting.request, unlisted, { durationDays: 7 })
      await gp.waitForDecision(waiting.authReqId, { intervalMs: 50, timeoutMs: 5000 })
      expect((await gp.records()).length).toBe(2)
      // Every earlier record opens and verifies; the log chain is whole.
      const records = await holder.listRecords()
      expect(records.map((r) => r.record_id).sort()).toEqual(written.map((r) => r.record_id).sort())
      for (const view of records) expect((await holder.readRecord(view)).payload).toEqual(medicationList())
      const events = query<{ event: string }>(
        dataDir,
        'SELECT event FROM access_log WHERE vault_id = ? ORDER BY seq',
        holder.vaultId,
      ).map((e) => e.event)
      expect(events.filter((e) => e === 'grant_revoked')).toHaveLength(1)
      expect(events.filter((e) => e === 'request_approved')).toHaveLength(2)
      expect(checkLogChain(dataDir, holder.vaultId)).toBe(events.length)
    } finally {
      await host.kill()
    }
  }, 60_000)
})

describe('[SEC-FAULT-02] storage faults answer 503 and lose nothing', () => {
  let host: Host
  let holder: HolderClient

  beforeAll(async () => {
    host = await startHost({}, { app: { busyTimeoutMs: 300 } })
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
  })
  afterAll(async () => host?.close())

  it('a database held by another writer: requests answer 503 unavailable after the busy timeout, nothing is lost', async () => {
    const locker = new Database(join(host.dataDir, 'holdall.sqlite3'))
    const before = storageSnapshot(host.dataDir)
    locker.exec('BEGIN IMMEDIATE')
    try {
      await expect(holder.createPairingCode()).rejects.toMatchObject({ status: 503, code: 'unavailable' })
      // Even a read records its DPoP jti (the replay defence), so it fails closed the same way.
      await expect(holder.listRecords()).rejects.toMatchObject({ status: 503, code: 'unavailable' })
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    expect(storageSnapshot(host.dataDir)).toEqual(before)
    expect((await holder.createPairingCode()).code).toBeTruthy()
  })
})

/** A 2 MiB tmpfs, when this process may mount one (root in CI and the dev machine). */
function mountTinyDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'holdall-tiny-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return undefined
  }
}

const tinyDisk = mountTinyDisk()

describe.skipIf(tinyDisk === undefined)(
  '[SEC-FAULT-02] a full disk answers 503 and loses nothing (needs permission to mount a tmpfs)',
  () => {
    let host: Host
    let holder: HolderClient
    const dataDir = join(tinyDisk ?? '/nonexistent', 'data')

    beforeAll(async () => {
      mkdirSync(dataDir)
      host = await startHost({ dataDir, maxRecordBytes: 4 * 1024 * 1024, vaultQuotaBytes: 8 * 1024 * 1024 })
      holder = await HolderClient.createVault(host.url)
      await holder.putRecord('medication_list', medicationList(), 'Medicines')
    })
    afterAll(async () => {
      await host?.close()
      if (tinyDisk !== undefined) {
        execFileSync('umount', ['-l', tinyDisk])
        rmSync(tinyDisk, { recursive: true, force: true })
      }
    })

    it('an upload that fills the disk is refused with 503, its partial file removed, earlier records intact', async () => {
      const device = new (await import('@holdall/client')).HostConnection(host.url, holder.deviceKeys.signing)
      const token = await deviceAccessToken(holder, device)
      const before = storageSnapshot(dataDir)
      const body = randomBytes(3 * 1024 * 1024)
      const sha = createHash('sha256').update(body).digest('base64url')
      const response = await device.send({
        method: 'PUT',
        path: `/vaults/${holder.vaultId}/blobs/${sha}`,
        body,
        accessToken: token,
      })
      await expectProblem(response, 503, 'unavailable')
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(readdirSync(join(dataDir, 'tmp'))).toEqual([])
      expect(storageSnapshot(dataDir)).toEqual(before)
      const [view] = await holder.listRecords()
      expect((await holder.readRecord(view as NonNullable<typeof view>)).payload).toEqual(medicationList())
    })

    it('a database write on a full disk is refused with 503; once space is back, writes work', async () => {
      const filler = join(tinyDisk as string, 'filler')
      // Fill what is left, a megabyte at a time, until the disk refuses.
      try {
        for (let i = 0; i < 4; i++) writeFileSync(filler, Buffer.alloc((i + 1) * 1024 * 1024), { flag: 'w' })
      } catch {}
      try {
        for (let i = 0; i < 64; i++) writeFileSync(`${filler}-${i}`, Buffer.alloc(32 * 1024))
      } catch {}
      let refused = 0
      for (let i = 0; i < 40 && refused === 0; i++) {
        try {
          await holder.createPairingCode()
        } catch (error) {
          expect(error).toMatchObject({ status: 503, code: 'unavailable' })
          refused++
        }
      }
      expect(refused).toBe(1)
      for (const name of readdirSync(tinyDisk as string))
        if (name.startsWith('filler')) rmSync(join(tinyDisk as string, name))
      expect((await holder.createPairingCode()).code).toBeTruthy()
      const [view] = await holder.listRecords()
      expect((await holder.readRecord(view as NonNullable<typeof view>)).payload).toEqual(medicationList())
    })
  },
)
