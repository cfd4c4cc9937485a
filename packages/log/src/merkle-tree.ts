import { HoldallLogError } from './errors.js'
import { EMPTY_ROOT, HASH_LENGTH, leafHash, nodeHash } from './hashing.js'
import { consistencyPathRanges, inclusionPathRanges, type LeafRange, type NodeId, rangeNodes } from './tree-shape.js'

/**
 * Reads the hash of a perfect subtree (2^level leaves from leaf index × 2^level) that the log
 * has completed. A host backs it with its database; {@link MerkleTree} keeps it in memory.
 */
export type NodeReader = (node: NodeId) => Uint8Array

/** The Merkle tree hash of a subtree of the log: its perfect parts, folded from the right. */
export function rangeHash(read: NodeReader, range: LeafRange): Uint8Array {
  if (range.end === range.start) return EMPTY_ROOT.slice()
  const parts = rangeNodes(range).map(read)
  let hash = parts[parts.length - 1] as Uint8Array
  for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i] as Uint8Array, hash)
  return hash
}

/** A completed perfect subtree, as a host stores it: one row per node. */
export interface StoredNode extends NodeId {
  readonly hash: Uint8Array
}

/**
 * What appending the leaf at `index` completes: the leaf itself and every perfect subtree it
 * closes (one per trailing one bit of `index`), reading only the left siblings it joins. A host
 * inserts these rows in the same transaction as the entry: O(log n) reads and writes at worst,
 * under two of each on average.
 */
export function nodesCompletedByAppend(index: number, leaf: Uint8Array, read: NodeReader): StoredNode[] {
  if (!Number.isSafeInteger(index) || index < 0 || leaf.length !== HASH_LENGTH)
    throw new HoldallLogError('LOG_PROOF_MALFORMED', 'a leaf hash of 32 bytes at a safe index')
  const completed: StoredNode[] = [{ level: 0, index, hash: leaf }]
  let hash = leaf
  for (let level = 0, position = index; position % 2 === 1; level++, position = Math.floor(position / 2)) {
    hash = nodeHash(read({ level, index: position - 1 }), hash)
    completed.push({ level: level + 1, index: Math.floor(position / 2), hash })
  }
  return completed
}

/** The perfect subtrees a host must read to answer a request: proof generation as a query plan. */
export function nodesForRanges(ranges: readonly LeafRange[]): NodeId[] {
  return ranges.flatMap(rangeNodes)
}

/** RFC 9162 2.1.3.1: the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(read: NodeReader, index: number, size: number): Uint8Array[] {
  return inclusionPathRanges(index, size).map((range) => rangeHash(read, range))
}

/** RFC 9162 2.1.4.1: the consistency proof from the tree of `oldSize` leaves to `newSize`. */
export function consistencyProof(read: NodeReader, oldSize: number, newSize: number): Uint8Array[] {
  return consistencyPathRanges(oldSize, newSize).map((range) => rangeHash(read, range))
}

/** The root of the tree of the first `size` leaves. */
export function treeRoot(read: NodeReader, size: number): Uint8Array {
  return rangeHash(read, { start: 0, end: size })
}

/**
 * An append-only Merkle tree in memory that keeps every perfect subtree hash: appending costs
 * O(1) amortised (at most log n node hashes), any root or proof O(log n) reads and hashes. The
 * reference for how a host stores its log (one row per completed node), and what tests and
 * vector generation build trees with.
 */
export class MerkleTree {
  /** levels[h][i]: the hash of leaves [i·2^h, (i+1)·2^h), for every completed subtree. */
  readonly #levels: Uint8Array[][] = [[]]

  get size(): number {
    return (this.#levels[0] as Uint8Array[]).length
  }

  /** Appends an entry (hashed as a leaf); returns its index. */
  append(entry: Uint8Array): number {
    return this.appendLeafHash(leafHash(entry))
  }

  appendLeafHash(leaf: Uint8Array): number {
    const index = this.size
    for (const { level, hash } of nodesCompletedByAppend(index, leaf, this.node)) {
      const row = this.#levels[level] ?? []
      this.#levels[level] = row
      row.push(hash)
    }
    return index
  }

  /** The stored hash of a completed perfect subtree. */
  readonly node: NodeReader = ({ level, index }) => {
    const hash = this.#levels[level]?.[index]
    if (hash === undefined)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', `no subtree ${level}/${index} in this tree`)
    return hash
  }

  root(size = this.size): Uint8Array {
    this.#assertSize(size)
    return treeRoot(this.node, size)
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    this.#assertSize(size)
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', `leaf index ${index} is not in a tree of size ${size}`)
    return inclusionProof(this.node, index, size)
  }

  consistencyProof(oldSize: number, newSize = this.size): Uint8Array[] {
    this.#assertSize(newSize)
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', `no consistency proof from size ${oldSize} to ${newSize}`)
    return consistencyProof(this.node, oldSize, newSize)
  }

  #assertSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', `the tree has no size ${size}`)
  }
}
