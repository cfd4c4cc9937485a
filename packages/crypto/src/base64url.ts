import { HoldallCryptoError } from './errors.js'

/**
 * RFC 4648 base64, strict, in its two spellings: unpadded base64url (section 5), the only
 * binary-to-text encoding on Holdall's wire, and padded standard base64 (section 4), which C2SP
 * signed notes and checkpoints use (@holdall/log). One encoder and one decoder serve both.
 */
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

function decodeTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1)
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i
  return table
}
const URL_DECODE = decodeTable(URL_ALPHABET)
const STANDARD_DECODE = decodeTable(STANDARD_ALPHABET)

function encode(bytes: Uint8Array, alphabet: string, padded: boolean): string {
  let out = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    out +=
      alphabet.charAt(n >> 18) +
      alphabet.charAt((n >> 12) & 63) +
      alphabet.charAt((n >> 6) & 63) +
      alphabet.charAt(n & 63)
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = (bytes[i] as number) << 16
    out += alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + (padded ? '==' : '')
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out +=
      alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + alphabet.charAt((n >> 6) & 63) + (padded ? '=' : '')
  }
  return out
}

/**
 * The unpadded characters of `text` decoded, or undefined unless they are the one canonical
 * spelling of some bytes: nothing outside the alphabet, no impossible length, and zero unused
 * trailing bits (RFC 4648 section 3.5). Exactly one string encodes each byte string, so a value
 * can never be re-encoded into a different but equivalent form (security.md D14).
 */
function decode(text: string, table: Int16Array): Uint8Array | undefined {
  const remainder = text.length % 4
  if (remainder === 1) return undefined
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  const sextet = (index: number) => {
    const code = text.charCodeAt(index)
    return code < 128 ? (table[code] as number) : -1
  }
  let o = 0
  let i = 0
  for (; i + 3 < text.length; i += 4) {
    const a = sextet(i)
    const b = sextet(i + 1)
    const c = sextet(i + 2)
    const d = sextet(i + 3)
    if ((a | b | c | d) < 0) return undefined
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >> 16
    out[o++] = (n >> 8) & 255
    out[o++] = n & 255
  }
  if (remainder === 2) {
    const a = sextet(i)
    const b = sextet(i + 1)
    if ((a | b) < 0 || (b & 15) !== 0) return undefined
    out[o++] = (a << 2) | (b >> 4)
  } else if (remainder === 3) {
    const a = sextet(i)
    const b = sextet(i + 1)
    const c = sextet(i + 2)
    if ((a | b | c) < 0 || (c & 3) !== 0) return undefined
    out[o++] = (a << 2) | (b >> 4)
    out[o++] = ((b & 15) << 4) | (c >> 2)
  }
  return out
}

/** Unpadded base64url (RFC 4648 section 5), the only binary-to-text encoding on Holdall's wire. */
export function base64urlEncode(bytes: Uint8Array): string {
  return encode(bytes, URL_ALPHABET, false)
}

/**
 * Strict decoder: refuses padding, whitespace, the standard-alphabet `+` and `/`, impossible
 * lengths, and non-zero unused trailing bits, with ENCODING_INVALID.
 */
export function base64urlDecode(text: string): Uint8Array {
  const out = decode(text, URL_DECODE)
  if (out === undefined) throw invalid()
  return out
}

/** Decodes and checks the exact byte length, the usual way keys and wraps are read. */
export function base64urlDecodeExact(text: string, length: number): Uint8Array {
  if (text.length !== Math.ceil((length * 4) / 3)) throw invalid()
  return base64urlDecode(text)
}

/** Standard, padded base64 (RFC 4648 section 4), as C2SP signed notes and checkpoints use it. */
export function base64Encode(bytes: Uint8Array): string {
  return encode(bytes, STANDARD_ALPHABET, true)
}

/**
 * Strict: padding exactly as the length needs, nothing outside the alphabet, zero unused bits,
 * so a signed note cannot be re-encoded (and a checkpoint's text changed) without changing its
 * meaning. Undefined for anything but the canonical encoding of some bytes.
 */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  return decode(text.slice(0, text.length - padding), STANDARD_DECODE)
}

function invalid(): HoldallCryptoError {
  return new HoldallCryptoError('ENCODING_INVALID', 'not canonical unpadded base64url')
}
