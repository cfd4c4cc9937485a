import { base64urlDecode, base64urlEncode } from './base64url.js'
import { utf8 } from './bytes.js'
import { HoldallCryptoError } from './errors.js'
import { sign, verifySignature } from './keys.js'

/**
 * Compact JWS (RFC 7515) with EdDSA/Ed25519 only, for the few JOSE artefacts clients sign: DPoP
 * proofs, client and device assertions, grant receipts, trust lists. The signing input is ASCII
 * base64url, so it can never equal the binary, context-prefixed messages of manifests and
 * statements: the two kinds of signature cannot be confused.
 */
export function signCompactJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secretKey: Uint8Array,
): string {
  if (header.alg !== 'EdDSA' || typeof header.typ !== 'string') {
    throw new HoldallCryptoError('ENCODING_INVALID', 'a Holdall JWS has alg EdDSA and an explicit typ')
  }
  const input = `${base64urlEncode(utf8(JSON.stringify(header)))}.${base64urlEncode(utf8(JSON.stringify(payload)))}`
  return `${input}.${base64urlEncode(sign(utf8(input), secretKey))}`
}

export interface VerifiedJws {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

/**
 * Verifies a compact JWS under one Ed25519 key, strictly: alg EdDSA, the expected typ, no `crit`,
 * canonical base64url in every part, and strict Ed25519 (spec 3.9).
 */
export function verifyCompactJws(jws: string, publicKey: Uint8Array, expectedTyp: string): VerifiedJws {
  const parts = jws.split('.')
  if (parts.length !== 3) throw new HoldallCryptoError('SIGNATURE_INVALID', 'not a compact JWS')
  const [h, p, s] = parts as [string, string, string]
  let header: Record<string, unknown>
  let payload: Record<string, unknown>
  let signature: Uint8Array
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(h)))
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(p)))
    signature = base64urlDecode(s)
  } catch (cause) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the JWS is not well formed', { cause })
  }
  if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the JWS header and payload must be objects')
  }
  if (header.alg !== 'EdDSA' || header.typ !== expectedTyp || 'crit' in header) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'unexpected JWS header')
  }
  if (!verifySignature(signature, utf8(`${h}.${p}`), publicKey)) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the JWS signature does not verify')
  }
  return { header, payload }
}
