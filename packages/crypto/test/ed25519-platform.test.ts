import { createPublicKey, verify } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { LABELS } from '../src/constants.js'
import {
  type Ed25519Implementation,
  isAcceptableR,
  isCanonicalScalar,
  PROBE_VECTORS,
  syncImplementation,
  webCryptoAvailable,
} from '../src/ed25519-platform.js'
import {
  generateSigningKeyPair,
  sign,
  verifySignature,
  verifySignatureAsync,
  verifySignatureWith,
} from '../src/keys.js'
import { parseManifest, verifyManifest, verifyManifestAsync } from '../src/manifest.js'
import { fromHex, hex, utf8 } from './helpers.js'
import { loadVectors } from './vectors.js'

/*
 * [CRY-SIG-01] Strict Ed25519 on the platform's native verifier (node:crypto, WebCrypto) with
 * noble as the fallback: every case below goes through all three backends and through the
 * verifier this package used before (noble only, written out here as `reference`), and all four
 * must give the same answer. The edge cases are the ones where Ed25519 verifiers are known to
 * differ ("Taming the many EdDSAs", Chalkias et al. 2020): non-canonical S, non-canonical and
 * small-order keys, small-order and mixed-order R, non-canonical R.
 */

const BACKENDS: Ed25519Implementation[] = ['node', 'webcrypto', 'noble']
const L = ed25519.Point.Fn.ORDER
const P = ed25519.Point.Fp.ORDER
const modL = (x: bigint) => ((x % L) + L) % L
const le = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
const toLe = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn))
const T8 = ed25519.Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
const SMALL_ORDER = Array.from({ length: 8 }, (_, i) => (i === 0 ? ed25519.Point.ZERO : T8.multiply(BigInt(i))))

/** The strict verifier as it was before the platform backends: noble with explicit point checks. */
function reference(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false
  const primeOrder = (bytes: Uint8Array) => {
    try {
      const point = ed25519.Point.fromBytes(bytes, false)
      return !point.is0() && point.isTorsionFree()
    } catch {
      return false
    }
  }
  if (!primeOrder(publicKey) || !primeOrder(signature.subarray(0, 32))) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

const nodeKey = (publicKey: Uint8Array) =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  })
/** node:crypto with none of our checks: what OpenSSL alone says. */
function rawOpenSsl(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return verify(null, message, nodeKey(publicKey), signature)
  } catch {
    return false
  }
}

/** Every backend, the async entry point and the reference: one answer, returned. */
async function sameAnswer(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, what: string) {
  const expected = reference(signature, message, publicKey)
  for (const backend of BACKENDS) {
    expect(await verifySignatureWith(backend, signature, message, publicKey), `${what}: ${backend}`).toBe(expected)
  }
  expect(verifySignature(signature, message, publicKey), `${what}: verifySignature`).toBe(expected)
  expect(await verifySignatureAsync(signature, message, publicKey), `${what}: async`).toBe(expected)
  return expected
}

/** A signature with nonce point R = rB + torsion and S = r + k·a: what a signer can make. */
function signWithR(secret: Uint8Array, message: Uint8Array, torsion: (typeof SMALL_ORDER)[number], r = 98765n) {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secret)
  const R = (r === 0n ? ed25519.Point.ZERO : ed25519.Point.BASE.multiply(r)).add(torsion).toBytes()
  const k = modL(le(sha512(new Uint8Array([...R, ...pointBytes, ...message]))))
  return new Uint8Array([...R, ...toLe(modL(r + k * scalar))])
}

describe('[CRY-SIG-01] strict Ed25519 on the platform verifier', () => {
  it('uses node:crypto synchronously and WebCrypto Ed25519 asynchronously on this platform (Node 20)', async () => {
    expect(syncImplementation()).toBe('node')
    expect(await webCryptoAvailable()).toBe(true)
  })

  it('probes each backend with a signature only a cofactored verifier accepts, and a valid one', async () => {
    const { key, valid, message, mixedOrderR } = PROBE_VECTORS
    expect(ed25519.verify(mixedOrderR, message, key)).toBe(true) // ZIP-215: cofactored
    expect(ed25519.verify(mixedOrderR, message, key, { zip215: false })).toBe(true) // noble strict is cofactored too
    expect(await sameAnswer(mixedOrderR, message, key, 'probe, mixed-order R')).toBe(false)
    expect(rawOpenSsl(mixedOrderR, message, key)).toBe(false) // OpenSSL is cofactorless
    expect(await sameAnswer(valid, new Uint8Array(0), key, 'probe, RFC 8032 test 1')).toBe(true)
  })

  it('gives the same answer on every backend for every Wycheproof case, and the expected one', async () => {
    const suite = loadVectors<{
      testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[]
    }>('wycheproof/ed25519_test.json')
    let n = 0
    for (const group of suite.testGroups) {
      for (const t of group.tests) {
        const ok = await sameAnswer(fromHex(t.sig), fromHex(t.msg), fromHex(group.publicKey.pk), `tc ${t.tcId}`)
        expect(ok, `tc ${t.tcId}`).toBe(t.result === 'valid')
        n++
      }
    }
    expect(n).toBeGreaterThan(100)
  })

  it('gives the same answer on every backend for the Holdall manifest vectors', async () => {
    const v = loadVectors<{
      signer: { publicKey: string }
      valid: { manifest: string }[]
      invalid: { name: string; manifest: string; error: string }[]
    }>('holdall/manifest.json')
    const key = fromHex(v.signer.publicKey)
    for (const m of [...v.valid, ...v.invalid]) {
      const bytes = fromHex(m.manifest)
      if (bytes.length !== 256) continue // a parse failure, not a signature case
      const message = new Uint8Array([...utf8(LABELS.manifest), 0, ...bytes.subarray(0, 192)])
      await sameAnswer(bytes.subarray(192), message, key, 'name' in m ? String(m.name) : 'valid')
    }
    for (const m of v.valid) {
      expect(hex((await verifyManifestAsync(fromHex(m.manifest), key)).bytes)).toBe(m.manifest)
    }
    for (const m of v.invalid) {
      const sync = (() => {
        try {
          verifyManifest(fromHex(m.manifest), key)
          return 'ok'
        } catch (error) {
          return (error as { code: string }).code
        }
      })()
      const async = await verifyManifestAsync(fromHex(m.manifest), key).then(
        () => 'ok',
        (error: { code: string }) => error.code,
      )
      expect(async, m.name).toBe(sync)
      expect(sync, m.name).toBe(m.error)
    }
  })

  it('refuses S >= L on every backend, although the equation holds for S + L', async () => {
    const keys = generateSigningKeyPair()
    const message = utf8('non-canonical S')
    const signature = sign(message, keys.secretKey)
    const s = le(signature.subarray(32))
    for (const bad of [s + L, L, (1n << 256n) - 1n, (1n << 253n) + s]) {
      if (bad >= 1n << 256n) continue
      const forged = new Uint8Array([...signature.subarray(0, 32), ...toLe(bad)])
      expect(await sameAnswer(forged, message, keys.publicKey, `S = ${bad}`)).toBe(false)
    }
    expect(isCanonicalScalar(toLe(L - 1n))).toBe(true)
    expect(isCanonicalScalar(toLe(L))).toBe(false)
    expect(isCanonicalScalar(toLe(0n))).toBe(true)
  })

  it('refuses every small-order R, including the identity that OpenSSL alone accepts from the key holder', async () => {
    const keys = generateSigningKeyPair()
    const message = utf8('small-order R')
    // R = identity, S = k·a: [S]B - [k]A is the identity, whose encoding is R. OpenSSL's
    // cofactorless check passes it; strict verification refuses it, so our byte check must.
    const identityR = signWithR(keys.secretKey, message, ed25519.Point.ZERO, 0n)
    expect(rawOpenSsl(identityR, message, keys.publicKey)).toBe(true)
    expect(await sameAnswer(identityR, message, keys.publicKey, 'R = identity')).toBe(false)
    for (const [i, torsion] of SMALL_ORDER.entries()) {
      const signature = signWithR(keys.secretKey, message, torsion, 0n)
      expect(await sameAnswer(signature, message, keys.publicKey, `R of small order ${i}`)).toBe(false)
      expect(isAcceptableR(torsion.toBytes())).toBe(false)
      // The same point with the sign bit flipped: the other point of that y, or a non-canonical x = 0.
      const flipped = torsion.toBytes()
      flipped[31] = (flipped[31] as number) ^ 0x80
      expect(isAcceptableR(flipped)).toBe(false)
    }
  })

  it('refuses every mixed-order R (prime-order point plus torsion) that the cofactored equation accepts', async () => {
    const keys = generateSigningKeyPair()
    const message = utf8('mixed-order R')
    for (const [i, torsion] of SMALL_ORDER.entries()) {
      const signature = signWithR(keys.secretKey, message, torsion, 1234567n + BigInt(i))
      // Lenient ZIP-215 verification (cofactored) accepts all of them; only i = 0 is strict-valid.
      expect(ed25519.verify(signature, message, keys.publicKey)).toBe(true)
      expect(await sameAnswer(signature, message, keys.publicKey, `R + T${i}`)).toBe(i === 0)
    }
  })

  it('refuses every non-canonical spelling of R (y >= p, or x = 0 with the sign bit set)', async () => {
    const keys = generateSigningKeyPair()
    const message = utf8('non-canonical R')
    const s = sign(message, keys.secretKey).subarray(32)
    for (let y = 0n; y < 19n; y++) {
      for (const sign of [0n, 1n << 255n]) {
        const R = toLe(P + y + sign)
        expect(isAcceptableR(R)).toBe(false)
        await sameAnswer(new Uint8Array([...R, ...s]), message, keys.publicKey, `y = p + ${y}`)
      }
    }
    for (const y of [1n, P - 1n]) {
      const R = toLe(y + (1n << 255n))
      expect(isAcceptableR(R)).toBe(false)
      expect(await sameAnswer(new Uint8Array([...R, ...s]), message, keys.publicKey, `-0, y=${y}`)).toBe(false)
    }
    expect(isAcceptableR(toLe(P - 2n))).toBe(true) // the byte check stops at the small-order y values
  })

  it('refuses small-order, mixed-order and non-canonical public keys on every backend', async () => {
    const keys = generateSigningKeyPair()
    const message = utf8('bad keys')
    const signature = sign(message, keys.secretKey)
    const point = ed25519.Point.fromBytes(keys.publicKey)
    const badKeys = [
      ...SMALL_ORDER.map((t) => t.toBytes()),
      ...SMALL_ORDER.slice(1).map((t) => point.add(t).toBytes()),
      toLe(P + 1n), // the identity, spelled y = p + 1
      fromHex('0200000000000000000000000000000000000000000000000000000000000000'), // not on the curve
    ]
    for (const [i, key] of badKeys.entries()) {
      expect(await sameAnswer(signature, message, key, `key ${i}`)).toBe(false)
    }
    // A small-order key with a signature OpenSSL alone accepts (R = identity, S = 0).
    const identityKey = SMALL_ORDER[0]?.toBytes() as Uint8Array
    const zero = new Uint8Array([...identityKey, ...new Uint8Array(32)])
    expect(rawOpenSsl(zero, message, identityKey)).toBe(true)
    expect(await sameAnswer(zero, message, identityKey, 'identity key, R = identity, S = 0')).toBe(false)
  })

  it('agrees on 300 random corruptions of valid signatures, messages and keys, and on wrong lengths', async () => {
    const keys = generateSigningKeyPair()
    const other = generateSigningKeyPair()
    for (let i = 0; i < 100; i++) {
      const message = utf8(`message ${i}`)
      const signature = sign(message, keys.secretKey)
      expect(await sameAnswer(signature, message, keys.publicKey, `valid ${i}`)).toBe(true)
      const flipped = signature.slice()
      flipped[i % 64] = (flipped[i % 64] as number) ^ (1 << (i % 8))
      expect(await sameAnswer(flipped, message, keys.publicKey, `bit ${i}`)).toBe(false)
      expect(await sameAnswer(signature, utf8(`message ${i + 1}`), keys.publicKey, `msg ${i}`)).toBe(false)
      expect(await sameAnswer(signature, message, other.publicKey, `key ${i}`)).toBe(false)
    }
    const signature = sign(utf8('x'), keys.secretKey)
    expect(await sameAnswer(signature.subarray(0, 63), utf8('x'), keys.publicKey, 'short')).toBe(false)
    expect(await sameAnswer(signature, utf8('x'), keys.publicKey.subarray(0, 31), 'short key')).toBe(false)
  })

  it('caches native keys by their bytes: a key changed in place is a different key', async () => {
    const first = generateSigningKeyPair()
    const second = generateSigningKeyPair()
    const message = utf8('cached')
    const signature = sign(message, first.secretKey)
    const key = first.publicKey.slice()
    for (const backend of BACKENDS) expect(await verifySignatureWith(backend, signature, message, key)).toBe(true)
    key.set(second.publicKey)
    for (const backend of BACKENDS) expect(await verifySignatureWith(backend, signature, message, key)).toBe(false)
  })

  it('verifies a manifest the same way synchronously and asynchronously, and refuses it under another key', async () => {
    const v = loadVectors<{ signer: { publicKey: string }; valid: { manifest: string }[] }>('holdall/manifest.json')
    const bytes = fromHex(v.valid[0]?.manifest as string)
    const tampered = bytes.slice()
    tampered[100] = (tampered[100] as number) ^ 1
    await expect(verifyManifestAsync(tampered, fromHex(v.signer.publicKey))).rejects.toMatchObject({
      code: 'MANIFEST_SIGNATURE_INVALID',
    })
    await expect(verifyManifestAsync(bytes, generateSigningKeyPair().publicKey)).rejects.toMatchObject({
      code: 'MANIFEST_SIGNATURE_INVALID',
    })
    expect(parseManifest(bytes).version).toBe((await verifyManifestAsync(bytes, fromHex(v.signer.publicKey))).version)
  })
})
