/**
 * What every vector generator shares: fixed "random" inputs derived from labels, the plaintext
 * pattern of long inputs, and hex. Regenerating therefore gives byte-identical files.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { concat, utf8 } from '../../packages/crypto/src/bytes.js'

export const hex = bytesToHex

/** A fixed "random" value: the first `length` bytes of SHA-256 over a label (and a counter). */
export function fixed(label: string, length = 32): Uint8Array {
  let bytes: Uint8Array = new Uint8Array(0)
  for (let i = 0; bytes.length < length; i++) bytes = concat(bytes, sha256(utf8(`holdall test vector: ${label} ${i}`)))
  return bytes.slice(0, length)
}

/** The language-neutral plaintext pattern used for long inputs: byte i is i mod 251. */
export function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 251)
}

/** Writes (or, with --check, compares) one JSON vector file. */
export type VectorWriter = (name: string, value: unknown) => void
