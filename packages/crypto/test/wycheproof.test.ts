import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { assertAgreementPublicKey, verifySignature } from '../src/keys.js'
import { fromHex, hex } from './helpers.js'
import { loadVectors } from './vectors.js'

/*
 * Project Wycheproof (C2SP/wycheproof, testvectors_v1), vendored unmodified under
 * protocol-spec/vectors/wycheproof/; see the README there for commits and checksums.
 * Each primitive is exercised through exactly the call our code makes.
 */

interface Suite<T> {
  numberOfTests: number
  testGroups: ({
    tests: (T & { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[] })[]
  } & Record<string, unknown>)[]
}
const all = <T>(suite: Suite<T>) => suite.testGroups.flatMap((g) => g.tests.map((t) => ({ group: g, t })))

describe('Wycheproof XChaCha20-Poly1305 (chunks, metadata, owner wraps)', () => {
  const suite = loadVectors<Suite<{ key: string; iv: string; aad: string; msg: string; ct: string; tag: string }>>(
    'wycheproof/xchacha20_poly1305_test.json',
  )
  const cases = all(suite)

  it('has every test', () => expect(cases.length).toBe(suite.numberOfTests))

  it('seals and opens every valid case, and refuses every invalid one', () => {
    let valid = 0
    let refused = 0
    for (const { t } of cases) {
      const sealed = fromHex(t.ct + t.tag)
      const make = () => xchacha20poly1305(fromHex(t.key), fromHex(t.iv), fromHex(t.aad))
      if (t.result === 'valid') {
        expect(hex(make().encrypt(fromHex(t.msg))), `tc ${t.tcId}`).toBe(t.ct + t.tag)
        expect(hex(make().decrypt(sealed)), `tc ${t.tcId}`).toBe(t.msg)
        valid++
      } else {
        expect(() => make().decrypt(sealed), `tc ${t.tcId}`).toThrow()
        refused++
      }
    }
    expect(valid + refused).toBe(suite.numberOfTests)
  })
})

describe('Wycheproof HKDF-SHA256 (envelope key schedule, KEKs)', () => {
  const suite = loadVectors<Suite<{ ikm: string; salt: string; info: string; size: number; okm: string }>>(
    'wycheproof/hkdf_sha256_test.json',
  )
  it('derives every valid output and refuses oversized requests', () => {
    const cases = all(suite)
    expect(cases.length).toBe(suite.numberOfTests)
    for (const { t } of cases) {
      const derive = () => hkdf(sha256, fromHex(t.ikm), fromHex(t.salt), fromHex(t.info), t.size)
      if (t.result === 'valid') expect(hex(derive()), `tc ${t.tcId}`).toBe(t.okm)
      else expect(derive, `tc ${t.tcId}`).toThrow()
    }
  })
})

describe('Wycheproof Ed25519 (manifests, receipts)', () => {
  const suite = loadVectors<Suite<{ msg: string; sig: string }> & { testGroups: { publicKey: { pk: string } }[] }>(
    'wycheproof/ed25519_test.json',
  )
  const cases = all(suite).map(({ group, t }) => ({ pk: (group.publicKey as { pk: string }).pk, t }))

  it('[CRY-SIG-01] verifies strictly: every valid signature accepted, every invalid one refused', () => {
    expect(cases.length).toBe(suite.numberOfTests)
    for (const { pk, t } of cases) {
      expect(verifySignature(fromHex(t.sig), fromHex(t.msg), fromHex(pk)), `tc ${t.tcId} ${t.flags}`).toBe(
        t.result === 'valid',
      )
    }
  })

  it('[CRY-SIG-01] disagrees with lenient ZIP-215 verification exactly where Wycheproof says it must', () => {
    const lenientOnly = cases.filter(({ pk, t }) => {
      let lenient = false
      try {
        lenient = ed25519.verify(fromHex(t.sig), fromHex(t.msg), fromHex(pk))
      } catch {}
      return lenient && !verifySignature(fromHex(t.sig), fromHex(t.msg), fromHex(pk))
    })
    // tc 151: R encodes y = 1 with the sign bit of x set, accepted only when the sign is ignored.
    expect(lenientOnly.map(({ t }) => t.tcId)).toEqual([151])
  })
})

describe('Wycheproof X25519 (HPKE wraps)', () => {
  const suite = loadVectors<Suite<{ public: string; private: string; shared: string }>>('wycheproof/x25519_test.json')
  const cases = all(suite)

  it('computes every valid shared secret', () => {
    expect(cases.length).toBe(suite.numberOfTests)
    for (const { t } of cases.filter(({ t }) => t.result === 'valid')) {
      expect(hex(x25519.getSharedSecret(fromHex(t.private), fromHex(t.public))), `tc ${t.tcId}`).toBe(t.shared)
    }
  })

  it('[CRY-KEY-02] refuses every low-order or non-canonical public key, and only those, as a wrap recipient', () => {
    const p = 2n ** 255n - 19n
    const littleEndian = (bytes: Uint8Array) => bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
    for (const { t } of cases) {
      const u = littleEndian(fromHex(t.public))
      // Canonical: bit 255 clear and u < p. Wycheproof marks the others "acceptable"; we refuse them.
      const nonCanonical = u >= p
      const lowOrder = t.flags.includes('LowOrderPublic') || t.flags.includes('ZeroSharedSecret') || nonCanonical
      const refused = (() => {
        try {
          assertAgreementPublicKey(fromHex(t.public))
          return false
        } catch (error) {
          return (error as { code?: string }).code === 'KEY_INVALID'
        }
      })()
      expect(refused, `tc ${t.tcId} ${t.flags}`).toBe(lowOrder)
      // The primitive still follows RFC 7748 for non-canonical keys that are not of low order
      // (tc 87 to 99 and the like): only Holdall's recipient check refuses them (vectors/README).
      const smallOrder = t.flags.includes('LowOrderPublic') || t.flags.includes('ZeroSharedSecret')
      if (nonCanonical && !smallOrder)
        expect(hex(x25519.getSharedSecret(fromHex(t.private), fromHex(t.public))), `tc ${t.tcId}`).toBe(t.shared)
      // Every other case, twist points included, follows RFC 7748 exactly.
      if (!lowOrder)
        expect(hex(x25519.getSharedSecret(fromHex(t.private), fromHex(t.public))), `tc ${t.tcId}`).toBe(t.shared)
    }
  })
})
