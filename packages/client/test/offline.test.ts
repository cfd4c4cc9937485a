import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  base45Decode,
  base64urlDecode,
  base64urlEncode,
  decodeOfflineShareText,
  generateDataKey,
  generateDeviceKeys,
  generateId,
  generateSigningKeyPair,
  keyThumbprint,
} from '@holdall/crypto'
import type { RecordPayload } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import {
  HostClock,
  MemoryOfflineNonceStore,
  makeOfflineShare,
  mayShowOffline,
  OFFLINE_REFUSAL_REASONS,
  type OfflineRecordCopy,
  sealRecord,
  verifyOfflineShare,
  verifyTrustList,
} from '../src/index.js'

/*
 * Offline shares (spec chapter 10): the vectors of protocol-spec/vectors/holdall/offline-qr.json,
 * then the holder's side (what goes in a share, which clock) and the reader's own rules.
 */
const root = join(import.meta.dirname, '..', '..', '..')
const vectors = JSON.parse(readFileSync(join(root, 'protocol-spec/vectors/holdall/offline-qr.json'), 'utf8'))
const trusted = verifyTrustList(vectors.trustList, base64urlDecode(vectors.operatorPublicKey), vectors.readerTime)
const atReader = () => vectors.readerTime as number
/** A fetch that fails the test if a reader ever calls it: readers make no request to the holder's host. */
const noNetwork = () => {
  throw new Error('the reader made a network request')
}

describe('offline share vectors', () => {
  it('[OFF-FMT-02] base45 encodes and strictly decodes the RFC 9285 examples', () => {
    for (const v of vectors.base45) {
      expect(Buffer.from(base45Decode(v.text)).toString('hex')).toBe(v.bytes)
    }
    for (const bad of vectors.base45Invalid) expect(() => base45Decode(bad)).toThrow()
  })

  it('[OFF-READ-01][OFF-READ-03][OFF-READ-04] a reader accepts each valid share with its trust list and clock alone', async () => {
    for (const v of vectors.valid) {
      const result = await verifyOfflineShare(v.text, {
        trusted,
        seen: new MemoryOfflineNonceStore(atReader),
        now: atReader,
        fetchLink: noNetwork,
      })
      expect(result, v.name).toMatchObject({ ok: true, recordType: v.recordType, vaultId: v.vaultId })
      if (result.ok) expect(result.issuer.client_id).toBe(v.issuer)
    }
  })

  it('[OFF-FMT-01][OFF-FMT-03][OFF-FMT-04][OFF-READ-02][OFF-READ-03][OFF-READ-04][OFF-READ-05] a reader refuses each invalid share with its code and a plain reason', async () => {
    for (const v of vectors.invalid) {
      const seen = new MemoryOfflineNonceStore(atReader)
      if (v.seenBefore) await verifyOfflineShare(v.text, { trusted, seen, now: atReader })
      const result = await verifyOfflineShare(v.text, { trusted, seen, now: atReader })
      expect(result, v.name).toEqual({
        ok: false,
        code: v.refusal,
        reason: OFFLINE_REFUSAL_REASONS[v.refusal as 'EXPIRED'],
      })
    }
  })

  it('[OFF-READ-07] every refusal reason is a short plain sentence with no codes or key material', () => {
    for (const reason of Object.values(OFFLINE_REFUSAL_REASONS)) {
      for (const sentence of reason.split('. ')) expect(sentence.split(' ').length).toBeLessThanOrEqual(16)
      expect(reason).not.toMatch(/[A-Z]{2,}_|[A-Za-z0-9_-]{30,}/)
    }
  })
})

describe('the holder makes a share', () => {
  const issuer = generateSigningKeyPair()
  const device = generateDeviceKeys()
  const vaultId = base64urlEncode(generateId())

  function copyOf(payload: RecordPayload, recordType: 'licence_conditions' | 'appointment'): OfflineRecordCopy {
    const dataKey = generateDataKey()
    const recordId = base64urlEncode(generateId())
    const { sealed, manifest } = sealRecord({
      recordType,
      dek: dataKey,
      vaultId,
      recordId,
      version: 1,
      keyEpoch: 0,
      payload,
      title: 'Mine',
      authorSecretKey: issuer.secretKey,
      authorPublicKey: issuer.publicKey,
    })
    return { recordId, version: 1, recordType, manifest, envelope: sealed.ciphertext, dataKey, syncedAt: 1_000 }
  }

  const appointment: RecordPayload = {
    recordType: 'appointment',
    with: 'Probation',
    purpose: 'First meeting',
    time: '2026-11-20T15:00:00Z',
    address: 'Leeds PDU',
  }

  it('[OFF-HLD-02][OFF-HLD-03] a share carries exactly the chosen record, and the phone logs it by its nonce', () => {
    const copy = copyOf(appointment, 'appointment')
    const made = makeOfflineShare({
      copy,
      deviceSigningSecretKey: device.signing.secretKey,
      time: { now: () => 5_000, hostTime: true },
      assistedBy: 'Sam',
    })
    const decoded = decodeOfflineShareText(made.text)
    expect(base64urlEncode(decoded.manifest)).toBe(copy.manifest)
    expect(decoded.envelope).toEqual(copy.envelope)
    // Nothing else: the fixed part, this envelope and the signature, byte for byte.
    expect(decoded.bytes.length).toBe(367 + copy.envelope.length + 64)
    expect(made.text).toMatch(/^HLD1:[0-9A-Z $%*+\-./:]+$/)
    expect(made.log).toEqual({
      nonce: base64urlEncode(decoded.nonce),
      recordId: copy.recordId,
      version: 1,
      recordType: 'appointment',
      issuedAt: 5_000,
      expiresAt: 5_000 + 5 * 60_000,
      hostTime: true,
      assistedBy: 'Sam',
    })
  })

  it('[OFF-HLD-01] the phone stamps the host clock it learned, flagged; with none it flags its own clock', () => {
    const copy = copyOf(appointment, 'appointment')
    const phoneClock = 1_000_000
    const clock = new HostClock(() => phoneClock)
    // The host said 10:00:00 while the phone thought it was 1970: the share carries the host's time.
    clock.observe('Fri, 20 Nov 2026 10:00:00 GMT', phoneClock, phoneClock + 100)
    const withHost = decodeOfflineShareText(
      makeOfflineShare({
        copy,
        deviceSigningSecretKey: device.signing.secretKey,
        time: { now: () => clock.now(), hostTime: clock.known },
      }).text,
    )
    expect(withHost.hostTime).toBe(true)
    expect(Math.abs(withHost.issuedAt - Date.UTC(2026, 10, 20, 10, 0, 0))).toBeLessThan(1_000)
    const unknown = new HostClock(() => phoneClock)
    const own = decodeOfflineShareText(
      makeOfflineShare({
        copy,
        deviceSigningSecretKey: device.signing.secretKey,
        time: { now: () => unknown.now(), hostTime: unknown.known },
      }).text,
    )
    expect(own.hostTime).toBe(false)
  })

  it('[OFF-FMT-05] a record too large for a QR code is refused when the share is made', () => {
    const conditions = Array.from({ length: 20 }, (_, i) => ({
      code: `std-${i}`,
      text: 'A standard condition. '.repeat(5),
    }))
    const big = copyOf(
      {
        recordType: 'licence_conditions',
        licenceKind: 'CRD',
        licenceStartDate: '2026-11-20',
        licenceExpiryDate: '2027-05-20',
        supervisingOfficer: { name: 'Sam Patel', phone: '0113 000 0000' },
        initialAppointment: { person: 'Duty officer', time: '2026-11-20T15:00:00Z', address: 'Leeds', phone: '0' },
        standardConditions: conditions,
        additionalConditions: [],
        bespokeConditions: [],
        policyVersion: '4.0',
      },
      'licence_conditions',
    )
    expect(() =>
      makeOfflineShare({
        copy: big,
        deviceSigningSecretKey: device.signing.secretKey,
        time: { now: () => 5_000, hostTime: true },
      }),
    ).toThrow(/too large for a QR code/)
  })

  it('[OFF-HLD-04] a victim-protective record is never shown offline; a record too big for a QR code is not offered', () => {
    expect(mayShowOffline('victim_protective_conditions', 500)).toBe(false)
    expect(mayShowOffline('licence_conditions', 1_536)).toBe(true)
    expect(mayShowOffline('licence_conditions', 1_537)).toBe(false)
    const copy = copyOf(appointment, 'appointment')
    expect(() =>
      makeOfflineShare({
        copy: { ...copy, recordType: 'victim_protective_conditions' },
        deviceSigningSecretKey: device.signing.secretKey,
        time: { now: () => 5_000, hostTime: true },
      }),
    ).toThrow(expect.objectContaining({ code: 'RECORD_NOT_FOR_REQUESTER' }))
  })

  it('[OFF-READ-06] a reader that knows the vault’s devices refuses a share made by any other phone', async () => {
    const copy = copyOf(appointment, 'appointment')
    const list = { ...trusted, byKeyId: () => ({ ...fakeIssuer(), publicKey: issuer.publicKey }) }
    const made = makeOfflineShare({
      copy,
      deviceSigningSecretKey: device.signing.secretKey,
      time: { now: () => 5_000, hostTime: true },
    })
    const mine = new Set([base64urlEncode(keyThumbprint(device.signing.publicKey, 'Ed25519'))])
    const read = (devices: ReadonlySet<string> | undefined) =>
      verifyOfflineShare(made.text, {
        trusted: list,
        seen: new MemoryOfflineNonceStore(() => 6_000),
        now: () => 6_000,
        holderDevices: () => devices,
      })
    expect(await read(mine)).toMatchObject({ ok: true, holderDeviceKnown: true })
    expect(await read(undefined)).toMatchObject({ ok: true, holderDeviceKnown: undefined })
    expect(await read(new Set(['someone-else']))).toMatchObject({ ok: false, code: 'HOLDER_DEVICE_UNKNOWN' })
  })

  it('[OFF-LINK-01] a link share is refused with no fetcher, and its fetched envelope must be the one the issuer signed', async () => {
    const copy = copyOf(appointment, 'appointment')
    const other = copyOf(appointment, 'appointment')
    const list = { ...trusted, byKeyId: () => ({ ...fakeIssuer(), publicKey: issuer.publicKey }) }
    const { signOfflineShare, encodeOfflineShareText } = await import('@holdall/crypto')
    const text = encodeOfflineShareText(
      signOfflineShare(
        {
          mode: 'link',
          hostTime: true,
          nonce: generateId(),
          issuedAt: 5_000,
          expiresAt: 65_000,
          syncedAt: 1_000,
          manifest: base64urlDecode(copy.manifest),
          dataKey: copy.dataKey,
          link: 'https://host.example/offline/abc#',
        },
        device.signing.secretKey,
      ),
    )
    const read = (fetchLink?: (url: string) => Promise<Uint8Array>) =>
      verifyOfflineShare(text, {
        trusted: list,
        seen: new MemoryOfflineNonceStore(() => 6_000),
        now: () => 6_000,
        ...(fetchLink === undefined ? {} : { fetchLink }),
      })
    expect(await read()).toMatchObject({ ok: false, code: 'LINK_UNAVAILABLE' })
    expect(await read(async () => other.envelope)).toMatchObject({ ok: false, code: 'RECORD_ALTERED' })
    expect(await read(async () => copy.envelope)).toMatchObject({ ok: true, recordType: 'appointment' })
  })
})

function fakeIssuer() {
  return {
    client_id: 'https://leeds-probation.example/holdall',
    name: 'Leeds Probation Delivery Unit',
    category: 'probation' as const,
    registry_code: 'N53',
    signing_key: '',
    signing_key_id: '',
    agreement_key: '',
    agreementPublicKey: new Uint8Array(32),
  }
}
