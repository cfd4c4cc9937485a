import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { assertSigningPublicKey, base64urlDecode } from '@holdall/crypto'
import type { JWK } from 'jose'
import { sha256Base64url } from '../hashing.js'

/**
 * A compact JWS signed with Ed25519 whose public key is embedded in its header (a DPoP proof),
 * verified synchronously with node:crypto (OpenSSL). It does what jose's jwtVerify with
 * EmbeddedJWK did here, without a thread-pool round trip per step: on every authorised request
 * this is the hot path (bench/README.md).
 */
export interface VerifiedEmbeddedJwt {
  readonly payload: Record<string, unknown>
  readonly jwk: JWK
  /** RFC 7638 thumbprint of the embedded key. */
  readonly thumbprint: string
}

export class JwtRefused extends Error {}

const B64URL = /^[A-Za-z0-9_-]+$/
const KEY_CACHE_LIMIT = 1000
/** Public keys by their `x`: a service presents the same key on every request. */
const keys = new Map<string, KeyObject>()

function publicKeyFor(x: string): KeyObject {
  let key = keys.get(x)
  if (key === undefined) {
    // OpenSSL accepts any point: with a small-order key (the identity, say) a "signature" over
    // any message can be made by anyone. Refused once here, before the key is cached ([CRY-KEY-03]).
    try {
      assertSigningPublicKey(base64urlDecode(x))
    } catch {
      throw new JwtRefused('key is not a canonical point of prime order')
    }
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    } catch {
      throw new JwtRefused('bad key')
    }
    if (keys.size >= KEY_CACHE_LIMIT) keys.delete(keys.keys().next().value as string)
    keys.set(x, key)
  }
  return key
}

function jsonPart(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtRefused('not a JSON object')
  return value as Record<string, unknown>
}

/**
 * Verifies `compact` and its time claims at `nowSeconds` (`iat` no older than `maxAgeSeconds`,
 * `exp` and `nbf` honoured when present, all with `toleranceSeconds`). Throws JwtRefused.
 */
export function verifyEmbeddedEd25519Jwt(
  compact: string,
  options: {
    readonly typ: string
    readonly nowSeconds: number
    readonly maxAgeSeconds: number
    readonly toleranceSeconds: number
  },
): VerifiedEmbeddedJwt {
  const parts = compact.split('.')
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) throw new JwtRefused('not a compact JWS')
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  let header: Record<string, unknown>
  let payload: Record<string, unknown>
  try {
    header = jsonPart(headerPart)
    payload = jsonPart(payloadPart)
  } catch {
    throw new JwtRefused('malformed JSON')
  }
  if (header.typ !== options.typ) throw new JwtRefused('wrong typ')
  if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') throw new JwtRefused('wrong alg')
  // No critical extensions are understood; b64=false is one of them.
  if ('crit' in header || 'b64' in header) throw new JwtRefused('unsupported header parameter')
  const jwk = header.jwk as Record<string, unknown> | undefined
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new JwtRefused('no embedded key')
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || 'd' in jwk) throw new JwtRefused('not a public Ed25519 key')
  const x = jwk.x
  if (typeof x !== 'string' || x.length !== 43 || !B64URL.test(x)) throw new JwtRefused('bad key')
  const signature = Buffer.from(signaturePart, 'base64url')
  if (signature.length !== 64) throw new JwtRefused('bad signature length')
  const publicKey = publicKeyFor(x)
  let good = false
  try {
    good = verify(null, Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature)
  } catch {
    good = false
  }
  if (!good) throw new JwtRefused('signature did not verify')

  const { nowSeconds: now, toleranceSeconds: tolerance } = options
  const iat = payload.iat
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new JwtRefused('iat missing')
  if (now - iat > options.maxAgeSeconds + tolerance) throw new JwtRefused('too old')
  if (iat - now > tolerance) throw new JwtRefused('issued in the future')
  if ('exp' in payload && (typeof payload.exp !== 'number' || payload.exp <= now - tolerance))
    throw new JwtRefused('expired')
  if ('nbf' in payload && (typeof payload.nbf !== 'number' || payload.nbf > now + tolerance))
    throw new JwtRefused('not yet valid')
  return {
    payload,
    jwk: jwk as JWK,
    // RFC 7638: the required members in lexicographic order, no whitespace.
    thumbprint: sha256Base64url(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x })),
  }
}
