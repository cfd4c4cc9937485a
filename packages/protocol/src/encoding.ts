import { z } from 'zod'

const CHAR = '[A-Za-z0-9_-]'
// With 1 or 2 bytes in the last group, the final character's unused low bits must be zero.
const LAST_OF_ONE_BYTE = '[AQgw]'
const LAST_OF_TWO_BYTES = '[AEIMQUYcgkosw048]'

/** Length in characters of `bytes` bytes as unpadded base64url. */
export function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3)
}

/*
 * Canonical encodings are expressed as regular expressions, not zod refinements, so that the JSON
 * Schemas generated from these schemas (protocol-spec/schemas/) say exactly what zod checks.
 */

/**
 * Canonical unpadded base64url (RFC 4648 section 5) of exactly `bytes` bytes. Non-canonical
 * strings (padding, stray bits in the last character, the standard alphabet) are refused, so
 * every value has one spelling.
 */
export function base64urlBytesSchema(bytes: number) {
  const length = base64urlLength(bytes)
  const last = bytes % 3 === 1 ? LAST_OF_ONE_BYTE : bytes % 3 === 2 ? LAST_OF_TWO_BYTES : CHAR
  const pattern = length === 0 ? '^$' : `^${CHAR}{${length - 1}}${last}$`
  return z.string().length(length).regex(new RegExp(pattern), 'must be canonical unpadded base64url')
}

/** Canonical unpadded base64url of any length up to `maxBytes`. */
export function base64urlSchema(maxBytes: number) {
  const pattern = `^(?:${CHAR}{4})*(?:${CHAR}${LAST_OF_ONE_BYTE}|${CHAR}{2}${LAST_OF_TWO_BYTES})?$`
  return z.string().max(base64urlLength(maxBytes)).regex(new RegExp(pattern), 'must be canonical unpadded base64url')
}
