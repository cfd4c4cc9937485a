import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  HolderClient,
  RecoveringDevice,
  type ServiceIdentity,
  signTrustList,
  type TrustedOrganisation,
  trustListEntry,
  verifyTrustList,
  workerRecoveries,
} from '@holdall/client'
import { generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import { buildApp } from '@holdall/server'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeyWorkerDesk, readAudit, verifyAudit } from '../src/index.js'

/* The key-worker desk against a real host: two-person release, once, with an audit trail. */

describe('the key-worker desk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdall-key-worker-'))
  const probation: ServiceIdentity = {
    clientId: 'https://probation.example/leeds',
    name: 'Leeds Probation Delivery Unit',
    category: 'probation',
    registryCode: 'N53',
    keys: generateDeviceKeys(),
  }
  let app: FastifyInstance
  let url = ''
  let worker: TrustedOrganisation

  beforeAll(async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise((resolve) => probe.close(resolve))
    url = `http://127.0.0.1:${port}`
    const operator = generateSigningKeyPair()
    const now = Math.floor(Date.now() / 1000)
    const jws = signTrustList(
      { format: 2, iss: 'test', iat: now, exp: now + 3600, organisations: [trustListEntry(probation)] },
      operator.secretKey,
    )
    worker = verifyTrustList(jws, operator.publicKey).byClientId(probation.clientId) as TrustedOrganisation
    app = await buildApp({
      config: {
        host: '127.0.0.1',
        port,
        dataDir: join(dir, 'data'),
        publicUrl: url,
        allowLoopbackMetadata: true,
        maxRecordBytes: 1024 * 1024,
        vaultQuotaBytes: 10 * 1024 * 1024,
        trustListFile: undefined,
      },
      trustList: { jws, anchor: toPublicJwk(operator.publicKey, 'Ed25519') },
    })
    await app.listen({ host: '127.0.0.1', port })
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('[REC-WORKER-01] releases only after a check in person and a second approver, once, with a hash-chained audit trail', async () => {
    const holder = await HolderClient.createVault(url)
    await holder.setUpRecovery(worker)
    const { device } = await RecoveringDevice.start(url, { vaultId: holder.vaultId })
    const auditFile = join(dir, 'audit.jsonl')
    const desk = new KeyWorkerDesk({ baseUrl: url, organisation: probation, staff: ['ak', 'bm'], auditFile })
    const caseId = desk.receive(await device.workerRequest())
    await expect(desk.release(caseId)).rejects.toThrow('two members of staff')
    expect(() => desk.approve(caseId, 'ak')).toThrow('nobody has checked')
    desk.checkIdentity(caseId, 'ak')
    expect(() => desk.approve(caseId, 'ak')).toThrow('must not be the key worker who checked')
    expect(() => desk.approve(caseId, 'zz')).toThrow('not a member of staff')
    desk.approve(caseId, 'bm')
    await desk.release(caseId)
    await expect(desk.release(caseId)).rejects.toThrow('already released')
    expect((await holder.recoveries())[0]?.worker_released).toBe(true)

    const events = readAudit(auditFile).map((l) => l.event)
    expect(events).toEqual([
      'request_received',
      'refused',
      'refused',
      'identity_checked',
      'refused',
      'approved',
      'released',
      'refused',
    ])
    expect(verifyAudit(auditFile)).toBe(true)
    writeFileSync(auditFile, readFileSync(auditFile, 'utf8').replace('"staff":"bm"', '"staff":"ak"'))
    expect(verifyAudit(auditFile)).toBe(false)
  })

  it('[REC-WORKER-03] hears from the host of a recovery naming it as soon as it starts, and of no other', async () => {
    const auditFile = join(dir, 'notices.jsonl')
    const desk = new KeyWorkerDesk({ baseUrl: url, organisation: probation, staff: ['ak', 'bm'], auditFile })
    const before = (await desk.waitingRecoveries()).map((r) => r.recovery_id)
    const holder = await HolderClient.createVault(url)
    await holder.setUpRecovery(worker)
    const { recovery } = await RecoveringDevice.start(url, { vaultId: holder.vaultId })
    const waiting = await desk.waitingRecoveries()
    const mine = waiting.find((r) => r.recovery_id === recovery.recovery_id)
    expect(mine).toMatchObject({ vault_id: holder.vaultId, ready_at: recovery.ready_at, worker_released: false })
    expect(waiting.map((r) => r.recovery_id).filter((id) => !before.includes(id))).toEqual([recovery.recovery_id])
    await desk.waitingRecoveries()
    expect(
      readAudit(auditFile)
        .filter((l) => l.case_id === recovery.recovery_id)
        .map((l) => l.event),
    ).toEqual(['recovery_waiting'])
    // Cancelled from the holder's phone: no longer listed.
    await holder.cancelRecovery(recovery.recovery_id)
    expect((await desk.waitingRecoveries()).map((r) => r.recovery_id)).not.toContain(recovery.recovery_id)
    // Anyone else, even with a key of its own, is refused (not listed, or not this organisation's key).
    const stranger = { clientId: probation.clientId, keys: generateDeviceKeys() }
    await expect(workerRecoveries(url, stranger)).rejects.toMatchObject({ status: 422, code: 'signature_invalid' })
  })
})
