import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { chunkNonce, sealChunk } from '../src/chunk.js'
import * as constants from '../src/constants.js'
import { sealEnvelope } from '../src/envelope.js'
import { hpkeSuite } from '../src/hpke-suite.js'
import { generateDataKey, generateId, generateVaultRootKey } from '../src/key-hierarchy.js'
import { generateAgreementKeyPair, generateSigningKeyPair } from '../src/keys.js'
import { wrapToEpoch, wrapToGrantee } from '../src/wraps.js'
import { newContext } from './helpers.js'

/*
 * The crypto policy, pinned. A change here changes the wire format of protocol version 1: it
 * needs a new format version, new vectors and a spec change, never a quiet edit.
 */
describe('[CRY-SUITE-01] crypto policy', () => {
  it('pins the envelope format', () => {
    expect(constants.ENVELOPE_MAGIC).toBe('HLDR')
    expect(constants.ENVELOPE_FORMAT_VERSION).toBe(1)
    expect(constants.ENVELOPE_SUITE).toBe(1)
    expect(constants.ENVELOPE_LOG2_CHUNK).toBe(16)
    expect(constants.CHUNK_SIZE).toBe(65_536)
    expect(constants.TAG_LENGTH).toBe(16)
    expect(constants.HEADER_LENGTH).toBe(82)
    expect(constants.COMMITMENT_LENGTH).toBe(32)
    expect(constants.METADATA_BLOCK).toBe(256)
    expect(constants.METADATA_MAX_PADDED).toBe(16_384)
  })

  it('pins wrap and manifest lengths and the manifest algorithm', () => {
    expect(constants.OWNER_WRAP_LENGTH).toBe(72)
    expect(constants.HPKE_WRAP_LENGTH).toBe(80)
    expect(constants.MANIFEST_MAGIC).toBe('HLDM')
    expect(constants.MANIFEST_ALG_ED25519).toBe(1)
    expect(constants.MANIFEST_BODY_LENGTH).toBe(192)
    expect(constants.MANIFEST_LENGTH).toBe(256)
    expect(constants.MIN_ENVELOPE_LENGTH).toBe(402)
    expect(constants.DEVICE_CHAIN_ENTRY_LENGTH).toBe(214)
    expect(constants.DEVICE_CHAIN_MAX_ENTRIES).toBe(1024)
    expect(constants.RECOVERY_SHARE_LENGTH).toBe(55)
    expect(constants.RECOVERY_SHARE_WRAP_LENGTH).toBe(103)
  })

  it('pins every domain-separation label, each distinct', () => {
    expect(constants.LABELS).toEqual({
      envelope: 'holdall/v1/envelope',
      kek: 'holdall/v1/kek',
      vrkCheck: 'holdall/v1/vrk-check',
      inboxKey: 'holdall/v1/inbox-key',
      ownerWrap: 'holdall/v1/dek-wrap',
      grantWrap: 'holdall/v1/wrap/grant',
      inboxWrap: 'holdall/v1/wrap/inbox',
      deviceWrap: 'holdall/v1/wrap/device',
      manifest: 'holdall/v1/manifest',
      inboxKeyStatement: 'holdall/v1/statement/inbox-key',
      deviceWrapStatement: 'holdall/v1/statement/device-wrap',
      deviceChainEntry: 'holdall/v1/device-chain/entry',
      deviceChainLink: 'holdall/v1/device-chain/link',
      recoveryMember: 'holdall/v1/recovery/member',
      recoveryShareWrap: 'holdall/v1/wrap/recovery-share',
      recoveryKitProof: 'holdall/v1/recovery/kit-proof',
      offlineShare: 'holdall/v1/offline-share',
    })
    expect(new Set(Object.values(constants.LABELS)).size).toBe(Object.keys(constants.LABELS).length)
  })

  it('pins the HPKE suite to DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305', () => {
    expect(hpkeSuite.KEM.id).toBe(0x0020)
    expect(hpkeSuite.KDF.id).toBe(0x0001)
    expect(hpkeSuite.AEAD.id).toBe(0x0003)
    expect(constants.HPKE_SUITE).toEqual({ mode: 0, kem: 0x0020, kdf: 0x0001, aead: 0x0003 })
  })

  it('seals chunks with XChaCha20-Poly1305 and the prefix ‖ 7-byte index ‖ last-flag nonce', () => {
    const key = generateDataKey()
    const prefix = generateId()
    const nonce = chunkNonce(prefix, 2 ** 40 + 5, true)
    const [index, lastFlag] = ['00010000000005', '01'] // 2^40 + 5 as 7 bytes; then the last flag
    expect(Buffer.from(nonce).toString('hex')).toBe(`${Buffer.from(prefix).toString('hex')}${index}${lastFlag}`)
    const pt = new Uint8Array([1, 2, 3])
    expect(sealChunk(key, prefix, 2 ** 40 + 5, true, pt)).toEqual(xchacha20poly1305(key, nonce).encrypt(pt))
  })
})

describe('[CRY-SUITE-02] randomness', () => {
  afterEach(() => vi.restoreAllMocks())

  /** How many times `fn` draws from crypto.getRandomValues (inputs are prepared before counting). */
  async function draws(fn: () => unknown): Promise<number> {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues')
    try {
      await fn()
      return spy.mock.calls.length
    } finally {
      spy.mockRestore()
    }
  }

  it('comes from crypto.getRandomValues for keys, ids, salts, nonces and ephemeral keys', async () => {
    for (const make of [
      generateDataKey,
      generateId,
      generateVaultRootKey,
      generateSigningKeyPair,
      generateAgreementKeyPair,
    ]) {
      expect(await draws(make), make.name).toBeGreaterThanOrEqual(1)
    }
    const dek = generateDataKey()
    const context = newContext()
    // The salt: the caller supplies the DEK, so sealing draws exactly once.
    expect(
      await draws(() => sealEnvelope({ dek, context, metadata: new Uint8Array(0), plaintext: new Uint8Array(0) })),
    ).toBe(1)
    const kek = generateDataKey()
    // The 24-byte wrap nonce.
    expect(await draws(() => wrapToEpoch(dek, kek, context))).toBe(1)
    const recipient = generateAgreementKeyPair().publicKey
    const grant = { grantId: generateId(), ...context }
    // The HPKE ephemeral key.
    expect(await draws(() => wrapToGrantee(dek, recipient, grant))).toBeGreaterThanOrEqual(1)
  })
})
