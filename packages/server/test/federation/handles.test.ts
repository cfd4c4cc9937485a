import {
  HolderClient,
  MemoryHandlePinStore,
  publishHandle,
  resolveHandle,
  ServiceClient,
  signHandleRecord,
} from '@holdall/client'
import { base64urlEncode, generateDeviceKeys } from '@holdall/crypto'
import { HANDLE_WELL_KNOWN_PATH, type HandleDocument } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type HostPair, startHostPair } from '../support/host-processes.js'

/*
 * Issue 18, point 2: handles. `name@N` is issued by host N, resolved at its well-known path to a
 * record the holder's device signed, naming the vault's root and where it lives now. The host
 * stores and serves it but cannot make or change one: the tests play host A's operator editing
 * its own database and answers.
 */
describe('handles', () => {
  let pair: HostPair
  let holder: HolderClient
  const pins = new MemoryHandlePinStore()
  beforeAll(async () => {
    pair = await startHostPair()
    holder = await HolderClient.createVault(pair.a.url)
  }, 120_000)
  afterAll(async () => pair?.close())

  const put = (name: string, document: HandleDocument) =>
    fetch(`${pair.a.url}${HANDLE_WELL_KNOWN_PATH}/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
    })

  it('[FED-HANDLE-01][FED-HANDLE-02] the holder publishes jordan@1 on host A; a resolver checks the signed record', async () => {
    const record = await publishHandle(holder, 'jordan@1', holder.hostUrl, pair.trusted)
    expect(record.seq).toBe(1)
    const resolved = await resolveHandle('jordan@1', pair.trusted, { pins })
    expect(resolved).toMatchObject({ hostUrl: pair.a.url, vaultId: holder.vaultId, seq: 1 })
    expect(resolved.rootFingerprint).toBe(holder.rootFingerprint)
  })

  it('[FED-HANDLE-06] a GP that knows only the handle asks the holder, who approves; the GP reads', async () => {
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const resolved = await resolveHandle('jordan@1', pair.trusted)
    const gp = ServiceClient.forHandle(resolved, pair.orgs.gp.identity)
    const waiting = holder.waitForRequest(10_000)
    const { authReqId } = await gp.requestAccess({
      handle: resolved,
      bindingMessage: 'Riverside 7',
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
    const [request] = await waiting
    await holder.approve(request as NonNullable<typeof request>, pair.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    expect((await gp.records()).map((r) => r.record_type)).toEqual(['medication_list'])
    // The same record sent to host B, which does not hold the vault, names nobody there.
    const elsewhere = new ServiceClient(pair.b.url, pair.orgs.gp.identity)
    await expect(
      elsewhere.requestAccess({
        handle: resolved,
        bindingMessage: 'Riverside 8',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'x',
            duration_days: 1,
          },
        ],
      }),
    ).rejects.toMatchObject({ error: 'unknown_user_id' })
  })

  it('[FED-HANDLE-01] a handle is first come: another vault cannot take it, a vault on another host cannot be given one', async () => {
    const other = await HolderClient.createVault(pair.a.url)
    await expect(publishHandle(other, 'jordan@1', other.hostUrl, pair.trusted)).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    })
    const onB = await HolderClient.createVault(pair.b.url)
    await expect(publishHandle(onB, 'sam-b@1', onB.hostUrl, pair.trusted)).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    })
  })

  it('[FED-HANDLE-04] re-pointing (what a move calls): a higher seq under the same root names the new host', async () => {
    const record = await publishHandle(holder, 'jordan@1', pair.b.url, pair.trusted)
    expect(record.seq).toBe(2)
    const resolved = await resolveHandle('jordan@1', pair.trusted, { pins })
    expect(resolved).toMatchObject({ hostUrl: pair.b.url, seq: 2 })
    // Replaying the first record is refused by the host...
    const chain = (await holder.deviceChain()).entries.map((e) => base64urlEncode(e.bytes))
    const replay = signHandleRecord(
      {
        handle: 'jordan@1',
        vault_id: holder.vaultId,
        root: holder.rootFingerprint,
        host_url: pair.a.url,
        seq: 2,
        iat: 1,
      },
      holder.deviceKeys.signing,
    )
    expect((await put('jordan', { record: replay, device_chain: chain })).status).toBe(409)
  })

  it('[FED-HANDLE-05] a chain older than the one the handle was last signed under cannot re-point it', async () => {
    const oldChain = (await holder.deviceChain()).entries.map((e) => base64urlEncode(e.bytes))
    const tablet = generateDeviceKeys()
    await holder.enrolDevice({ signing: tablet.signing.publicKey, agreement: tablet.agreement.publicKey })
    await publishHandle(holder, 'jordan@1', pair.b.url, pair.trusted) // seq 3, stored with the longer chain
    const stale = signHandleRecord(
      {
        handle: 'jordan@1',
        vault_id: holder.vaultId,
        root: holder.rootFingerprint,
        host_url: 'http://127.0.0.1:9',
        seq: 4,
        iat: 1,
      },
      holder.deviceKeys.signing,
    )
    const response = await put('jordan', { record: stale, device_chain: oldChain })
    expect(response.status).toBe(409)
    expect(((await response.json()) as { code: string }).code).toBe('conflict')
  })

  it('[FED-HANDLE-02] bad input: a record signed by a key outside the chain, or for another name, is refused 422', async () => {
    const chain = (await holder.deviceChain()).entries.map((e) => base64urlEncode(e.bytes))
    const stranger = generateDeviceKeys()
    const record = {
      handle: 'jordan@1',
      vault_id: holder.vaultId,
      root: holder.rootFingerprint,
      host_url: 'http://127.0.0.1:9',
      seq: 99,
      iat: 1,
    }
    const forged = await put('jordan', { record: signHandleRecord(record, stranger.signing), device_chain: chain })
    expect(forged.status).toBe(422)
    const misnamed = await put('jordan-x', {
      record: signHandleRecord(record, holder.deviceKeys.signing),
      device_chain: chain,
    })
    expect(misnamed.status).toBe(422)
    const garbage = await put('jordan', { record: 'a.b.c', device_chain: ['x'] })
    expect(garbage.status).toBe(422)
    expect(((await garbage.json()) as { code: string }).code).toBe('signature_invalid')
  })

  it("[FED-HANDLE-03] host A's operator edits its database to point the handle elsewhere: resolvers refuse it", async () => {
    const db = await pair.database(pair.a)
    try {
      const row = await db.selectFrom('handles').selectAll().where('name', '=', 'jordan').executeTakeFirstOrThrow()
      const [h, p, s] = row.record.split('.') as [string, string, string]
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
      // 1. The record's host changed, the holder's signature kept.
      const moved = `${h}.${Buffer.from(JSON.stringify({ ...payload, host_url: 'http://127.0.0.1:9', seq: 50 })).toString('base64url')}.${s}`
      await db.updateTable('handles').set({ record: moved }).where('name', '=', 'jordan').execute()
      await expect(resolveHandle('jordan@1', pair.trusted, { pins })).rejects.toMatchObject({ code: 'HANDLE_INVALID' })
      // 2. A vault of the operator's own, with a record its own device signed: another root.
      const own = await HolderClient.createVault(pair.a.url)
      const ownChain = (await own.deviceChain()).entries.map((e) => base64urlEncode(e.bytes))
      const ownRecord = signHandleRecord(
        {
          handle: 'jordan@1',
          vault_id: own.vaultId,
          root: own.rootFingerprint,
          host_url: 'http://127.0.0.1:9',
          seq: 60,
          iat: 1,
        },
        own.deviceKeys.signing,
      )
      await db
        .updateTable('handles')
        .set({ record: ownRecord, device_chain: JSON.stringify(ownChain) })
        .where('name', '=', 'jordan')
        .execute()
      await expect(resolveHandle('jordan@1', pair.trusted, { pins })).rejects.toMatchObject({
        code: 'HANDLE_ROOT_CHANGED',
      })
      // 3. The holder's own first record, served again: older than the pinned seq.
      await db
        .updateTable('handles')
        .set({ record: row.record, device_chain: row.device_chain })
        .where('name', '=', 'jordan')
        .execute()
      await expect(resolveHandle('jordan@1', pair.trusted, { pins })).resolves.toMatchObject({ seq: 3 })
      const first = signHandleRecord(
        {
          handle: 'jordan@1',
          vault_id: holder.vaultId,
          root: holder.rootFingerprint,
          host_url: pair.a.url,
          seq: 1,
          iat: 1,
        },
        holder.deviceKeys.signing,
      )
      await db.updateTable('handles').set({ record: first }).where('name', '=', 'jordan').execute()
      await expect(resolveHandle('jordan@1', pair.trusted, { pins })).rejects.toMatchObject({
        code: 'HANDLE_ROLLBACK',
      })
    } finally {
      await db.destroy()
    }
  })
  it("[MIG-HANDLE-01] moveTo re-points the holder's handle: a service resolving it afterwards reaches host B", async () => {
    const leaver = await HolderClient.createVault(pair.a.url)
    await leaver.putRecord('medication_list', medicationList(), 'Medicines')
    await publishHandle(leaver, 'sam@1', leaver.hostUrl, pair.trusted)
    const resolverPins = new MemoryHandlePinStore()
    expect(await resolveHandle('sam@1', pair.trusted, { pins: resolverPins })).toMatchObject({ hostUrl: pair.a.url })
    const moved = await leaver.moveTo(pair.b.url, { handles: { names: ['sam@1'], trusted: pair.trusted } })
    const resolved = await resolveHandle('sam@1', pair.trusted, { pins: resolverPins })
    expect(resolved).toMatchObject({ hostUrl: pair.b.url, vaultId: leaver.vaultId, seq: 2 })
    const gp = ServiceClient.forHandle(resolved, pair.orgs.gp.identity)
    const waiting = moved.waitForRequest(10_000)
    const { authReqId } = await gp.requestAccess({
      handle: resolved,
      bindingMessage: 'Riverside 9',
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
    const [request] = await waiting
    await moved.approve(request as NonNullable<typeof request>, pair.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    expect((await gp.records()).map((r) => r.record_type)).toEqual(['medication_list'])
  })
})
