import { HolderClient, MemoryHolderPinStore, ServiceClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { Operator, pairAndApprove, recordingFetch } from './operator-devices.js'

/*
 * Attack 2 of issue 12, on the service's side: the host's operator forges a grant receipt with a
 * device key it injected, or swaps the vault's device list, so that a service would take a grant
 * the holder never signed. Each test edits only the host's database and asserts that the service
 * SDK refuses with a stable code and fetches no record.
 */

describe('malicious host: forged grant receipts against a service', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host.close())

  const setup = async (binding: string, pins = new MemoryHolderPinStore()) => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const recorder = recordingFetch()
    const gp = new ServiceClient(host.url, host.orgs.gp.identity, recorder.fetch, { pins })
    const reads = () => recorder.requests.filter((r) => r.startsWith('GET /grant/blobs') || r === 'GET /grant/records')
    const operator = new Operator(host)
    const paired = await pairAndApprove(holder, gp, {
      trust: host.trust,
      action: 'read',
      recordTypes: ['medication_list'],
      binding,
    })
    return { holder, gp, reads, operator, ...paired, pins }
  }

  it('[CRY-CHAIN-01] the honest path: the receipt verifies under a device of the pinned chain, and the GP reads', async () => {
    const s = await setup('Riverside 2001')
    const grant = await s.gp.waitForDecision(s.authReqId, { intervalMs: 50 })
    expect(grant.holderDevices.map((d) => d.signingKey)).toEqual([s.holder.deviceKeys.signing.publicKey])
    const [view] = await s.gp.records()
    const opened = await s.gp.readRecord(view as NonNullable<typeof view>, host.trusted)
    expect(opened.issuer).toBe('the holder')
  })

  it('[CRY-CHAIN-02][CHAIN-READ-01] a receipt re-signed by a device the operator added to the chain itself: refused', async () => {
    const s = await setup('Riverside 2002')
    await s.operator.addDeviceRow(s.holder.vaultId)
    await s.operator.appendOwnDevice(s.holder.vaultId)
    await s.operator.forgeReceipt(s.grantId)
    await expect(s.gp.waitForDecision(s.authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      name: 'HoldallError',
      code: 'DEVICE_CHAIN_INVALID',
    })
    expect(s.reads()).toEqual([])
  })

  it('[CHAIN-READ-01] a receipt signed by a device row the operator added (chain untouched): refused', async () => {
    const s = await setup('Riverside 2003')
    await s.operator.addDeviceRow(s.holder.vaultId)
    await s.operator.forgeReceipt(s.grantId)
    await expect(s.gp.waitForDecision(s.authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      code: 'RECEIPT_UNVERIFIED',
    })
    expect(s.reads()).toEqual([])
  })

  it('[CRY-CHAIN-03][CHAIN-READ-01] a receipt signed by the root of a chain the operator made: refused at first contact', async () => {
    const s = await setup('Riverside 2004')
    await s.operator.swapRoot(s.holder.vaultId, s.holder.deviceKeys)
    await s.operator.forgeReceipt(s.grantId)
    await expect(s.gp.waitForDecision(s.authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      code: 'HOLDER_ROOT_MISMATCH',
    })
    expect(s.reads()).toEqual([])
  })

  it('[CRY-CHAIN-03][CHAIN-READ-01] after the GP pinned the holder, a swapped root and forged receipt stop every read', async () => {
    const s = await setup('Riverside 2005')
    await s.gp.waitForDecision(s.authReqId, { intervalMs: 50 })
    const [view] = await s.gp.records()
    const readsBefore = s.reads().length
    await s.operator.swapRoot(s.holder.vaultId, s.holder.deviceKeys)
    await s.operator.forgeReceipt(s.grantId)
    await expect(s.gp.grant()).rejects.toMatchObject({ code: 'HOLDER_ROOT_CHANGED' })
    await expect(s.gp.readRecord(view as NonNullable<typeof view>, host.trusted)).rejects.toMatchObject({
      code: 'HOLDER_ROOT_CHANGED',
    })
    expect(s.reads()).toHaveLength(readsBefore)
  })
})
