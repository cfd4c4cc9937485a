/**
 * Standard, padded base64 (RFC 4648 section 4), as signed notes and checkpoints use it. The
 * decoder is strict: padding exactly as the length needs, nothing outside the alphabet, and zero
 * unused bits, so each byte string has one spelling and a note cannot be re-encoded (and a
 * checkpoint's text changed) without changing its meaning.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DECODE = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

export function base64Encode(bytes: Uint8Array): string {
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
    out += `${ALPHABET.charAt(n >> 18)}${ALPHABET.charAt((n >> 12) & 63)}==`
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8)
    out += `${ALPHABET.charAt(n >> 18)}${ALPHABET.charAt((n >> 12) & 63)}${ALPHABET.charAt((n >> 6) & 63)}=`
  }
  return out
}

/** Returns undefined for anything but the canonical encoding of some bytes. */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const body = text.length - padding
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < body; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? (DECODE[code] as number) : -1
    if (value < 0) return undefined
    acc = ((acc << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  // Unused low bits of the last character must be zero (RFC 4648 section 3.5).
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined
  return o === out.length ? out : undefined
}
