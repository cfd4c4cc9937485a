import { constantTimeEqual } from '@holdall/crypto'
import { HoldallLogError } from './errors.js'
import { HASH_LENGTH, nodeHash } from './hashing.js'
import { consistencyPathRanges, inclusionPathRanges } from './tree-shape.js'

/*
 * Proof verification exactly as RFC 9162 2.1.3.2 (inclusion) and 2.1.4.2 (consistency) write it.
 * Before hashing anything, the number of hashes is checked against the number the sizes require:
 * a proof with one hash too few or too many is refused by its length, and named as such, so a
 * client can tell a truncated proof from a wrong one. Shifts are divisions: sizes go to 2^53.
 */

const isOdd = (x: number) => x % 2 === 1
const half = (x: number) => Math.floor(x / 2)

/** The root that an inclusion proof for `leaf` at `index` in a tree of `size` leads to. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: Uint8Array[]): Uint8Array {
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new HoldallLogError('LOG_PROOF_MALFORMED', `leaf index ${index} is not in a tree of size ${size}`)
  assertHashes([leaf, ...proof])
  checkLength(proof.length, inclusionPathRanges(index, size).length)
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) throw new HoldallLogError('LOG_PROOF_EXTENDED', 'the inclusion proof is longer than the tree is deep')
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) throw new HoldallLogError('LOG_PROOF_TRUNCATED', 'the inclusion proof ends below the root')
  return r
}

/** Verifies that `leaf` is the leaf hash at `index` in the tree of `size` leaves whose root is `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array[],
  root: Uint8Array,
): void {
  assertHashes([root])
  const computed = rootFromInclusionProof(leaf, index, size, proof)
  if (!constantTimeEqual(computed, root))
    throw new HoldallLogError('LOG_PROOF_MISMATCH', 'the inclusion proof does not lead to the signed root')
}

/**
 * Verifies that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the tree of
 * `newSize` leaves with root `newRoot`: nothing the old tree held was changed or removed.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): void {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize)
    throw new HoldallLogError('LOG_PROOF_MALFORMED', `no consistency proof can lead from size ${oldSize} to ${newSize}`)
  assertHashes([oldRoot, newRoot, ...proof])
  checkLength(proof.length, consistencyPathRanges(oldSize, newSize).length)
  if (oldSize === 0) return
  if (oldSize === newSize) {
    if (!constantTimeEqual(oldRoot, newRoot))
      throw new HoldallLogError('LOG_PROOF_MISMATCH', 'two different roots for one tree size')
    return
  }
  // If the old size is a power of two, the old root itself is the first node of the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof
  let fn = oldSize - 1
  let sn = newSize - 1
  while (isOdd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0] as Uint8Array
  let sr = fr
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array
    if (sn === 0) throw new HoldallLogError('LOG_PROOF_EXTENDED', 'the consistency proof is longer than the tree')
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!isOdd(fn))
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn)
          sn = half(sn)
        }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) throw new HoldallLogError('LOG_PROOF_TRUNCATED', 'the consistency proof ends below the new root')
  // Both comparisons always run, so the time taken does not say which root differed.
  const oldMatches = constantTimeEqual(fr, oldRoot)
  const newMatches = constantTimeEqual(sr, newRoot)
  if (!oldMatches || !newMatches)
    throw new HoldallLogError('LOG_PROOF_MISMATCH', 'the consistency proof does not join the two signed roots')
}

function isPowerOfTwo(n: number): boolean {
  let k = 1
  while (k < n) k *= 2
  return k === n
}

function checkLength(actual: number, expected: number): void {
  if (actual < expected)
    throw new HoldallLogError('LOG_PROOF_TRUNCATED', `the proof has ${actual} hashes where ${expected} are needed`)
  if (actual > expected)
    throw new HoldallLogError('LOG_PROOF_EXTENDED', `the proof has ${actual} hashes where ${expected} are allowed`)
}

function assertHashes(hashes: Uint8Array[]): void {
  for (const hash of hashes)
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_LENGTH)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', `a hash in the proof is not ${HASH_LENGTH} bytes`)
}
