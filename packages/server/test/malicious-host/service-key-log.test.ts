import { checkReceipt, deviceLogEntryInChain, HoldallError, HolderClient } from '@holdall/client'
import { base64urlEncode, keyThumbprint } from '@holdall/crypto'
import { grantReceiptClaimsSchema } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { approvals, ask, grantWraps, recordingFetch, swapRequestAgreementKey } from './operator-keys.js'

/*
 * security.md 5.3 case 37: a service key substituted by the host (not the key the trust list
 * binds to the organisation: the product's stand-in for a fingerprint scanned in person) is
 * refused by the owner's client before it wraps any record key ([TRUST-KEY-02]); and, with the
 * verifiable log (issue 13 point 5), every service key that did get a record key is in the
 * holder's verified log, inside the receipt the holder signed, so the holder can audit it.
 */
describe('malicious host: a substituted service key, against the verified log (security.md 5.3 case 37)', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  const decodeReceiptClaims = (receipt: string) =>
    grantReceiptClaimsSchema.parse(JSON.parse(Buffer.from(receipt.split('.')[1] ?? '', 'base64url').toString('utf8')))

  it('[TRUST-KEY-02] case 37: the owner client refuses the host’s key before wrapping; the verified log names only the pinned key', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const gp = host.service(host.orgs.gp)
    const listed = host.trusted.byClientId(host.orgs.gp.identity.clientId)
    expect(listed).toBeDefined()
    const pinnedKeyId = base64urlEncode(keyThumbprint(listed?.agreementPublicKey as Uint8Array, 'X25519'))

    // The operator substitutes its own agreement key in the pending request.
    const { request } = await ask(holder, gp, ['medication_list'], 'Riverside 3701')
    const operatorKey = await swapRequestAgreementKey(host, request.request_id)
    const [swapped] = await holder.pendingRequests()
    expect(swapped?.agreement_key.x).toBe(base64urlEncode(operatorKey.publicKey))
    const refused = await holder.approve(swapped as typeof request, host.trust).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HoldallError)
    expect(refused).toMatchObject({ code: 'SERVICE_KEY_MISMATCH' })
    // Nothing was signed, wrapped or sent for it.
    expect(approvals(wire.calls)).toEqual([])
    expect(await grantWraps(host, holder.vaultId)).toBe(0)

    // The holder's verified log has no grant at all: no key received a record key.
    const first = await holder.vaultLog.sync()
    expect(first.entries.length).toBeGreaterThan(0)
    expect(first.entries.filter((e) => e.entry.type === 'grant_approved')).toEqual([])

    // The honest request: the holder wraps to the pinned key, and the log says which key that was.
    const honest = await ask(holder, gp, ['medication_list'], 'Riverside 3702')
    const grant = await holder.approve(honest.request, host.trust)
    const second = await holder.vaultLog.sync()
    const approved = second.entries.flatMap((e) => (e.entry.type === 'grant_approved' ? [e.entry] : []))
    expect(approved).toHaveLength(1)
    const receipt = new TextDecoder().decode(approved[0]?.receipt)
    expect(receipt).toBe(grant.receipt)
    const claims = decodeReceiptClaims(receipt)
    expect(claims.client_agreement_key_id).toBe(pinnedKeyId)
    expect(claims.client_agreement_key_id).not.toBe(base64urlEncode(keyThumbprint(operatorKey.publicKey, 'X25519')))
    // The holder's own check of that receipt (what the wallet shows) names the listed surgery.
    const device = { deviceId: holder.deviceId, signingPublicKey: holder.deviceKeys.signing.publicKey }
    expect(checkReceipt(receipt, host.trusted, device)).toMatchObject({
      name: 'Riverside Surgery',
      checked: true,
      reads: true,
      recordTypes: ['medication_list'],
    })
  })

  it('[TRUST-KEY-02] a receipt this device did not sign (one naming another service key) names nobody: never the listed name', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const gp = host.service(host.orgs.gp)
    const { request } = await ask(holder, gp, ['medication_list'], 'Riverside 3703')
    const grant = await holder.approve(request, host.trust)
    const device = { deviceId: holder.deviceId, signingPublicKey: holder.deviceKeys.signing.publicKey }
    // A receipt the holder's device did not sign (the host's forgery, or bytes changed) is not its.
    const [header, payload, signature] = grant.receipt.split('.')
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    const forged = [
      header,
      Buffer.from(
        JSON.stringify({ ...claims, client_agreement_key_id: base64urlEncode(new Uint8Array(32).fill(7)) }),
      ).toString('base64url'),
      signature,
    ].join('.')
    expect(checkReceipt(forged, host.trusted, device)).toBeUndefined()
    // Another device's key does not vouch for this device's receipt either.
    const other = await HolderClient.createVault(host.url)
    expect(
      checkReceipt(grant.receipt, host.trusted, {
        deviceId: holder.deviceId,
        signingPublicKey: other.deviceKeys.signing.publicKey,
      }),
    ).toBeUndefined()
  })

  it('[TRUST-KEY-02] a device entry counts only when its link names the holder-signed chain entry for that device', async () => {
    const holder = await HolderClient.createVault(host.url)
    const synced = await holder.vaultLog.sync()
    const added = synced.entries.flatMap((e) => (e.entry.type === 'device_added' ? [e.entry] : []))
    expect(added).toHaveLength(1)
    const entry = added[0] as (typeof added)[number]
    const chain = await holder.deviceChain()
    expect(deviceLogEntryInChain(entry, chain)).toBe(true)
    // The host's own entries: another device, a link to another entry or hash, or a removal.
    const otherDevice = new Uint8Array(32).fill(9)
    expect(deviceLogEntryInChain({ ...entry, deviceKeyId: otherDevice }, chain)).toBe(false)
    const badHash = entry.deviceListLink.slice()
    badHash[35] = (badHash[35] ?? 0) ^ 1
    expect(deviceLogEntryInChain({ ...entry, deviceListLink: badHash }, chain)).toBe(false)
    const otherSeq = entry.deviceListLink.slice()
    otherSeq[3] = 5
    expect(deviceLogEntryInChain({ ...entry, deviceListLink: otherSeq }, chain)).toBe(false)
    expect(deviceLogEntryInChain({ ...entry, type: 'device_removed' }, chain)).toBe(false)
    expect(deviceLogEntryInChain({ ...entry, deviceListLink: entry.deviceListLink.slice(0, 20) }, chain)).toBe(false)
  })
})
