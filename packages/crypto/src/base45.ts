import { HoldallCryptoError } from './errors.js'

/*
 * Base45 (RFC 9285): bytes as text in the QR code's alphanumeric mode, which stores 45 symbols in
 * 5.5 bits each, so 2 bytes take 3 symbols (about 8.25 bits a byte in the code, against 10.7 for
 * base64 in byte mode). The offline share (spec 10.2) is the only user. Decoding is strict: a
 * symbol outside the alphabet, a triple above 65535, a pair above 255 or a stray single symbol is
 * refused, so one text has one meaning.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

export function base45Encode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 1 < bytes.length; i += 2) {
    let n = (bytes[i] as number) * 256 + (bytes[i + 1] as number)
    const c = n % 45
    n = (n - c) / 45
    const d = n % 45
    const e = (n - d) / 45
    out += ALPHABET.charAt(c) + ALPHABET.charAt(d) + ALPHABET.charAt(e)
  }
  if (i < bytes.length) {
    const n = bytes[i] as number
    out += ALPHABET.charAt(n % 45) + ALPHABET.charAt(Math.floor(n / 45))
  }
  return out
}

export function base45Decode(text: string): Uint8Array {
  if (text.length % 3 === 1) throw new HoldallCryptoError('ENCODING_INVALID', 'base45 text has a stray symbol')
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0))
  let o = 0
  for (let i = 0; i < text.length; i += 3) {
    const c = symbol(text, i)
    const d = symbol(text, i + 1)
    if (i + 2 < text.length) {
      const n = c + d * 45 + symbol(text, i + 2) * 2025
      if (n > 0xffff) throw new HoldallCryptoError('ENCODING_INVALID', 'base45 triple is out of range')
      out[o++] = n >> 8
      out[o++] = n & 0xff
    } else {
      const n = c + d * 45
      if (n > 0xff) throw new HoldallCryptoError('ENCODING_INVALID', 'base45 pair is out of range')
      out[o++] = n
    }
  }
  return out
}

function symbol(text: string, at: number): number {
  const code = text.charCodeAt(at)
  const value = code < 128 ? (DECODE[code] as number) : -1
  if (value < 0) throw new HoldallCryptoError('ENCODING_INVALID', 'not a base45 symbol')
  return value
}
