import { sha256 } from '@noble/hashes/sha2.js'

/** Every hash in the log is SHA-256 (RFC 9162 section 2.1 with the SHA-256 of RFC 6962). */
export const HASH_LENGTH = 32

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

/** The root of the empty tree: SHA-256 of no bytes. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0))

/** MTH({d}) = SHA-256(0x00 ‖ d): the leaf hash of one entry. */
export function leafHash(entry: Uint8Array): Uint8Array {
  const input = new Uint8Array(entry.length + 1)
  input[0] = LEAF_PREFIX
  input.set(entry, 1)
  return sha256(input)
}

/** SHA-256(0x01 ‖ left ‖ right): an interior node. The prefixes keep leaves and nodes apart. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + 2 * HASH_LENGTH)
  input[0] = NODE_PREFIX
  input.set(left, 1)
  input.set(right, 1 + HASH_LENGTH)
  return sha256(input)
}
