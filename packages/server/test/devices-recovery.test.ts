import { join } from 'node:path'
import {
  decodeLogEntry,
  encodeLogEntry,
  HoldallApiError,
  HolderClient,
  parseKitQr,
  RecoveringDevice,
  recoveryFindings,
  type TrustedOrganisation,
  workerRecoveries,
} from '@holdall/client'
import { base64urlDecode, generateDeviceKeys, parseRecoveryKitCode, parseRecoveryShare } from '@holdall/crypto'
import { RECOVERY_KIT_WAIT_MS, RECOVERY_WAIT_MS } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RecoveryEscrow } from '../src/services/recovery-escrow.js'
import { CANARY, licenceConditions, medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'
import { releaseWorkerShare } from './support/key-worker.js'

/*
 * Devices and recovery (spec chapter 9) over real HTTP, with the host's clock moved by the test:
 * a second phone linked and removed, sign out everywhere, and the lost-phone recovery with the
 * printed kit and the key worker's share, waiting period included.
 */

/** The host's clock runs with real time, moved on by the test. */
let offset = 0
const clock = () => Date.now() + offset
const HOUR = 3_600_000

async function expectProblem(promise: Promise<unknown>, status: number, code?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HoldallApiError)
  expect((error as HoldallApiError).status).toBe(status)
  if (code !== undefined) expect((error as HoldallApiError).code).toBe(code)
}

describe('devices and recovery', () => {
  let host: Host
  let phone: HolderClient
  let worker: TrustedOrganisation
  let kit: Awaited<ReturnType<HolderClient['setUpRecovery']>>
  let grantId = ''
  const gp = () => host.service(host.orgs.gp)
  let gpClient: ReturnType<typeof gp>

  beforeAll(async () => {
    host = await startHost({}, { app: { clock } })
    phone = await HolderClient.createVault(host.url)
    worker = host.trusted.byClientId(host.orgs.probation.identity.clientId) as TrustedOrganisation
    await phone.putRecord('licence_conditions', licenceConditions(), `Licence ${CANARY}`)
    kit = await phone.setUpRecovery(worker)
  })
  afterAll(async () => host?.close())

  it('[REC-SETUP-01] the kit is printable, and a second set-up at the same epoch is refused', async () => {
    expect(kit.code.split(' ')).toHaveLength(23)
    expect(parseKitQr(kit.qr)?.share).toEqual(base64urlDecode(kit.share))
    expect(parseRecoveryKitCode(kit.code)).toEqual(base64urlDecode(kit.share))
    await expectProblem(phone.setUpRecovery(worker), 409, 'conflict')
  })

  it('[REC-WORKER-03] the key worker named in the set-up hears of a waiting recovery; a listed organisation named by no set-up hears nothing', async () => {
    const other = await HolderClient.createVault(host.url)
    await other.setUpRecovery(worker)
    const { recovery } = await RecoveringDevice.start(host.url, { vaultId: other.vaultId })
    const probation = await workerRecoveries(host.url, host.orgs.probation.identity)
    expect(probation.find((r) => r.recovery_id === recovery.recovery_id)).toMatchObject({
      vault_id: other.vaultId,
      ready_at: recovery.ready_at,
      with_kit: false,
    })
    expect(await workerRecoveries(host.url, host.orgs.supporter.identity)).toEqual([])
    await other.cancelRecovery(recovery.recovery_id)
    expect((await workerRecoveries(host.url, host.orgs.probation.identity)).map((r) => r.recovery_id)).not.toContain(
      recovery.recovery_id,
    )
  })

  it('[DEV-REMOVE-01][DEV-ROT-01] a linked tablet is removed from the phone: its token is refused at once and the vault moves on', async () => {
    const tablet = generateDeviceKeys()
    await phone.enrolDevice({ signing: tablet.signing.publicKey, agreement: tablet.agreement.publicKey })
    const joined = await HolderClient.joinVault(host.url, tablet, phone.vaultId, phone.deviceId)
    expect(await joined.listRecords()).toHaveLength(1)
    // The tablet listens for events; the removal must end its stream (else this waits past the test's timeout).
    const listening = joined.waitForRequest(120_000).catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const newKit = await phone.removeDevices([joined.deviceId], worker)
    expect(await listening).toBeInstanceOf(HoldallApiError)
    expect(phone.keyEpoch).toBe(1)
    expect(newKit.epoch).toBe(1)
    await expectProblem(joined.listRecords(), 401)
    await expect(joined.login()).rejects.toThrow()
    const [record] = await phone.listRecords()
    expect(record?.wrap_epoch).toBe(1)
    const opened = await phone.readRecord(record as NonNullable<typeof record>)
    expect(opened.payload.recordType).toBe('licence_conditions')
    const chain = await phone.deviceChain()
    expect(chain.members.map((m) => m.keyId)).toHaveLength(2) // the phone and the epoch's recovery member
    const events = (await phone.log()).map((e) => e.event)
    expect(events).toEqual(expect.arrayContaining(['recovery_set_up', 'device_removed', 'epoch_rotated']))
    kit = newKit
  })

  it('[DEV-SIGNOUT-01] sign out everywhere: every other device is removed and refused', async () => {
    const others = [generateDeviceKeys(), generateDeviceKeys()]
    const joined = []
    for (const keys of others) {
      await phone.enrolDevice({ signing: keys.signing.publicKey, agreement: keys.agreement.publicKey })
      joined.push(await HolderClient.joinVault(host.url, keys, phone.vaultId, phone.deviceId))
    }
    kit = await phone.signOutEverywhere(worker)
    expect(phone.keyEpoch).toBe(2)
    for (const device of joined) await expectProblem(device.listRecords(), 401)
    expect((await phone.deviceChain()).members).toHaveLength(2)
  })

  it('[REC-ESCROW-01] the host keeps its share sealed under the key file outside its database, and no kit share', async () => {
    const row = await host.db
      .selectFrom('recovery_setups')
      .selectAll()
      .where('vault_id', '=', phone.vaultId)
      .executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain(kit.share)
    const escrow = RecoveryEscrow.fromFile(join(host.dataDir, 'recovery-escrow.key'))
    const share = escrow.open(row.host_share_sealed, { vaultId: phone.vaultId, epoch: row.key_epoch })
    expect(parseRecoveryShare(share)).toMatchObject({ holder: 'host', epoch: 2 })
    expect(() =>
      RecoveryEscrow.fromFile(join(host.dataDir, 'another.key')).open(row.host_share_sealed, {
        vaultId: phone.vaultId,
        epoch: 2,
      }),
    ).toThrow()
  })

  it('a live grant to the GP, made on the phone that will be lost', async () => {
    const issuer = host.issuer(host.orgs.prisonHealthcare)
    const pairing = await phone.createPairingCode()
    const asked = issuer.requestAccess({
      pairingCode: pairing.qr,
      bindingMessage: 'HMP 1',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['medication_list'],
          purpose: 'Meds',
          duration_days: 2,
        },
      ],
    })
    const [req] = await phone.waitForRequest(5000)
    await phone.approve(req as NonNullable<typeof req>, host.trust)
    await issuer.waitForDecision((await asked).authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    await issuer.deposit('medication_list', medicationList(), 'Medicines')
    const [deposit] = await phone.inbox()
    await phone.acceptDeposit(deposit as NonNullable<typeof deposit>, host.trust)

    gpClient = gp()
    const code = await phone.createPairingCode()
    const waiting = phone.waitForRequest(10_000)
    const { authReqId } = await gpClient.requestAccess({
      pairingCode: code.qr,
      bindingMessage: 'Riverside 1',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat',
          duration_days: 30,
        },
      ],
    })
    const [request] = await waiting
    grantId = (await phone.approve(request as NonNullable<typeof request>, host.trust)).grant_id
    await gpClient.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    expect(await gpClient.records()).toHaveLength(1)
  })

  let recovering: RecoveringDevice
  let recoveredPhone: HolderClient

  it('[REC-START-01][REC-WAIT-01][REC-WORKER-01] attack case 30: a recovery with the kit waits; the phone hears of it; the shares stay sealed until then', async () => {
    const share = base64urlDecode(kit.share)
    const started = await RecoveringDevice.start(host.url, { vaultId: phone.vaultId, kitShare: share })
    recovering = started.device
    expect(started.recovery.with_kit).toBe(true)
    expect(started.recovery.ready_at - started.recovery.started_at).toBe(RECOVERY_KIT_WAIT_MS)
    expect(started.recovery.host_share).toBeUndefined()
    const seen = await phone.recoveries()
    expect(seen[0]).toMatchObject({ recovery_id: recovering.recoveryId, status: 'waiting', with_kit: true })
    // [REC-HOST-04] attack case 31: one recovery at a time.
    await expectProblem(RecoveringDevice.start(host.url, { vaultId: phone.vaultId }), 409, 'conflict')
    // The key worker checks the person in person; two staff approve; the release is kept back.
    await releaseWorkerShare(host, recovering, worker)
    const status = await recovering.status()
    expect(status.worker_share).toBeUndefined()
    expect(status.host_share).toBeUndefined()
    // [REC-HOST-03] a share released twice.
    await expectProblem(releaseWorkerShare(host, recovering, worker), 409, 'conflict')
    // [REC-HOST-01] completed early.
    await expect(recovering.complete({ kitShare: share, worker })).rejects.toMatchObject({ code: 'RECOVERY_NOT_READY' })
  })

  it('[REC-DEVICE-01] attack case 33: another device key gets nothing of the recovery', async () => {
    const other = RecoveringDevice.resume(host.url, generateDeviceKeys(), await recovering.status())
    await expectProblem(other.status(), 404)
  })

  it('[REC-CANCEL-01][REC-START-03] the phone cancels; a cancelled recovery never completes; a new one with no kit waits 48 hours', async () => {
    await phone.cancelRecovery(recovering.recoveryId)
    offset += RECOVERY_KIT_WAIT_MS + HOUR
    expect((await recovering.status()).status).toBe('cancelled')
    await expect(recovering.complete({ worker })).rejects.toMatchObject({ code: 'RECOVERY_NOT_READY' })
    const again = await RecoveringDevice.start(host.url, { vaultId: phone.vaultId })
    expect(again.recovery.ready_at - again.recovery.started_at).toBe(RECOVERY_WAIT_MS)
    await phone.login()
    await phone.cancelRecovery(again.device.recoveryId)
    // Three starts a day per vault: the fourth in this window is rate-limited.
    for (let i = 0; i < 2; i++) {
      const started = await RecoveringDevice.start(host.url, { vaultId: phone.vaultId })
      await phone.cancelRecovery(started.device.recoveryId)
    }
    await expectProblem(RecoveringDevice.start(host.url, { vaultId: phone.vaultId }), 429, 'rate_limited')
    expect((await phone.log()).map((e) => e.event)).toEqual(
      expect.arrayContaining(['recovery_started', 'recovery_cancelled', 'recovery_share_released']),
    )
  })

  it('[REC-COMPLETE-02][DEV-ROT-04][REC-PIN-01] attack case 34: the phone is lost; kit and key worker recover on a new phone; the old one is out, the GP still reads', async () => {
    offset += 25 * HOUR // past the per-vault daily limit on starts
    const share = base64urlDecode(kit.share)
    const { device } = await RecoveringDevice.start(host.url, { vaultId: phone.vaultId, kitShare: share })
    await releaseWorkerShare(host, device, worker)
    offset += RECOVERY_KIT_WAIT_MS + 1
    const ready = await device.status()
    expect(ready.status).toBe('ready')
    expect(ready.host_share).toBeDefined()
    expect(ready.worker_share).toBeDefined()
    const {
      holder,
      kit: newKit,
      recovered,
    } = await device.complete({
      kitShare: share,
      root: parseKitQr(kit.qr)?.root as Uint8Array,
      worker,
    })
    expect(recovered.used[0]).toBe('kit')
    recoveredPhone = holder
    expect(holder.keyEpoch).toBe(3)
    const records = await holder.listRecords()
    expect(records).toHaveLength(2)
    for (const r of records)
      if (r.record_type === 'licence_conditions') expect((await holder.readRecord(r)).title).toContain(CANARY)
    // The lost phone's tokens and its key are refused.
    await expectProblem(phone.listRecords(), 401)
    await expect(phone.login()).rejects.toThrow()
    // The GP's grant still works: its receipt was re-signed by the new phone.
    expect(grantId).not.toBe('')
    // The GP's service signs its client assertions by its own (right) clock, so the host's clock
    // goes back to real time here; what is checked is the grant after the rotation, not time.
    offset = 0
    const gpRecords = await gpClient.records()
    expect(gpRecords).toHaveLength(1)
    const opened = await gpClient.readRecord(gpRecords[0] as NonNullable<(typeof gpRecords)[0]>, host.trusted)
    expect(opened.issuer).toBe('HMP Leeds Healthcare')
    // The old kit no longer starts a short recovery.
    await expectProblem(RecoveringDevice.start(host.url, { vaultId: phone.vaultId, kitShare: share }), 403, 'forbidden')
    expect(newKit.epoch).toBe(3)
  })

  it('[LOG-ENTRY-03][LOG-CLIENT-04][LOG-CLIENT-05] recovery events are typed leaves; the recovered phone checks every entry from the empty tree and judges them against the device chain', async () => {
    const synced = await recoveredPhone.vaultLog.sync()
    expect(synced.entries[0]?.index).toBe(0)
    expect(synced.entries.length).toBe(synced.trusted.size)
    const recoveryNames = ['recovery_started', 'recovery_cancelled', 'recovery_share_released', 'recovery_completed']
    expect(synced.entries.filter((e) => e.entry.type === 'host_event' && recoveryNames.includes(e.entry.name))).toEqual(
      [],
    )
    const findings = recoveryFindings(synced.entries, await recoveredPhone.deviceChain())
    expect(findings.filter((f) => f.type === 'recovery_started').length).toBeGreaterThanOrEqual(5)
    // Every start ended: four stopped by the phone, one completed.
    expect(findings.filter((f) => f.type === 'recovery_started' && !f.ended)).toEqual([])
    expect(findings.filter((f) => f.type === 'recovery_cancelled').every((f) => f.byHolderDevice)).toBe(true)
    expect(findings.filter((f) => f.type === 'recovery_share_released').map((f) => f.by)).toEqual(
      expect.arrayContaining(['worker', 'host']),
    )
    const completed = findings.filter((f) => f.type === 'recovery_completed')
    expect(completed).toEqual([expect.objectContaining({ inChain: true, startSeen: true })])
  })

  it('[LOG-CLIENT-04] the operator invents a completed or cancelled recovery: appended to the signed log, but the phone does not believe it', async () => {
    const size = (await recoveredPhone.vaultLog.sync()).trusted.size
    const [completed] = (await recoveredPhone.vaultLog.entries(0, size))
      .map((bytes) => decodeLogEntry(bytes))
      .filter((e) => e.type === 'recovery_completed')
    if (completed?.type !== 'recovery_completed') throw new Error('no completed recovery in the log')
    const stranger = new Uint8Array(32).fill(7)
    const invented = [
      { ...completed, at: Date.now(), deviceKeyId: stranger },
      { type: 'recovery_cancelled' as const, at: Date.now(), recoveryId: completed.recoveryId, deviceKeyId: stranger },
    ]
    for (const [i, entry] of invented.entries())
      await host.db
        .insertInto('access_log')
        .values({
          vault_id: recoveredPhone.vaultId,
          seq: size + i,
          at: entry.at,
          event: entry.type,
          actor: 'operator',
          details: '{}',
          prev_hash: 'x',
          hash: 'x',
          entry: encodeLogEntry(entry),
        })
        .execute()
    // The host signs the longer log (its leaves are append-only): the sync itself is consistent.
    const synced = await recoveredPhone.vaultLog.sync()
    expect(synced.entries.map((e) => e.entry.type)).toEqual(['recovery_completed', 'recovery_cancelled'])
    const findings = recoveryFindings(synced.entries, await recoveredPhone.deviceChain())
    expect(findings).toEqual([
      expect.objectContaining({ type: 'recovery_completed', inChain: false, startSeen: false }),
      expect.objectContaining({ type: 'recovery_cancelled', byHolderDevice: false }),
    ])
  })

  it('[LOG-CLIENT-03][LOG-CLIENT-04] the operator hides a recovery start: the phone that saw it raises the alarm, and a phone that never saw it says the new phone came without warning', async () => {
    const vaultId = recoveredPhone.vaultId
    const start = await host.db
      .selectFrom('access_log')
      .select(['seq', 'at'])
      .where('vault_id', '=', vaultId)
      .where('event', '=', 'recovery_started')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow()
    // The operator turns the last start into a harmless-looking event and rebuilds its tree.
    await host.db
      .updateTable('access_log')
      .set({ entry: encodeLogEntry({ type: 'host_event', name: 'vault_created', at: Number(start.at) }) })
      .where('vault_id', '=', vaultId)
      .where('seq', '=', start.seq)
      .execute()
    await host.db.deleteFrom('log_nodes').where('vault_id', '=', vaultId).execute()
    // The log grows (the holder writes), so the host signs a tree built on the rewritten leaf.
    await recoveredPhone.putRecord('medication_list', medicationList(), 'After the rewrite')
    const error = await recoveredPhone.vaultLog.sync().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: expect.stringMatching(/^LOG_/) })
    expect((await recoveredPhone.vaultLog.store.load())?.alarm).toBeDefined()
    // A phone meeting the log only now checks every entry: the completion has no start before it.
    const tablet = generateDeviceKeys()
    await recoveredPhone.enrolDevice({ signing: tablet.signing.publicKey, agreement: tablet.agreement.publicKey })
    const joined = await HolderClient.joinVault(host.url, tablet, vaultId, recoveredPhone.deviceId)
    const synced = await joined.vaultLog.sync()
    const findings = recoveryFindings(synced.entries, await recoveredPhone.deviceChain())
    expect(findings.filter((f) => f.type === 'recovery_completed' && f.inChain)).toEqual([
      expect.objectContaining({ startSeen: false }),
    ])
  })
})
