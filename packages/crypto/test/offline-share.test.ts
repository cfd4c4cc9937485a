import { describe, expect, it } from 'vitest'
import { base45Decode, base45Encode } from '../src/base45.js'
import { concat, randomBytes, utf8 } from '../src/bytes.js'
import { generateSigningKeyPair, keyThumbprint, sign } from '../src/keys.js'
import { NO_PREVIOUS_MANIFEST, signManifest } from '../src/manifest.js'
import {
  decodeOfflineShareText,
  encodeOfflineShareText,
  type OfflineShareFields,
  parseOfflineShare,
  signOfflineShare,
} from '../src/offline-share.js'

const author = generateSigningKeyPair()
const holder = generateSigningKeyPair()
const manifest = signManifest(
  {
    vaultId: randomBytes(16),
    recordId: randomBytes(16),
    version: 1,
    keyEpoch: 0,
    recordTypeCode: 5,
    commitment: randomBytes(32),
    ciphertextSha256: randomBytes(32),
    ciphertextLength: 500,
    previousManifestSha256: NO_PREVIOUS_MANIFEST,
    authorKeyId: keyThumbprint(author.publicKey, 'Ed25519'),
    createdAt: 1_000,
  },
  author.secretKey,
).bytes
const fields: OfflineShareFields = {
  mode: 'inline',
  hostTime: true,
  nonce: randomBytes(16),
  issuedAt: 10_000,
  expiresAt: 70_000,
  syncedAt: 5_000,
  manifest,
  dataKey: randomBytes(32),
  envelope: randomBytes(500),
}

/** Re-signs edited bytes with the holder key (signOfflineShare would refuse to make them), so only the edited rule can refuse them. */
function resigned(edit: (bytes: Uint8Array) => void): Uint8Array {
  const good = signOfflineShare(fields, holder.secretKey).bytes
  const body = good.slice(0, good.length - 64)
  edit(body)
  return concat(body, sign(concat(utf8('holdall/v1/offline-share'), Uint8Array.of(0), body), holder.secretKey))
}

describe('offline share format', () => {
  it('[OFF-FMT-02] base45 round-trips any bytes and uses QR alphanumeric symbols only', () => {
    for (const length of [0, 1, 2, 3, 64, 1001]) {
      const bytes = randomBytes(length)
      const text = base45Encode(bytes)
      expect(text).toMatch(/^[0-9A-Z $%*+\-./:]*$/)
      expect(base45Decode(text)).toEqual(bytes)
    }
  })

  it('[OFF-FMT-01][OFF-FMT-03] a share round-trips, and the holder signature covers every byte', () => {
    const share = signOfflineShare(fields, holder.secretKey)
    const back = decodeOfflineShareText(`  ${encodeOfflineShareText(share)}\n`)
    expect(back.envelope).toEqual(fields.envelope)
    expect(back.holderPublicKey).toEqual(holder.publicKey)
    for (const at of [0, 2, 3, 20, 50, 80, 340, 370, share.bytes.length - 1]) {
      const bytes = share.bytes.slice()
      bytes[at] = (bytes[at] as number) ^ 1
      expect(() => parseOfflineShare(bytes), `byte ${at}`).toThrow()
    }
  })

  it('[OFF-FMT-01] unknown version, mode, reserved flags and a wrong body length are refused even when signed', () => {
    const cases: [string, (b: Uint8Array) => void][] = [
      ['version 2', (b) => b.set([2], 0)],
      ['mode 3', (b) => b.set([3], 1)],
      ['flag bit 1', (b) => b.set([2], 2)],
      ['body length', (b) => b.set([(b[366] as number) + 1], 366)],
    ]
    for (const [name, edit] of cases) {
      expect(() => parseOfflineShare(resigned(edit)), name).toThrow(
        expect.objectContaining({ code: 'OFFLINE_SHARE_MALFORMED' }),
      )
    }
  })

  it('[OFF-FMT-04][OFF-FMT-05] the signer refuses long lifetimes, a sync after the share, big bodies and plain-http links', () => {
    const bad: Partial<OfflineShareFields>[] = [
      { expiresAt: 10_000 + 10 * 60_000 + 1 },
      { expiresAt: 10_000 },
      { syncedAt: 10_001 },
      { envelope: randomBytes(1_537) },
      { mode: 'link', link: 'http://host.example/x' },
    ]
    for (const edit of bad) {
      const { envelope: _dropped, ...rest } = fields
      const base = edit.mode === 'link' ? rest : fields
      expect(() => signOfflineShare({ ...base, ...edit } as OfflineShareFields, holder.secretKey)).toThrow(
        expect.objectContaining({ code: 'OFFLINE_SHARE_MALFORMED' }),
      )
    }
  })
})
