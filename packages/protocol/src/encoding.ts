import { z } from 'zod'

const BASE64URL = /^[A-Za-z0-9_-]*$/
// With 1 or 2 bytes in the last group, the final character's unused low bits must be zero.
const LAST_CHAR_ONE_BYTE = /[AQgw]$/
const LAST_CHAR_TWO_BYTES = /[AEIMQUYcgkosw048]$/

/** Length in characters of `bytes` bytes as unpadded base64url. */
export function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3)
}

/**
 * Canonical unpadded base64url (RFC 4648 section 5) of exactly `bytes` bytes. Non-canonical
 * strings (padding, stray bits in the last character, the standard alphabet) are refused, so
 * every value has one spelling.
 */
export function base64urlBytesSchema(bytes: number) {
  const length = base64urlLength(bytes)
  const last = bytes % 3 === 1 ? LAST_CHAR_ONE_BYTE : bytes % 3 === 2 ? LAST_CHAR_TWO_BYTES : undefined
  return z
    .string()
    .length(length)
    .regex(BASE64URL, 'must be unpadded base64url')
    .refine((value) => last === undefined || value.length === 0 || last.test(value), 'must be canonical base64url')
}

/** Canonical unpadded base64url of any length up to `maxBytes`. */
export function base64urlSchema(maxBytes: number) {
  return z
    .string()
    .max(base64urlLength(maxBytes))
    .regex(BASE64URL, 'must be unpadded base64url')
    .refine((value) => value.length % 4 !== 1, 'impossible base64url length')
    .refine((value) => {
      const rest = value.length % 4
      if (rest === 2) return LAST_CHAR_ONE_BYTE.test(value)
      if (rest === 3) return LAST_CHAR_TWO_BYTES.test(value)
      return true
    }, 'must be canonical base64url')
}
