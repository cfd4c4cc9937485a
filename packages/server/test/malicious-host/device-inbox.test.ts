import { HolderClient, IssuerClient, MemoryHolderPinStore } from '@holdall/client'
import { base64urlDecode, generateDeviceKeys, nextDeviceChainEntry, verifyDeviceChain } from '@holdall/crypto'
import { parsePairingQr } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { Operator, pairAndApprove, recordingFetch } from './operator-devices.js'

/*
 * Attack 2 of issue 12, on the issuer's side: the host's operator tries to get a deposit wrapped
 * to an inbox key of its own, by adding a "device" of its own to the vault. Each test edits only
 * the host's database, then asserts that the issuer SDK refuses with a stable code before any
 * envelope or wrap leaves it (no blob upload, no deposit).
 */

describe('malicious host: device and inbox key injection against an issuer', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host.close())

  const issuerWithRecorder = (pins = new MemoryHolderPinStore()) => {
    const recorder = recordingFetch()
    const issuer = new IssuerClient(host.url, host.orgs.prisonHealthcare.identity, recorder.fetch, { pins })
    const uploads = () =>
      recorder.requests.filter((r) => r.startsWith('PUT /grant/blobs') || r === 'POST /grant/deposits')
    return { issuer, uploads }
  }
  const deposit = (issuer: IssuerClient) => issuer.deposit('medication_list', medicationList(), 'Medicines on release')

  it('[CRY-CHAIN-01][CRY-STMT-01][PAIR-ROOT-01] the honest path: the issuer pins the root from the QR code and deposits', async () => {
    const holder = await HolderClient.createVault(host.url)
    const pins = new MemoryHolderPinStore()
    const { issuer, uploads } = issuerWithRecorder(pins)
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding: 'HMP Leeds 1001',
    })
    await issuer.waitForDecision(authReqId, { intervalMs: 50 })
    await deposit(issuer)
    expect(uploads()).toHaveLength(2)
    expect((await pins.get(holder.vaultId))?.root).toBe(holder.rootFingerprint)
    expect(await holder.inbox()).toHaveLength(1)
    // What the phone shows comes from its own chain: the QR text carries the root, the safety code its first 80 bits.
    const shown = await holder.createPairingCode()
    expect(parsePairingQr(shown.qr)).toEqual({ code: shown.code, rootFingerprint: holder.rootFingerprint })
    expect(shown.safetyCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){3}$/)
  })

  it('[CRY-CHAIN-04][PAIR-ROOT-02] the typed path: a safety code ties the first contact to the root, a typed code alone does not', async () => {
    const holder = await HolderClient.createVault(host.url)
    const typed = issuerWithRecorder()
    const first = await pairAndApprove(holder, typed.issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      show: 'safety-code',
      binding: 'HMP Leeds 1002',
    })
    await typed.issuer.waitForDecision(first.authReqId, { intervalMs: 50 })
    await deposit(typed.issuer)
    const bare = issuerWithRecorder()
    const second = await pairAndApprove(holder, bare.issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      show: 'code-only',
      binding: 'HMP Leeds 1003',
    })
    await expect(bare.issuer.waitForDecision(second.authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      name: 'HoldallError',
      code: 'HOLDER_ROOT_UNKNOWN',
    })
    await expect(deposit(bare.issuer)).rejects.toMatchObject({ code: 'HOLDER_ROOT_UNKNOWN' })
    expect(bare.uploads()).toEqual([])
  })

  it('[CRY-CHAIN-02][CHAIN-READ-01] a device row and a self-signed chain entry added by the operator: refused', async () => {
    const holder = await HolderClient.createVault(host.url)
    const operator = new Operator(host)
    const { issuer, uploads } = issuerWithRecorder()
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding: 'HMP Leeds 1004',
    })
    await operator.addDeviceRow(holder.vaultId)
    await operator.appendOwnDevice(holder.vaultId)
    await operator.swapInbox(holder.vaultId)
    await expect(issuer.waitForDecision(authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      code: 'DEVICE_CHAIN_INVALID',
      cause: { code: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER' },
    })
    await expect(deposit(issuer)).rejects.toMatchObject({ code: 'DEVICE_CHAIN_INVALID' })
    expect(uploads()).toEqual([])
  })

  it('[CRY-STMT-01][CHAIN-READ-01] an inbox key signed by a device row the operator added (chain untouched): refused', async () => {
    const holder = await HolderClient.createVault(host.url)
    const operator = new Operator(host)
    const { issuer, uploads } = issuerWithRecorder()
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding: 'HMP Leeds 1005',
    })
    await issuer.waitForDecision(authReqId, { intervalMs: 50 })
    await operator.addDeviceRow(holder.vaultId)
    await operator.swapInbox(holder.vaultId)
    await expect(deposit(issuer)).rejects.toMatchObject({ name: 'HoldallError', code: 'INBOX_KEY_UNVERIFIED' })
    expect(uploads()).toEqual([])
  })

  it('[CRY-CHAIN-03][CHAIN-READ-01] a swapped root (the operator’s own chain, with the holder’s device in it): refused at first contact, QR or safety code', async () => {
    for (const show of ['qr', 'safety-code'] as const) {
      const holder = await HolderClient.createVault(host.url)
      const operator = new Operator(host)
      const { issuer, uploads } = issuerWithRecorder()
      const { authReqId } = await pairAndApprove(holder, issuer, {
        trust: host.trust,
        action: 'deposit',
        recordTypes: ['medication_list'],
        show,
        binding: `HMP Leeds 11${show.length}`,
      })
      await operator.swapRoot(holder.vaultId, holder.deviceKeys)
      await operator.swapInbox(holder.vaultId)
      await expect(issuer.waitForDecision(authReqId, { intervalMs: 50 })).rejects.toMatchObject({
        code: 'HOLDER_ROOT_MISMATCH',
      })
      await expect(deposit(issuer)).rejects.toMatchObject({ code: 'HOLDER_ROOT_MISMATCH' })
      expect(uploads()).toEqual([])
    }
  })

  it('[CRY-CHAIN-03][PAIR-ROOT-02] a swapped root after the issuer pinned the holder: refused loudly, never re-pinned', async () => {
    const holder = await HolderClient.createVault(host.url)
    const operator = new Operator(host)
    const pins = new MemoryHolderPinStore()
    const { issuer, uploads } = issuerWithRecorder(pins)
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding: 'HMP Leeds 1006',
    })
    await issuer.waitForDecision(authReqId, { intervalMs: 50 })
    const pinned = await pins.get(holder.vaultId)
    await operator.swapRoot(holder.vaultId, holder.deviceKeys)
    await operator.swapInbox(holder.vaultId)
    await expect(deposit(issuer)).rejects.toMatchObject({ code: 'HOLDER_ROOT_CHANGED' })
    // A new pairing with only a typed code cannot talk the issuer into the new root either.
    const again = issuerWithRecorder(pins)
    const second = await pairAndApprove(holder, again.issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      show: 'code-only',
      binding: 'HMP Leeds 1007',
    })
    await expect(again.issuer.waitForDecision(second.authReqId, { intervalMs: 50 })).rejects.toMatchObject({
      code: 'HOLDER_ROOT_CHANGED',
    })
    expect(await pins.get(holder.vaultId)).toEqual(pinned)
    expect([...uploads(), ...again.uploads()]).toEqual([])
  })

  it('[CRY-CHAIN-01][CHAIN-READ-01] a removed device’s key (say, a stolen phone the operator now holds) cannot vouch for an inbox key or add a device', async () => {
    const holder = await HolderClient.createVault(host.url)
    const stolen = generateDeviceKeys()
    await holder.enrolDevice({ signing: stolen.signing.publicKey, agreement: stolen.agreement.publicKey })
    const operator = new Operator(host)
    const pins = new MemoryHolderPinStore()
    const { issuer, uploads } = issuerWithRecorder(pins)
    const { authReqId } = await pairAndApprove(holder, issuer, {
      trust: host.trust,
      action: 'deposit',
      recordTypes: ['medication_list'],
      binding: 'HMP Leeds 1008',
    })
    await issuer.waitForDecision(authReqId, { intervalMs: 50 })
    // The holder removes the lost phone: a removal entry signed by the remaining device, stored
    // as the host stores entries (the removal flow itself is a later issue).
    const entries = await operator.chain(holder.vaultId)
    const chain = verifyDeviceChain(entries.map(base64urlDecode), { vaultId: base64urlDecode(holder.vaultId) })
    const removal = nextDeviceChainEntry(
      chain,
      { operation: 'remove', subjectSigningKey: stolen.signing.publicKey },
      holder.deviceKeys.signing.secretKey,
    )
    await operator.writeChain(holder.vaultId, [...entries, removal])
    await expect(deposit(issuer)).resolves.toBeDefined() // the honest removal verifies; head moves on
    // The operator signs an inbox statement with the removed phone's key.
    await operator.swapInbox(holder.vaultId, stolen.signing.secretKey)
    await expect(deposit(issuer)).rejects.toMatchObject({ code: 'INBOX_KEY_UNVERIFIED' })
    // And chains its own device in with the removed phone's key.
    await operator.appendOwnDevice(holder.vaultId, stolen.signing.secretKey)
    await expect(deposit(issuer)).rejects.toMatchObject({
      code: 'DEVICE_CHAIN_INVALID',
      cause: { code: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER' },
    })
    expect(uploads()).toHaveLength(2) // the one honest deposit only
  })
})
