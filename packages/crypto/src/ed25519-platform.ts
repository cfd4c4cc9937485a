import { ed25519 } from '@noble/curves/ed25519.js'
import { base64urlEncode } from './base64url.js'

/*
 * The platform's Ed25519 for strict verification (spec 3.9, security.md D18): node:crypto
 * (synchronous, OpenSSL) where the runtime has it, WebCrypto `Ed25519` (asynchronous) in current
 * browsers, and @noble/curves everywhere else. Pure-JavaScript verification costs 2-4 ms a
 * signature, which made approving a grant over 1,000 records take 6 s (bench/README.md).
 *
 * Why the answers are the same (keys.ts makes every check below before any backend runs):
 * - S < L, checked here on the bytes.
 * - The public key A is a canonical point of prime order, not the identity (checked once per key).
 * - R's y is canonical (below p) and is not the y of any of the 8 small-order points, checked
 *   here on the bytes. With x = 0 only for y = 1 or p - 1, this also refuses the "negative zero"
 *   spellings.
 * - Native verifiers use the cofactorless equation: OpenSSL and BoringSSL compute
 *   P = [S]B - [k]A and compare its canonical encoding with R's bytes; the WebCrypto
 *   specification requires the cofactorless equation too. With A and B in the prime-order
 *   subgroup, P is in it, so an R that passes is a canonical point with no small-order
 *   component, and it is not the identity (refused above). Noble's strict path checks exactly
 *   that: canonical R of prime order, cofactored equation (equal to the cofactorless one for such
 *   R and A). So both accept exactly the same signatures.
 * - A platform that used the cofactored equation would accept an R with a small-order component.
 *   Each backend is therefore probed once with such a signature (MIXED_ORDER_R below) and with a
 *   valid one (RFC 8032 test 1), and is used only if it refuses the first and accepts the second.
 */

export type Ed25519Implementation = 'node' | 'webcrypto' | 'noble'

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const ORDER = hexBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')

/** The y-coordinates (bit 255 cleared) of the 8 points of small order: 1, p - 1, 0, and ±y of order 8. */
const SMALL_ORDER_Y = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
].map(hexBytes)

/** S (bytes 32..63 of a signature) as a little-endian number below L. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] as number
    const b = ORDER[i] as number
    if (a !== b) return a < b
  }
  return false
}

/** R's y-coordinate below p = 2^255 - 19 and not that of a small-order point. */
export function isAcceptableR(r: Uint8Array): boolean {
  const top = (r[31] as number) & 0x7f
  let allOnes = top === 0x7f && (r[0] as number) >= 0xed
  for (let i = 1; i < 31 && allOnes; i++) allOnes = r[i] === 0xff
  if (allOnes) return false // y >= p
  return !SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 31; i++) if (r[i] !== y[i]) return false
    return top === y[31]
  })
}

// RFC 8032 section 7.1, test 1 (empty message), and a signature by the same key over PROBE_MESSAGE
// whose R is rB plus a point of order 8: valid only under the cofactored equation.
const PROBE_KEY = hexBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
const PROBE_VALID = hexBytes(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
)
const PROBE_MESSAGE = new TextEncoder().encode('holdall/v1/ed25519-probe')
const MIXED_ORDER_R = hexBytes(
  '5218bec9ac0aeea7b1c34491b415b50d6dd4344d044058f7176e9d3b44d9071f332202b3e682728279dd7efe33b8d9296434df097b584b637d15bae3730df509',
)

/** @internal The probe's vectors, for the test that shows they are what they claim. */
export const PROBE_VECTORS = { key: PROBE_KEY, valid: PROBE_VALID, message: PROBE_MESSAGE, mixedOrderR: MIXED_ORDER_R }

/** The noble path: canonical R of prime order, then noble's strict (cofactored) equation. */
export function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const r = ed25519.Point.fromBytes(signature.subarray(0, 32), false)
    if (r.is0() || !r.isTorsionFree()) return false
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

// ---- node:crypto ---------------------------------------------------------------------------

interface NodeCrypto {
  createPublicKey(options: { key: Uint8Array; format: 'der'; type: 'spki' }): object
  verify(algorithm: null, data: Uint8Array, key: object, signature: Uint8Array): boolean
}

const SPKI_PREFIX = hexBytes('302a300506032b6570032100')
const KEY_CACHE = 1024
const nodeKeys = new Map<string, object>()
let nodeCrypto: NodeCrypto | null | undefined

/** node:crypto through Node's `getBuiltinModule` (Node 20.16+), so bundlers never see an import. */
function loadNodeCrypto(): NodeCrypto | null {
  try {
    // Feature detection, never a dependency: a browser has no such global and takes WebCrypto.
    type NodeGlobal = { readonly process?: { getBuiltinModule?: (id: string) => unknown } }
    const builtins = (globalThis as NodeGlobal).process
    const candidate = builtins?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
    if (candidate === undefined || typeof candidate.verify !== 'function') return null
    const verify = (s: Uint8Array, m: Uint8Array) => candidate.verify(null, m, nodeKey(candidate, PROBE_KEY), s)
    return verify(PROBE_VALID, new Uint8Array(0)) && !verify(MIXED_ORDER_R, PROBE_MESSAGE) ? candidate : null
  } catch {
    return null
  }
}

function nodeKey(crypto: NodeCrypto, publicKey: Uint8Array): object {
  const id = base64urlEncode(publicKey)
  let key = nodeKeys.get(id)
  if (key === undefined) {
    const spki = new Uint8Array(SPKI_PREFIX.length + publicKey.length)
    spki.set(SPKI_PREFIX)
    spki.set(publicKey, SPKI_PREFIX.length)
    key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' })
    if (nodeKeys.size >= KEY_CACHE) nodeKeys.delete(nodeKeys.keys().next().value as string)
    nodeKeys.set(id, key)
  }
  return key
}

/** The synchronous backend: node:crypto when it passes the probe, noble otherwise. Decided once. */
export function syncImplementation(): 'node' | 'noble' {
  nodeCrypto ??= loadNodeCrypto()
  return nodeCrypto === null ? 'noble' : 'node'
}

/** Verifies with node:crypto; the caller has made the byte and key checks. */
export function nodeVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  nodeCrypto ??= loadNodeCrypto()
  if (nodeCrypto === null) throw new Error('node:crypto Ed25519 is not available')
  try {
    return nodeCrypto.verify(null, message, nodeKey(nodeCrypto, publicKey), signature)
  } catch {
    return false
  }
}

// ---- WebCrypto -----------------------------------------------------------------------------

const webKeys = new Map<string, Promise<CryptoKey>>()
let webProbe: Promise<boolean> | undefined

function webKey(subtle: SubtleCrypto, publicKey: Uint8Array): Promise<CryptoKey> {
  const id = base64urlEncode(publicKey)
  let key = webKeys.get(id)
  if (key === undefined) {
    key = subtle.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify'])
    key.catch(() => webKeys.delete(id))
    if (webKeys.size >= KEY_CACHE) webKeys.delete(webKeys.keys().next().value as string)
    webKeys.set(id, key)
  }
  return key
}

/** Whether WebCrypto Ed25519 is there and passes the probe. Decided once. */
export function webCryptoAvailable(): Promise<boolean> {
  webProbe ??= (async () => {
    try {
      const subtle = globalThis.crypto?.subtle
      if (subtle === undefined) return false
      const key = await subtle.importKey('raw', PROBE_KEY.slice(), { name: 'Ed25519' }, false, ['verify'])
      const valid = await subtle.verify({ name: 'Ed25519' }, key, PROBE_VALID.slice(), new Uint8Array(0))
      const mixed = await subtle.verify({ name: 'Ed25519' }, key, MIXED_ORDER_R.slice(), PROBE_MESSAGE.slice())
      return valid && !mixed
    } catch {
      return false
    }
  })()
  return webProbe
}

/** Verifies with WebCrypto; the caller has made the byte and key checks and the probe. */
export async function webCryptoVerify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): Promise<boolean> {
  const subtle = globalThis.crypto.subtle
  try {
    return await subtle.verify({ name: 'Ed25519' }, await webKey(subtle, publicKey), signature.slice(), message.slice())
  } catch {
    return false
  }
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}
