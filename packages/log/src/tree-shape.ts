/**
 * The shape of an RFC 9162 tree, without any hashes: which ranges of leaves a proof covers, and
 * which perfect subtrees make up a range. Sizes and indexes are JavaScript safe integers (below
 * 2^53), so this uses arithmetic rather than 32-bit bit operations.
 */

/** A range of leaves [start, end) whose Merkle tree hash a proof carries. */
export interface LeafRange {
  readonly start: number
  readonly end: number
}

/** A perfect subtree: 2^level leaves starting at leaf index × 2^level. */
export interface NodeId {
  readonly level: number
  readonly index: number
}

/** The largest power of two strictly less than n (n ≥ 2): where RFC 9162 splits a tree. */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The largest power of two less than or equal to n (n ≥ 1). */
function largestPowerOfTwoAtMost(n: number): number {
  let k = 1
  while (k * 2 <= n) k *= 2
  return k
}

function log2(powerOfTwo: number): number {
  let level = 0
  for (let k = powerOfTwo; k > 1; k /= 2) level++
  return level
}

/**
 * The perfect subtrees that make up a subtree of the log, largest first. Every range a proof
 * names is a node of the tree, so it starts on a boundary of its largest part; its hash is the
 * fold of these parts from the right: node(p0, node(p1, ... node(pk-1, pk))).
 */
export function rangeNodes(range: LeafRange): NodeId[] {
  const nodes: NodeId[] = []
  let start = range.start
  let remaining = range.end - range.start
  while (remaining > 0) {
    const width = largestPowerOfTwoAtMost(remaining)
    if (start % width !== 0) throw new RangeError(`[${range.start}, ${range.end}) is not a node of any log tree`)
    nodes.push({ level: log2(width), index: start / width })
    start += width
    remaining -= width
  }
  return nodes
}

/** RFC 9162 2.1.3.1 PATH(m, D[start:end]): the sibling ranges from the leaf up to the root. */
export function inclusionPathRanges(index: number, size: number): LeafRange[] {
  assertIndex(index, size)
  let start = 0
  let end = size
  const siblings: LeafRange[] = []
  while (end - start > 1) {
    const k = splitPoint(end - start)
    if (index < start + k) {
      siblings.push({ start: start + k, end })
      end = start + k
    } else {
      siblings.push({ start, end: start + k })
      start += k
    }
  }
  // Walking down gave the siblings root-first; the proof lists them leaf-first.
  return siblings.reverse()
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n. */
export function consistencyPathRanges(oldSize: number, newSize: number): LeafRange[] {
  assertSizes(oldSize, newSize)
  if (oldSize === 0 || oldSize === newSize) return []
  const outer: LeafRange[] = []
  let start = 0
  let end = newSize
  let m = oldSize
  let complete = true
  // SUBPROOF(m, D[start:end], b), unrolled: each step records the range that is not descended into.
  for (;;) {
    const n = end - start
    if (m === n) {
      if (!complete) outer.push({ start, end })
      break
    }
    const k = splitPoint(n)
    if (m <= k) {
      outer.push({ start: start + k, end })
      end = start + k
    } else {
      outer.push({ start, end: start + k })
      start += k
      m -= k
      complete = false
    }
  }
  // SUBPROOF appends each outer range after the result of its inner call: deepest first.
  return outer.reverse()
}

function assertIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError(`leaf index ${index} is not in a tree of size ${size}`)
}

function assertSizes(oldSize: number, newSize: number): void {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize)
    throw new RangeError(`no consistency proof from size ${oldSize} to size ${newSize}`)
}
