/**
 * Hand-made Ed25519 signatures for negative vectors: signatures that lenient verifiers (ZIP-215,
 * cofactored, or ones that decode non-canonical points) accept and a strict one must refuse.
 * Made from the RFC 8032 equations directly, because no honest signer produces them.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { concat, utf8 } from '../../packages/crypto/src/bytes.js'

export const L = 2n ** 252n + 27742317777372353535851937790883648493n
const Point = ed25519.Point
type EdPoint = InstanceType<typeof Point>

/** A point of order 8 (RFC 8032 section 5.1 torsion; its encoding is Wycheproof's usual one). */
export const ORDER_8 = Point.fromBytes(
  Uint8Array.from(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex')),
  false,
)
export const IDENTITY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))
/** The identity with y = 1 + p: decodes to the identity only under a lenient decoder. */
export const IDENTITY_NON_CANONICAL = Uint8Array.from({ length: 32 }, (_, i) =>
  i === 0 ? 0xee : i === 31 ? 0x7f : 0xff,
)
/** The identity with the sign bit set although x = 0 ("negative zero"; RFC 8032 5.1.3 refuses it). */
export const IDENTITY_NEGATIVE_ZERO = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : i === 31 ? 0x80 : 0))

export function littleEndian(bytes: Uint8Array): bigint {
  return bytes.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
}

export function scalarBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32)
  let v = value
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

/** k = SHA-512(R ‖ A ‖ M) mod L, over the encodings exactly as given. */
export function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  return littleEndian(sha512(concat(r, a, message))) % L
}

/** The secret scalar of an RFC 8032 seed. */
export function secretScalar(seed: Uint8Array): bigint {
  return ed25519.utils.getExtendedPublicKey(seed).scalar
}

export function encode(point: EdPoint): Uint8Array {
  return point.toBytes()
}

export function base(scalar: bigint): EdPoint {
  return Point.BASE.multiply(scalar)
}

/**
 * The first message `<label> <i>` for which `accept(message)` holds: used to pick messages whose
 * challenge is a multiple of 8, so a torsion component vanishes even from the cofactorless check.
 */
export function findMessage(label: string, accept: (message: Uint8Array) => boolean): Uint8Array {
  for (let i = 0; ; i++) {
    const message = utf8(`${label} ${i}`)
    if (accept(message)) return message
  }
}

export function signature(r: Uint8Array, s: bigint): Uint8Array {
  return concat(r, scalarBytes(s))
}

/** Would a ZIP-215 (cofactored, non-canonical-tolerant) verifier accept? Informative only. */
export function zip215Accepts(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, message, publicKey, { zip215: true })
  } catch {
    return false
  }
}
