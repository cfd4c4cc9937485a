import { leafHash, type NodeId, type NodeReader, nodesCompletedByAppend, rangeNodes } from '@holdall/log'

/** Leaves a tail holds before it drops its older half (two hashes of 32 bytes per leaf). */
const TAIL_LEAVES = 8192
/** Vaults whose tails are kept; the least recently proved is dropped first. */
const MAX_TAILS = 64
/** Leaves committed out of order (a gap below them) held until the gap fills. */
const MAX_PENDING = 256

/** The hashes of one level of a tail, contiguous from the first node the tail completed at that level. */
interface Level {
  readonly offset: number
  buffer: Uint8Array
  count: number
}

/**
 * The newest part of one vault's Merkle tree, in memory: the perfect subtrees that make up the
 * first `start` leaves (its frontier, from the database) and every subtree completed by the leaves
 * appended since. That is enough for the root of any size in [start, end], an inclusion proof of
 * any leaf from `start`, and a consistency proof from any size the frontier or the tail can
 * split; a proof it cannot make (`read` throws) is made from the database instead.
 */
export class LogTail {
  readonly start: number
  #end: number
  readonly #frontier: Map<string, Uint8Array>
  readonly #levels: Level[] = []

  constructor(start: number, frontier: ReadonlyMap<string, Uint8Array>) {
    this.start = start
    this.#end = start
    this.#frontier = new Map(frontier)
  }

  get end(): number {
    return this.#end
  }

  /** Appends the leaf at `end`. */
  append(entry: Uint8Array): void {
    for (const node of nodesCompletedByAppend(this.#end, leafHash(entry), this.read)) this.#store(node, node.hash)
    this.#end++
  }

  readonly read: NodeReader = ({ level, index }) => {
    const row = this.#levels[level]
    const at = row === undefined ? -1 : index - row.offset
    if (row !== undefined && at >= 0 && at < row.count) return row.buffer.subarray(at * 32, at * 32 + 32)
    const hash = this.#frontier.get(`${level}/${index}`)
    if (hash === undefined) throw new RangeError(`subtree ${level}/${index} is not in this tail`)
    return hash
  }

  /** A tail from `from` (start ≤ from ≤ end) with the same leaves: how a long tail drops its older half. */
  from(from: number): LogTail {
    const frontier = new Map<string, Uint8Array>()
    for (const node of rangeNodes({ start: 0, end: from })) frontier.set(key(node), this.read(node).slice())
    const tail = new LogTail(from, frontier)
    for (let i = from; i < this.#end; i++) tail.#appendLeafHash(this.read({ level: 0, index: i }).slice())
    return tail
  }

  #appendLeafHash(hash: Uint8Array): void {
    for (const node of nodesCompletedByAppend(this.#end, hash, this.read)) this.#store(node, node.hash)
    this.#end++
  }

  #store(node: NodeId, hash: Uint8Array): void {
    let row = this.#levels[node.level]
    if (row === undefined) {
      row = { offset: node.index, buffer: new Uint8Array(32 * 64), count: 0 }
      this.#levels[node.level] = row
    }
    if (node.index !== row.offset + row.count) throw new Error('a tail completes its subtrees in order')
    if ((row.count + 1) * 32 > row.buffer.length) {
      const grown = new Uint8Array(row.buffer.length * 2)
      grown.set(row.buffer)
      row.buffer = grown
    }
    row.buffer.set(hash, row.count * 32)
    row.count++
  }
}

function key(node: NodeId): string {
  return `${node.level}/${node.index}`
}

/**
 * The tails of the vaults whose reads carry proofs (spec 8.7.1), fed with the leaves this
 * instance's reads commit, in index order. A leaf that does not follow the tail's end (another
 * instance's or a holder write's leaf came between) is held until the gap fills; if it never
 * does, the proof comes from the database and the tail starts again there. A leaf is given here
 * only after its transaction committed, with the exact bytes written, so a tail never holds a
 * leaf the log does not.
 */
export class LogTails {
  readonly #tails = new Map<string, { tail: LogTail | undefined; pending: Map<number, Uint8Array> }>()

  /** The vault's tail, if this instance keeps one. */
  get(vaultId: string): LogTail | undefined {
    const found = this.#tails.get(vaultId)
    if (found === undefined) return undefined
    // Most recently used last: a Map keeps insertion order.
    this.#tails.delete(vaultId)
    this.#tails.set(vaultId, found)
    return found.tail
  }

  /**
   * Starts collecting the vault's committed leaves, before its size is read from the database for
   * `seed`: a leaf committed in between is then held, not lost.
   */
  watch(vaultId: string): void {
    if (!this.#tails.has(vaultId)) this.#tails.set(vaultId, { tail: undefined, pending: new Map() })
    if (this.#tails.size > MAX_TAILS) this.#tails.delete(this.#tails.keys().next().value as string)
  }

  /**
   * Starts the vault's tail at `start` (a size read after `watch`) from the frontier read from the
   * database, unless it has one that reaches `start` already (a gap in it is `restart`ed first).
   */
  seed(vaultId: string, start: number, read: NodeReader): void {
    const found = this.#tails.get(vaultId) ?? { tail: undefined, pending: new Map<number, Uint8Array>() }
    if (found.tail !== undefined && found.tail.end >= start) return
    const frontier = new Map<string, Uint8Array>()
    for (const node of rangeNodes({ start: 0, end: start })) frontier.set(key(node), read(node).slice())
    found.tail = new LogTail(start, frontier)
    for (const index of found.pending.keys()) if (index < start) found.pending.delete(index)
    this.#tails.set(vaultId, found)
    this.feed(vaultId, [])
  }

  /** Drops the vault's tail (it stopped at a gap: a leaf this instance was not given), keeping what is pending. */
  restart(vaultId: string): void {
    const found = this.#tails.get(vaultId)
    if (found !== undefined) found.tail = undefined
  }

  /** Gives committed leaves (index and canonical bytes) to the vault's tail, if it keeps one. */
  feed(vaultId: string, leaves: readonly { readonly index: number; readonly entry: Uint8Array }[]): void {
    const found = this.#tails.get(vaultId)
    if (found === undefined) return
    const tail = found.tail
    for (const { index, entry } of leaves) if (index >= (tail?.end ?? 0)) found.pending.set(index, entry)
    if (tail !== undefined) {
      let next = found.pending.get(tail.end)
      while (next !== undefined) {
        found.pending.delete(tail.end)
        tail.append(next)
        next = found.pending.get(tail.end)
      }
      if (tail.end - tail.start > TAIL_LEAVES) found.tail = tail.from(tail.end - TAIL_LEAVES / 2)
    }
    // Leaves above a gap that does not fill (another writer's leaf in it) are not kept for ever.
    if (found.pending.size > MAX_PENDING) found.pending.clear()
  }
}
