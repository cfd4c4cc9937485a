import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  acceptTrustListDocument,
  fetchTrustList,
  HoldallError,
  signTrustKeyRotation,
  signTrustList,
  trustPin,
} from '@holdall/client'
import { base64urlDecode, base64urlEncode, generateSigningKeyPair } from '@holdall/crypto'
import { TRUST_LIST_WELL_KNOWN_PATH, type TrustList, type TrustListDocument } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HostPair, startHostPair } from '../support/host-processes.js'

/*
 * Issue 18, point 1: the trust list is the same signed document everywhere. Each host mirrors the
 * operator's list at a well-known path; the SDK pins the operator's key and the newest list it
 * accepted, and refuses a host's tampered, differently signed or older list. The operator rotates
 * its key with an overlap: the old key signs a statement vouching for the new one.
 */

/** A fetch that answers the well-known trust list path with `document`, as a malicious host would. */
function hostServing(document: TrustListDocument): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    if (String(input).endsWith(TRUST_LIST_WELL_KNOWN_PATH))
      return new Response(JSON.stringify(document), { headers: { 'content-type': 'application/json' } })
    return new Response('', { status: 404 })
  }) as typeof fetch
}

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof HoldallError ? error.code : String(error)
  }
  return undefined
}

describe('one signed trust list on every host', () => {
  let pair: HostPair
  beforeAll(async () => {
    pair = await startHostPair()
  }, 120_000)
  afterAll(async () => pair?.close())

  it('[FED-TRUST-01][FED-TRUST-02] both hosts mirror the operator-signed bytes at the well-known path', async () => {
    for (const host of pair.hosts) {
      const response = await fetch(`${host.url}${TRUST_LIST_WELL_KNOWN_PATH}`)
      expect(response.status).toBe(200)
      const document = (await response.json()) as TrustListDocument
      expect(document).toEqual({ trust_list: pair.trustListJws, key_rotations: [] })
      const { trusted, pin } = await fetchTrustList(host.url, trustPin(pair.operator.publicKey))
      expect(trusted.list.hosts?.map((h) => h.url)).toEqual([pair.a.url, pair.b.url])
      expect(pin.newestIat).toBe(pair.trustList.iat)
    }
  })

  it('[FED-TRUST-03] a host serving a tampered list, or one signed by another key, is refused by the SDK', async () => {
    const pin = trustPin(pair.operator.publicKey)
    // Tampered: the payload changed (a host of the operator's own adding), the signature kept.
    const [h, p, s] = pair.trustListJws.split('.') as [string, string, string]
    const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(p))) as TrustList
    payload.hosts = [...(payload.hosts ?? []), { number: 3, url: 'http://127.0.0.1:9', name: 'Evil host' }]
    const tampered = `${h}.${base64urlEncode(new TextEncoder().encode(JSON.stringify(payload)))}.${s}`
    await expect(
      fetchTrustList(pair.a.url, pin, hostServing({ trust_list: tampered, key_rotations: [] })),
    ).rejects.toMatchObject({ code: 'TRUST_LIST_INVALID' })
    // Re-signed by the host operator's own key: well formed, and refused.
    const impostor = generateSigningKeyPair()
    const resigned = signTrustList(payload, impostor.secretKey)
    await expect(
      fetchTrustList(pair.a.url, pin, hostServing({ trust_list: resigned, key_rotations: [] })),
    ).rejects.toMatchObject({ code: 'TRUST_LIST_INVALID' })
    // ... even with a "rotation" to its key that the impostor signed itself.
    const fakeRotation = signTrustKeyRotation({
      oldKey: impostor,
      newKey: impostor.publicKey,
      oldKeyUntil: payload.iat + 10,
    })
    await expect(
      fetchTrustList(pair.a.url, pin, hostServing({ trust_list: resigned, key_rotations: [fakeRotation] })),
    ).rejects.toMatchObject({ code: 'TRUST_LIST_INVALID' })
  })

  it('[FED-TRUST-05] an older list than one already accepted is a rollback, refused', () => {
    const older = signTrustList({ ...pair.trustList, iat: pair.trustList.iat - 3600 }, pair.operator.secretKey)
    const pinned = { ...trustPin(pair.operator.publicKey), newestIat: pair.trustList.iat }
    expect(code(() => acceptTrustListDocument({ trust_list: older, key_rotations: [] }, pinned))).toBe(
      'TRUST_LIST_ROLLBACK',
    )
    // The same list again is no rollback.
    expect(acceptTrustListDocument({ trust_list: pair.trustListJws, key_rotations: [] }, pinned).pin.newestIat).toBe(
      pair.trustList.iat,
    )
  })

  it('[FED-TRUST-04] a rotation: the host serves the new list and the statement; the SDK follows and re-pins, with an overlap for the old key', async () => {
    const oldKey = pair.operator
    const newKey = generateSigningKeyPair()
    const iat = pair.trustList.iat + 60
    const overlapUntil = iat + 7 * 86_400
    const rotation = signTrustKeyRotation({ oldKey, newKey: newKey.publicKey, oldKeyUntil: overlapUntil }, iat)
    const newList: TrustList = { ...pair.trustList, iat }
    const newJws = signTrustList(newList, newKey.secretKey)
    // The operator publishes; host B's operator puts the files in place and restarts it.
    const listFile = join(pair.b.dataDir, 'rotated-trust-list.jws')
    const rotationsFile = join(pair.b.dataDir, 'trust-key-rotations')
    writeFileSync(listFile, newJws)
    writeFileSync(rotationsFile, `${rotation}\n`)
    await pair.b.restart({ HOLDALL_TRUST_LIST_FILE: listFile, HOLDALL_TRUST_KEY_ROTATIONS_FILE: rotationsFile })

    const before = trustPin(oldKey.publicKey)
    const { trusted, pin } = await fetchTrustList(pair.b.url, before)
    expect(trusted.list.iat).toBe(iat)
    expect(Buffer.from(pin.operatorKey).equals(Buffer.from(newKey.publicKey))).toBe(true)
    expect(pin.retired?.until).toBe(overlapUntil)
    // Host A still serves the old key's list: within the overlap, but older than the pinned one.
    await expect(fetchTrustList(pair.a.url, pin)).rejects.toMatchObject({ code: 'TRUST_LIST_ROLLBACK' })
    // A client that never saw the rotation still accepts A's list (the old key is valid).
    await expect(fetchTrustList(pair.a.url, before)).resolves.toBeDefined()
    // Within the window the old key may still sign; after it, never.
    const inWindow = signTrustList({ ...pair.trustList, iat: overlapUntil }, oldKey.secretKey)
    expect(acceptTrustListDocument({ trust_list: inWindow, key_rotations: [] }, pin).trusted.list.iat).toBe(
      overlapUntil,
    )
    const late = signTrustList({ ...pair.trustList, iat: overlapUntil + 1 }, oldKey.secretKey)
    expect(code(() => acceptTrustListDocument({ trust_list: late, key_rotations: [] }, pin))).toBe('TRUST_LIST_INVALID')
    await pair.b.restart({ HOLDALL_TRUST_LIST_FILE: pair.trustListFile, HOLDALL_TRUST_KEY_ROTATIONS_FILE: '' })
  })

  it('[FED-TRUST-02] a host refuses to start with a list its anchor did not sign, or a rotation by another key', async () => {
    const impostor = generateSigningKeyPair()
    const listFile = join(pair.a.dataDir, 'impostor-list.jws')
    writeFileSync(listFile, signTrustList(pair.trustList, impostor.secretKey))
    await expect(pair.a.restart({ HOLDALL_TRUST_LIST_FILE: listFile })).rejects.toThrow(/does not verify/)
    const rotationsFile = join(pair.a.dataDir, 'impostor-rotations')
    writeFileSync(
      rotationsFile,
      signTrustKeyRotation({ oldKey: impostor, newKey: impostor.publicKey, oldKeyUntil: pair.trustList.iat }),
    )
    await expect(
      pair.a.restart({ HOLDALL_TRUST_LIST_FILE: pair.trustListFile, HOLDALL_TRUST_KEY_ROTATIONS_FILE: rotationsFile }),
    ).rejects.toThrow(/does not verify/)
    await pair.a.restart({ HOLDALL_TRUST_LIST_FILE: pair.trustListFile, HOLDALL_TRUST_KEY_ROTATIONS_FILE: '' })
  })
})
