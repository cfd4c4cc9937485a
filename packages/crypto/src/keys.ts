import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { base64urlDecode, base64urlEncode } from './base64url.js'
import { isAllZero, sha256Bytes, utf8 } from './bytes.js'
import { KEY_LENGTH, SIGNATURE_LENGTH } from './constants.js'
import {
  type Ed25519Implementation,
  isAcceptableR,
  isCanonicalScalar,
  nobleVerify,
  nodeVerify,
  syncImplementation,
  webCryptoAvailable,
  webCryptoVerify,
} from './ed25519-platform.js'
import { HoldallCryptoError } from './errors.js'

/** An Ed25519 key pair. `secretKey` is the 32-byte RFC 8032 seed. */
export interface SigningKeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** An X25519 key pair (RFC 7748), used as an HPKE recipient key. */
export interface AgreementKeyPair {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** The two keys every holder device, issuer and service holds: one to sign, one to receive wraps. */
export interface DeviceKeys {
  readonly signing: SigningKeyPair
  readonly agreement: AgreementKeyPair
}

/** A public key as an RFC 8037 JWK: the form keys take on the wire and in DPoP proofs. */
export interface OkpPublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'Ed25519' | 'X25519'
  readonly x: string
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { secretKey, publicKey } = ed25519.keygen()
  return { secretKey, publicKey }
}

export function generateAgreementKeyPair(): AgreementKeyPair {
  const { secretKey, publicKey } = x25519.keygen()
  return { secretKey, publicKey }
}

/**
 * Makes a fresh device identity. The secret halves never leave the device unwrapped: the holder
 * app keeps them in the platform key store, behind the local PIN (security.md D11).
 */
export function generateDeviceKeys(): DeviceKeys {
  return { signing: generateSigningKeyPair(), agreement: generateAgreementKeyPair() }
}

export function signingPublicKey(secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, KEY_LENGTH, 'Ed25519 secret key')
  return ed25519.getPublicKey(secretKey)
}

export function agreementPublicKey(secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, KEY_LENGTH, 'X25519 secret key')
  return x25519.getPublicKey(secretKey)
}

/**
 * Refuses an Ed25519 public key that is not 32 bytes, not a canonical point encoding, or not in
 * the prime-order subgroup (small-order or mixed-order). With such keys refused, and the same
 * rule applied to R, cofactored verifiers (noble) and cofactorless ones (OpenSSL) agree on every
 * signature ("Taming the many EdDSAs", Chalkias et al. 2020).
 */
export function assertSigningPublicKey(publicKey: Uint8Array): void {
  assertLength(publicKey, KEY_LENGTH, 'Ed25519 public key')
  if (!isPrimeOrderKey(publicKey)) {
    throw new HoldallCryptoError('KEY_INVALID', 'Ed25519 public key is not a canonical point of prime order')
  }
}

/**
 * Public keys already found valid, by curve and bytes. Each check is a pure function of the key's
 * bytes and costs a scalar multiplication in JavaScript; one issuer's key signs every manifest a
 * holder shares, and one service's key receives every wrap of an approval (1,000 of each for a
 * grant over 1,000 records, bench/README.md). Only successes are kept, at most this many.
 */
const KNOWN_GOOD_KEYS = 1024
const knownGood = new Set<string>()

function rememberedValid(curve: 'Ed25519' | 'X25519', key: Uint8Array, check: () => boolean): boolean {
  const id = `${curve}:${base64urlEncode(key)}`
  if (knownGood.has(id)) return true
  if (!check()) return false
  if (knownGood.size >= KNOWN_GOOD_KEYS) knownGood.delete(knownGood.values().next().value as string)
  knownGood.add(id)
  return true
}

/** A public key (not a signature's R, which differs every time) that is a canonical point of prime order. */
function isPrimeOrderKey(encoded: Uint8Array): boolean {
  return rememberedValid('Ed25519', encoded, () => isPrimeOrderPoint(encoded))
}

/** Canonical encoding, not the identity, and no small-order component. */
function isPrimeOrderPoint(encoded: Uint8Array): boolean {
  try {
    const point = ed25519.Point.fromBytes(encoded, false)
    return !point.is0() && point.isTorsionFree()
  } catch {
    return false
  }
}

/**
 * Refuses an X25519 public key that is not 32 bytes, is not canonical (top bit set, or a value
 * of p = 2^255 - 19 or more: such a key would have two spellings and two key ids), or lies in the
 * small subgroup, where every shared secret is all zero and a wrap would be readable by anyone
 * (RFC 7748 section 6.1; age's all-zero rule; attack case 11).
 */
export function assertAgreementPublicKey(publicKey: Uint8Array): void {
  assertLength(publicKey, KEY_LENGTH, 'X25519 public key')
  if (rememberedValid('X25519', publicKey, () => false)) return
  checkAgreementPublicKey(publicKey)
  rememberedValid('X25519', publicKey, () => true)
}

function checkAgreementPublicKey(publicKey: Uint8Array): void {
  if (!isCanonicalFieldElement(publicKey))
    throw new HoldallCryptoError('KEY_INVALID', 'X25519 public key is not canonical')
  // Any clamped scalar is a multiple of the cofactor 8, so it sends every small-order point to
  // the identity, whose u-coordinate is 0. One fixed scalar therefore finds them all.
  let product: Uint8Array
  try {
    product = x25519.scalarMult(LOW_ORDER_PROBE, publicKey)
  } catch (cause) {
    throw new HoldallCryptoError('KEY_INVALID', 'X25519 public key has low order', { cause })
  }
  if (isAllZero(product)) throw new HoldallCryptoError('KEY_INVALID', 'X25519 public key has low order')
}

const LOW_ORDER_PROBE = new Uint8Array(KEY_LENGTH).fill(0x5a)

/** Little-endian value below p = 2^255 - 19, with bit 255 clear. */
function isCanonicalFieldElement(u: Uint8Array): boolean {
  if (((u[31] as number) & 0x80) !== 0) return false
  if (u[31] !== 0x7f || (u[0] as number) < 0xed) return true
  for (let i = 1; i < 31; i++) if (u[i] !== 0xff) return true
  return false
}

/** Signs with Ed25519 (RFC 8032, pure, deterministic). */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, KEY_LENGTH, 'Ed25519 secret key')
  return ed25519.sign(message, secretKey)
}

/**
 * Strict Ed25519 verification (spec 3.9): canonical encodings, S < L, and R and the public key
 * in the prime-order subgroup. Under these rules every verifier, noble in the browser or OpenSSL
 * on a server, gives the same answer for the same bytes (security.md D18). Runs on node:crypto
 * where the runtime has it and noble elsewhere (ed25519-platform.ts says why the answers agree).
 */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return verifySignatureWith(syncImplementation(), signature, message, publicKey) as boolean
}

/**
 * The same answers as {@link verifySignature}, on WebCrypto `Ed25519` where the platform has it
 * (current browsers, where the synchronous path is pure JavaScript) and synchronously elsewhere.
 */
export async function verifySignatureAsync(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  if (syncImplementation() === 'node' || !(await webCryptoAvailable())) {
    return verifySignature(signature, message, publicKey)
  }
  return verifySignatureWith('webcrypto', signature, message, publicKey)
}

/**
 * @internal Strict verification on one named backend, for tests that run every case through each
 * of them; not exported from the package. The checks before the backend are the same for all.
 */
export function verifySignatureWith(
  implementation: Ed25519Implementation,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean | Promise<boolean> {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== KEY_LENGTH) return false
  if (!isCanonicalScalar(signature.subarray(32)) || !isAcceptableR(signature.subarray(0, 32))) return false
  if (!isPrimeOrderKey(publicKey)) return false
  if (implementation === 'node') return nodeVerify(signature, message, publicKey)
  if (implementation === 'webcrypto') return webCryptoVerify(signature, message, publicKey)
  return nobleVerify(signature, message, publicKey)
}

export function toPublicJwk(publicKey: Uint8Array, crv: OkpPublicJwk['crv']): OkpPublicJwk {
  if (crv === 'Ed25519') assertSigningPublicKey(publicKey)
  else assertAgreementPublicKey(publicKey)
  return { kty: 'OKP', crv, x: base64urlEncode(publicKey) }
}

/** Reads a public key from its JWK, refusing anything but an exact OKP key of the expected curve. */
export function fromPublicJwk(jwk: OkpPublicJwk, crv: OkpPublicJwk['crv']): Uint8Array {
  if (jwk.kty !== 'OKP' || jwk.crv !== crv || typeof jwk.x !== 'string') {
    throw new HoldallCryptoError('KEY_INVALID', `expected an OKP ${crv} public JWK`)
  }
  // Exactly kty, crv and x: a private `d`, or any other member, is refused (CRY-KEY-01).
  const members = Object.keys(jwk)
  if (members.length !== 3 || members.some((m) => m !== 'kty' && m !== 'crv' && m !== 'x')) {
    throw new HoldallCryptoError('KEY_INVALID', 'a public JWK must have exactly the members kty, crv and x')
  }
  // Text first (ENCODING_INVALID), then the key itself: a canonical encoding of the wrong number
  // of bytes is a bad key (KEY_INVALID), as spec 3.10 assigns it.
  const publicKey = base64urlDecode(jwk.x)
  if (crv === 'Ed25519') assertSigningPublicKey(publicKey)
  else assertAgreementPublicKey(publicKey)
  return publicKey
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256) of an OKP public key: a key's identifier everywhere in
 * Holdall. For a signing key it equals the `jkt` that DPoP binds tokens to.
 */
export function keyThumbprint(publicKey: Uint8Array, crv: OkpPublicJwk['crv']): Uint8Array {
  const x = base64urlEncode(publicKey)
  // RFC 7638 section 3.2: required members only, lexicographic order, no whitespace.
  return sha256Bytes(utf8(`{"crv":"${crv}","kty":"OKP","x":"${x}"}`))
}

/** The base64url thumbprint of an Ed25519 public key, as used in manifests and on the wire. */
export function signingKeyId(publicKey: Uint8Array): string {
  return base64urlEncode(keyThumbprint(publicKey, 'Ed25519'))
}

function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new HoldallCryptoError('KEY_INVALID', `${what} must be ${length} bytes`)
  }
}
