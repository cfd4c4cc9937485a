import { createPublicKey, verify } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode } from '../src/base64url.js'
import {
  assertAgreementPublicKey,
  assertSigningPublicKey,
  fromPublicJwk,
  generateDeviceKeys,
  keyThumbprint,
  sign,
  signingKeyId,
  toPublicJwk,
  verifySignature,
} from '../src/keys.js'
import { fromHex, utf8 } from './helpers.js'

describe('device keys', () => {
  it('sign and verify strictly', () => {
    const device = generateDeviceKeys()
    const message = utf8('hello')
    const signature = sign(message, device.signing.secretKey)
    expect(verifySignature(signature, message, device.signing.publicKey)).toBe(true)
    expect(verifySignature(signature, utf8('hellp'), device.signing.publicKey)).toBe(false)
    expect(verifySignature(signature.subarray(0, 63), message, device.signing.publicKey)).toBe(false)
  })

  it('[CRY-KEY-01] round-trip as RFC 8037 JWKs and refuse private parts and wrong curves', () => {
    const device = generateDeviceKeys()
    const jwk = toPublicJwk(device.signing.publicKey, 'Ed25519')
    expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(device.signing.publicKey) })
    expect(fromPublicJwk(jwk, 'Ed25519')).toEqual(device.signing.publicKey)
    expect(() => fromPublicJwk(jwk, 'X25519')).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    const withPrivate = { ...jwk, d: base64urlEncode(device.signing.secretKey) }
    expect(() => fromPublicJwk(withPrivate, 'Ed25519')).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    for (const extra of [{ alg: 'EdDSA' }, { kid: 'x' }, { use: 'enc' }, { d: undefined }]) {
      expect(() => fromPublicJwk({ ...jwk, ...extra } as never, 'Ed25519')).toThrow(
        expect.objectContaining({ code: 'KEY_INVALID' }),
      )
    }
    expect(fromPublicJwk(toPublicJwk(device.agreement.publicKey, 'X25519'), 'X25519')).toEqual(
      device.agreement.publicKey,
    )
  })

  it('compute the RFC 7638 thumbprint (RFC 8037 appendix A.3 example)', () => {
    // RFC 8037 A.3: the thumbprint of the A.2 Ed25519 public key.
    const x = base64urlDecode('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')
    expect(keyThumbprint(x, 'Ed25519')).toEqual(
      fromHex('90facafea9b1556698540f70c0117a22ea37bd5cf3ed3c47093c1707282b4b89'),
    )
    expect(signingKeyId(x)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k')
  })

  it('[CRY-KEY-03] refuse small-order and malformed Ed25519 public keys', () => {
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000')
    expect(() => assertSigningPublicKey(identity)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    expect(() => assertSigningPublicKey(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
    const notOnCurve = fromHex('0200000000000000000000000000000000000000000000000000000000000000')
    expect(() => assertSigningPublicKey(notOnCurve)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
  })
})

describe('[CRY-SIG-01] strict Ed25519: verifiers that differ on cofactors must agree', () => {
  const L = ed25519.Point.Fn.ORDER
  const modL = (x: bigint) => ((x % L) + L) % L
  const le = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
  const toLe = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn))
  // A point of order 8 (RFC 8032 / "Taming the many EdDSAs" test data).
  const T8 = ed25519.Point.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'))
  const keys = generateDeviceKeys().signing
  const { scalar, point } = ed25519.utils.getExtendedPublicKey(keys.secretKey)
  const message = utf8('take one tablet each morning')
  const nodeKey = (publicKey: Uint8Array) =>
    createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
      format: 'der',
      type: 'spki',
    })

  /** Signs with nonce point R = rB + T: valid under the cofactored equation only. */
  function mixedOrderR(publicKey: Uint8Array, secretScalar: bigint): Uint8Array {
    const r = 987654321n
    const R = ed25519.Point.BASE.multiply(r).add(T8).toBytes()
    const k = modL(le(sha512(new Uint8Array([...R, ...publicKey, ...message]))))
    return new Uint8Array([...R, ...toLe(modL(r + k * secretScalar))])
  }

  it('refuses a signature whose R has a small-order component, as OpenSSL does', () => {
    const signature = mixedOrderR(keys.publicKey, scalar)
    expect(verify(null, message, nodeKey(keys.publicKey), signature)).toBe(false)
    expect(verifySignature(signature, message, keys.publicKey)).toBe(false)
  })

  it('refuses a public key with a small-order component', () => {
    const mixed = point.add(T8).toBytes()
    expect(() => assertSigningPublicKey(mixed)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }))
  })

  it('still accepts ordinary signatures, like OpenSSL', () => {
    const signature = sign(message, keys.secretKey)
    expect(verify(null, message, nodeKey(keys.publicKey), signature)).toBe(true)
    expect(verifySignature(signature, message, keys.publicKey)).toBe(true)
  })
})

describe('base64url', () => {
  it('[CRY-ENC-01][CRY-ENC-02] round-trips every length and refuses every non-canonical form', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255)
      const text = base64urlEncode(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64url'))
      expect(base64urlDecode(text)).toEqual(bytes)
    }
    for (const bad of ['A', 'AAA=', 'AB', 'AAB', 'a+b/', 'ab cd', 'ab\ncd', 'é', 'AA==']) {
      expect(() => base64urlDecode(bad), bad).toThrow(expect.objectContaining({ code: 'ENCODING_INVALID' }))
    }
  })

  it('[CRY-KEY-01] valid keys are remembered by their bytes: one changed in place to a small-order point is refused', () => {
    const device = generateDeviceKeys()
    const agreement = device.agreement.publicKey.slice()
    assertAgreementPublicKey(agreement)
    assertAgreementPublicKey(agreement)
    agreement.set(fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'))
    expect(() => assertAgreementPublicKey(agreement)).toThrow(/low order/)
    expect(() => assertAgreementPublicKey(agreement)).toThrow(/low order/)

    const signing = device.signing.publicKey.slice()
    const message = utf8('remembered')
    const signature = sign(message, device.signing.secretKey)
    expect(verifySignature(signature, message, signing)).toBe(true)
    assertSigningPublicKey(signing)
    // The identity point (y = 1): every signature under it would verify for any message.
    signing.set(fromHex('0100000000000000000000000000000000000000000000000000000000000000'))
    expect(() => assertSigningPublicKey(signing)).toThrow(/prime order/)
    expect(verifySignature(signature, message, signing)).toBe(false)
  })
})
