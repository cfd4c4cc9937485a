import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { expand, extract } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlDecodeExact, base64urlEncode } from '../src/base64url.js'
import { HPKE_WRAP_LENGTH, OWNER_WRAP_LENGTH } from '../src/constants.js'
import {
  createVaultKeyring,
  deriveInboxKeyPair,
  generateDataKey,
  generateId,
  generateVaultRootKey,
  rotateVaultKeyring,
} from '../src/key-hierarchy.js'
import { generateAgreementKeyPair } from '../src/keys.js'
import {
  rewrapToEpoch,
  unwrapAsDevice,
  unwrapAsGrantee,
  unwrapFromEpoch,
  unwrapFromInbox,
  wrapToDevice,
  wrapToEpoch,
  wrapToGrantee,
  wrapToInbox,
} from '../src/wraps.js'
import { fromHex, newContext } from './helpers.js'

/**
 * The small-order X25519 u-coordinates after RFC 7748 masking: 0, 1, the two points of order 8,
 * and p - 1, p, p + 1 (non-canonical encodings of 0 and 1 and of the order-2 point). The full
 * Wycheproof LowOrderPublic set runs in wycheproof.test.ts.
 */
const LOW_ORDER_X25519 = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  )

describe('owner wraps (DEK under the epoch KEK)', () => {
  const keyring = createVaultKeyring(generateId(), generateVaultRootKey(), 0)
  const context = newContext({ vaultId: keyring.vaultId, keyEpoch: 0 })

  it('are exactly 72 bytes and round-trip', () => {
    const dek = generateDataKey()
    const wrapped = wrapToEpoch(dek, keyring.keyEncryptionKey, context)
    expect(wrapped.length).toBe(OWNER_WRAP_LENGTH)
    expect(unwrapFromEpoch(wrapped, keyring.keyEncryptionKey, context)).toEqual(dek)
  })

  it('[CRY-WRAP-02] are bound to vault, record, version and epoch', () => {
    const wrapped = wrapToEpoch(generateDataKey(), keyring.keyEncryptionKey, context)
    for (const other of [
      { ...context, recordId: generateId() },
      { ...context, vaultId: generateId() },
      { ...context, version: 2 },
      { ...context, epoch: 1 },
    ]) {
      expect(() => unwrapFromEpoch(wrapped, keyring.keyEncryptionKey, other)).toThrow(
        expect.objectContaining({ code: 'WRAP_OPEN_FAILED' }),
      )
    }
  })

  it('[CRY-WRAP-01] [case 10] are refused at 71 or 73 bytes before any decryption', () => {
    const wrapped = wrapToEpoch(generateDataKey(), keyring.keyEncryptionKey, context)
    for (const bad of [wrapped.subarray(0, 71), new Uint8Array([...wrapped, 0])]) {
      expect(() => unwrapFromEpoch(bad, keyring.keyEncryptionKey, context)).toThrow(
        expect.objectContaining({ code: 'WRAP_MALFORMED' }),
      )
    }
  })

  it('[CRY-HIER-03] move to a new epoch with a new VRK on rotation, and the old KEK no longer opens them', () => {
    const dek = generateDataKey()
    const wrapped = wrapToEpoch(dek, keyring.keyEncryptionKey, context)
    const next = rotateVaultKeyring(keyring)
    expect(next.epoch).toBe(1)
    expect(next.vaultRootKey).not.toEqual(keyring.vaultRootKey)
    const rewrapped = rewrapToEpoch(wrapped, keyring.keyEncryptionKey, next.keyEncryptionKey, context, next.epoch)
    const nextContext = { ...context, epoch: 1 }
    expect(unwrapFromEpoch(rewrapped, next.keyEncryptionKey, nextContext)).toEqual(dek)
    expect(() => unwrapFromEpoch(rewrapped, keyring.keyEncryptionKey, nextContext)).toThrow(
      expect.objectContaining({ code: 'WRAP_OPEN_FAILED' }),
    )
  })
})

describe('HPKE wraps (grant, inbox, device)', () => {
  const grantee = generateAgreementKeyPair()
  const grantContext = { grantId: generateId(), ...newContext() }

  it('are exactly 80 bytes and round-trip to the grantee', async () => {
    const dek = generateDataKey()
    const wrapped = await wrapToGrantee(dek, grantee.publicKey, grantContext)
    expect(wrapped.length).toBe(HPKE_WRAP_LENGTH)
    expect(await unwrapAsGrantee(wrapped, grantee.secretKey, grantContext)).toEqual(dek)
  })

  it('[CRY-WRAP-02][CRY-WRAP-03] are bound to the grant, record and version, and to the recipient key', async () => {
    const wrapped = await wrapToGrantee(generateDataKey(), grantee.publicKey, grantContext)
    for (const other of [
      { ...grantContext, grantId: generateId() },
      { ...grantContext, recordId: generateId() },
      { ...grantContext, vaultId: generateId() },
      { ...grantContext, version: 2 },
    ]) {
      expect(await codeOf(unwrapAsGrantee(wrapped, grantee.secretKey, other))).toBe('WRAP_OPEN_FAILED')
    }
    expect(await codeOf(unwrapAsGrantee(wrapped, generateAgreementKeyPair().secretKey, grantContext))).toBe(
      'WRAP_OPEN_FAILED',
    )
    // A grant wrap cannot be replayed as an inbox deposit of the same record (distinct info labels).
    expect(await codeOf(unwrapFromInbox(wrapped.slice(), grantee.secretKey, grantContext))).toBe('WRAP_OPEN_FAILED')
  })

  it('[CRY-WRAP-01][CRY-ENC-02] [case 10] refuse 79 or 81 bytes and non-canonical base64url before HPKE Open', async () => {
    const wrapped = await wrapToGrantee(generateDataKey(), grantee.publicKey, grantContext)
    expect(await codeOf(unwrapAsGrantee(wrapped.subarray(0, 79), grantee.secretKey, grantContext))).toBe(
      'WRAP_MALFORMED',
    )
    expect(await codeOf(unwrapAsGrantee(new Uint8Array([...wrapped, 0]), grantee.secretKey, grantContext))).toBe(
      'WRAP_MALFORMED',
    )
    const text = base64urlEncode(wrapped)
    expect(base64urlDecodeExact(text, HPKE_WRAP_LENGTH)).toEqual(wrapped)
    // 80 bytes encode to 107 characters whose last carries 2 unused bits: set one of them.
    const last = text.charCodeAt(text.length - 1)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = alphabet.charAt(alphabet.indexOf(String.fromCharCode(last)) ^ 1)
    expect(() => base64urlDecode(text.slice(0, -1) + sibling)).toThrow(
      expect.objectContaining({ code: 'ENCODING_INVALID' }),
    )
    expect(() => base64urlDecode(`${text}=`)).toThrow(expect.objectContaining({ code: 'ENCODING_INVALID' }))
  })

  it('[CRY-KEY-02][CRY-WRAP-04] [case 11] refuse to wrap to an all-zero or low-order X25519 key', async () => {
    for (const point of LOW_ORDER_X25519) {
      expect(await codeOf(wrapToGrantee(generateDataKey(), fromHex(point), grantContext))).toBe('KEY_INVALID')
    }
  })

  it('[CRY-WRAP-05] [case 11] refuse to open a wrap whose ephemeral key is low order', async () => {
    const wrapped = await wrapToGrantee(generateDataKey(), grantee.publicKey, grantContext)
    for (const point of LOW_ORDER_X25519) {
      const forged = wrapped.slice()
      forged.set(fromHex(point), 0)
      expect(await codeOf(unwrapAsGrantee(forged, grantee.secretKey, grantContext))).toBe('WRAP_OPEN_FAILED')
    }
  })

  it('[CRY-WRAP-05] refuse a wrap made with an all-zero shared secret, though its AEAD would verify', async () => {
    // Build, by hand, the wrap a sender would make if it used a small-order enc and accepted the
    // all-zero DH output (RFC 9180 section 4.1 and 5.1): only the KEM's zero check stops it.
    const te = (text: string) => new TextEncoder().encode(text)
    const i2 = (n: number) => Uint8Array.of(n >> 8, n & 255)
    const kemId = new Uint8Array([...te('KEM'), ...i2(0x20)])
    const hpkeId = new Uint8Array([...te('HPKE'), ...i2(0x20), ...i2(1), ...i2(3)])
    const labeledExtract = (id: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array) =>
      extract(sha256, new Uint8Array([...te('HPKE-v1'), ...id, ...te(label), ...ikm]), salt)
    const labeledExpand = (id: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number) =>
      expand(sha256, prk, new Uint8Array([...i2(length), ...te('HPKE-v1'), ...id, ...te(label), ...info]), length)
    const enc = fromHex('0100000000000000000000000000000000000000000000000000000000000000')
    const sharedSecret = labeledExpand(
      kemId,
      labeledExtract(kemId, new Uint8Array(), 'eae_prk', new Uint8Array(32)),
      'shared_secret',
      new Uint8Array([...enc, ...grantee.publicKey]),
      32,
    )
    const keyScheduleContext = new Uint8Array([
      0,
      ...labeledExtract(hpkeId, new Uint8Array(), 'psk_id_hash', new Uint8Array()),
      ...labeledExtract(hpkeId, new Uint8Array(), 'info_hash', te('holdall/v1/wrap/grant')),
    ])
    const secret = labeledExtract(hpkeId, sharedSecret, 'secret', new Uint8Array())
    const key = labeledExpand(hpkeId, secret, 'key', keyScheduleContext, 32)
    const nonce = labeledExpand(hpkeId, secret, 'base_nonce', keyScheduleContext, 12)
    const aad = new Uint8Array([...grantContext.grantId, ...grantContext.vaultId, ...grantContext.recordId, 0, 0, 0, 1])
    const forged = new Uint8Array([...enc, ...chacha20poly1305(key, nonce, aad).encrypt(generateDataKey())])
    expect(await codeOf(unwrapAsGrantee(forged, grantee.secretKey, grantContext))).toBe('WRAP_OPEN_FAILED')
  })

  it('deliver deposits through the inbox key derived from the VRK', async () => {
    const keyring = createVaultKeyring(generateId(), generateVaultRootKey(), 4)
    const inbox = deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, keyring.epoch)
    expect(deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, keyring.epoch).publicKey).toEqual(inbox.publicKey)
    expect(deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, 5).publicKey).not.toEqual(inbox.publicKey)
    const context = newContext({ vaultId: keyring.vaultId, keyEpoch: keyring.epoch })
    const dek = generateDataKey()
    const wrapped = await wrapToInbox(dek, inbox.publicKey, context)
    expect(await unwrapFromInbox(wrapped, inbox.secretKey, context)).toEqual(dek)
  })

  it('carry the VRK to a holder device, bound to vault and epoch', async () => {
    const device = generateAgreementKeyPair()
    const vaultRootKey = generateVaultRootKey()
    const context = { vaultId: generateId(), epoch: 3 }
    const wrapped = await wrapToDevice(vaultRootKey, device.publicKey, context)
    expect(await unwrapAsDevice(wrapped, device.secretKey, context)).toEqual(vaultRootKey)
    expect(await codeOf(unwrapAsDevice(wrapped, device.secretKey, { ...context, epoch: 2 }))).toBe('WRAP_OPEN_FAILED')
  })

  it('[CRY-WRAP-04] use a fresh ephemeral key for every wrap', async () => {
    const dek = generateDataKey()
    const a = await wrapToGrantee(dek, grantee.publicKey, grantContext)
    const b = await wrapToGrantee(dek, grantee.publicKey, grantContext)
    expect(a.subarray(0, 32)).not.toEqual(b.subarray(0, 32))
  })
})
