import { HoldallCryptoError } from './errors.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Unpadded base64url (RFC 4648 section 5), the only binary-to-text encoding on Holdall's wire. */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      ALPHABET.charAt(n >> 18) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63)
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63)
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63)
  }
  return out
}

/**
 * Strict decoder: refuses padding, whitespace, the standard-alphabet `+` and `/`, impossible
 * lengths, and non-zero unused trailing bits. Exactly one string encodes each byte string, so a
 * value can never be re-encoded into a different but equivalent form (see security.md D14 on
 * malleable encodings).
 */
export function base64urlDecode(text: string): Uint8Array {
  const remainder = text.length % 4
  if (remainder === 1) throw invalid()
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let o = 0
  let i = 0
  for (; i + 3 < text.length; i += 4) {
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3)
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 255
    out[o++] = n & 255
  }
  if (remainder === 2) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    if ((b & 15) !== 0) throw invalid()
    out[o++] = (a << 2) | (b >> 4)
  } else if (remainder === 3) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    if ((c & 3) !== 0) throw invalid()
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 15) << 4) | (c >> 2)
  }
  return out
}

/** Decodes and checks the exact byte length, the usual way keys and wraps are read. */
export function base64urlDecodeExact(text: string, length: number): Uint8Array {
  if (text.length !== Math.ceil((length * 4) / 3)) throw invalid()
  return base64urlDecode(text)
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index)
  const value = code < 128 ? (DECODE[code] as number) : -1
  if (value < 0) throw invalid()
  return value
}

function invalid(): HoldallCryptoError {
  return new HoldallCryptoError('ENCODING_INVALID', 'not canonical unpadded base64url')
}
