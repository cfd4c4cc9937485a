import { HolderClient, IssuerClient, MemoryHolderPinStore } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { Operator, pairAndApprove, recordingFetch } from './operator-devices.js'

/*
 * The operator serves an older, shorter, reordered or padded device chain to a party that has
 * already seen a newer head. (To a party that has seen no head, an older but genuine chain cannot
 * be told from the current one: spec 7.2 says so.) The holder's own SDK checks the chain too.
 */

describe('malicious host: truncated, replayed and reordered device chains', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host.close())

  /** A holder with three devices in its chain (entries 0 to 2), and an issuer that pinned that head. */
  const setup = async (binding: string) => {
    const holder = await HolderClient.createVault(host.url)
    for (let i = 0; i < 2; i++) {
      const device = generateDeviceKeys()
      await holder.enrolDevice({ signing: device.signing.publicKey, agreement: device.agreement.publicKey })
    }
    const recorder = recordingFetch()
    const pins = new MemoryHolderPinStore()
    const issuer = new IssuerClient(host.url, host.orgs.prisonHealthcare.identity, recorder.fetch, { pins })
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding,
    })
    await issuer.waitForDecision(authReqId, { intervalMs: 50 })
    const operator = new Operator(host)
    const entries = await operator.chain(holder.vaultId)
    expect(entries).toHaveLength(3)
    expect((await pins.get(holder.vaultId))?.headSeq).toBe(2)
    const uploads = () => recorder.requests.filter((r) => r.startsWith('PUT /grant/blobs'))
    const deposit = () => issuer.deposit('medication_list', medicationList(), 'Medicines on release')
    return { holder, issuer, operator, entries, uploads, deposit }
  }

  it('[CRY-CHAIN-03][CHAIN-READ-02] a truncated chain (an old snapshot replayed) is refused by a party that saw the newer head', async () => {
    const s = await setup('HMP Leeds 3001')
    await s.operator.writeChain(s.holder.vaultId, s.entries.slice(0, 2))
    await expect(s.deposit()).rejects.toMatchObject({ code: 'DEVICE_CHAIN_ROLLBACK' })
    await s.operator.writeChain(s.holder.vaultId, s.entries.slice(0, 1))
    await expect(s.deposit()).rejects.toMatchObject({ code: 'DEVICE_CHAIN_ROLLBACK' })
    expect(s.uploads()).toEqual([])
  })

  it('[CRY-CHAIN-02][CHAIN-READ-02] reordered entries, and an old entry replayed at the end, are refused', async () => {
    const s = await setup('HMP Leeds 3002')
    const [a, b, c] = s.entries as [string, string, string]
    await s.operator.writeChain(s.holder.vaultId, [a, c, b])
    await expect(s.deposit()).rejects.toMatchObject({
      code: 'DEVICE_CHAIN_INVALID',
      cause: { code: 'DEVICE_CHAIN_LINK_BROKEN' },
    })
    await s.operator.writeChain(s.holder.vaultId, [a, b, c, b])
    await expect(s.deposit()).rejects.toMatchObject({
      code: 'DEVICE_CHAIN_INVALID',
      cause: { code: 'DEVICE_CHAIN_LINK_BROKEN' },
    })
    expect(s.uploads()).toEqual([])
    // Served whole again, the chain is accepted: nothing was pinned from the refused ones.
    await s.operator.writeChain(s.holder.vaultId, s.entries)
    await expect(s.deposit()).resolves.toBeDefined()
  })

  it('[CRY-CHAIN-03][CHAIN-READ-01] the holder’s own device refuses a swapped root and an injected device', async () => {
    const holder = await HolderClient.createVault(host.url)
    const root = holder.rootFingerprint
    const operator = new Operator(host)
    const entries = await operator.chain(holder.vaultId)
    await operator.addDeviceRow(holder.vaultId)
    await operator.appendOwnDevice(holder.vaultId)
    await expect(holder.deviceChain()).rejects.toMatchObject({ code: 'DEVICE_CHAIN_INVALID' })
    await operator.swapRoot(holder.vaultId, holder.deviceKeys)
    await expect(holder.deviceChain()).rejects.toMatchObject({ code: 'HOLDER_ROOT_CHANGED' })
    // Reopened from the root the wallet stored, on a fresh pin store: still refused.
    await expect(
      HolderClient.open(host.url, holder.deviceKeys, holder.vaultId, fetch, { rootFingerprint: root }),
    ).rejects.toMatchObject({ code: 'HOLDER_ROOT_MISMATCH' })
    await operator.writeChain(holder.vaultId, entries)
    const reopened = await HolderClient.open(host.url, holder.deviceKeys, holder.vaultId, fetch, {
      rootFingerprint: root,
    })
    expect(reopened.rootFingerprint).toBe(root)
  })
})
