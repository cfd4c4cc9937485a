import { HoldallLogError } from './errors.js'
import { EMPTY_ROOT, HASH_LENGTH, nodeHash } from './hashing.js'

/**
 * The compact range [0, size) of a log (its "frontier"): the roots of the perfect subtrees that
 * make up the first `size` leaves, largest first, one per set bit of `size`. It is all a client
 * needs to keep to append leaves and compute the root, in O(log n) space; appending costs one
 * hash per trailing one bit of the size (amortised under two), computing the root at most log n.
 */
export class CompactRange {
  #size: number
  readonly #hashes: Uint8Array[]

  private constructor(size: number, hashes: Uint8Array[]) {
    this.#size = size
    this.#hashes = hashes
  }

  static empty(): CompactRange {
    return new CompactRange(0, [])
  }

  /** Rebuilds a range from stored hashes, refusing any count that does not fit the size. */
  static fromHashes(size: number, hashes: readonly Uint8Array[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new HoldallLogError('LOG_STATE_INVALID', 'a compact range needs a size from 0 to 2^53 - 1')
    if (hashes.length !== bitCount(size))
      throw new HoldallLogError('LOG_STATE_INVALID', `a compact range of size ${size} has ${bitCount(size)} hashes`)
    for (const hash of hashes)
      if (!(hash instanceof Uint8Array) || hash.length !== HASH_LENGTH)
        throw new HoldallLogError('LOG_STATE_INVALID', 'a compact range hash is not 32 bytes')
    return new CompactRange(
      size,
      hashes.map((h) => h.slice()),
    )
  }

  get size(): number {
    return this.#size
  }

  /** The subtree roots, largest first (copies). */
  get hashes(): Uint8Array[] {
    return this.#hashes.map((h) => h.slice())
  }

  /** An independent copy: appending to it leaves this range as it is. */
  clone(): CompactRange {
    return new CompactRange(this.#size, [...this.#hashes])
  }

  /** Appends one leaf hash (see {@link leafHash}), merging equal-sized subtrees. */
  append(leaf: Uint8Array): void {
    if (leaf.length !== HASH_LENGTH) throw new HoldallLogError('LOG_PROOF_MALFORMED', 'a leaf hash is 32 bytes')
    let merged = leaf
    for (let s = this.#size; s % 2 === 1; s = Math.floor(s / 2))
      merged = nodeHash(this.#hashes.pop() as Uint8Array, merged)
    this.#hashes.push(merged)
    this.#size++
  }

  /** The Merkle tree hash of the first `size` leaves. */
  root(): Uint8Array {
    const last = this.#hashes.length - 1
    if (last < 0) return EMPTY_ROOT.slice()
    let root = this.#hashes[last] as Uint8Array
    for (let i = last - 1; i >= 0; i--) root = nodeHash(this.#hashes[i] as Uint8Array, root)
    return root
  }
}

function bitCount(n: number): number {
  let count = 0
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2
  return count
}
