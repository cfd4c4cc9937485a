/**
 * A FIFO of byte pieces that hands out exact-length slices, copying only across piece borders.
 * Removing from the front is O(1) (a head index, compacted now and then), so a source that drips
 * one-byte pieces costs linear time, not quadratic.
 */
const EMPTY = new Uint8Array(0)

export class ByteQueue {
  #pieces: Uint8Array[] = []
  /** Index of the first piece that still belongs to the caller (not yet copied). */
  #borrowedFrom = 0
  #first = 0
  #head = 0
  #length = 0

  get length(): number {
    return this.#length
  }

  /** Keeps a reference to `piece` until {@link own} is called. */
  push(piece: Uint8Array): void {
    if (piece.length === 0) return
    this.#pieces.push(piece)
    this.#length += piece.length
  }

  /**
   * Copies whatever is still queued from borrowed pieces, so the caller may reuse its buffers.
   * Only bytes pushed since the last call are copied, once: linear in the input.
   */
  own(): void {
    for (let i = Math.max(this.#borrowedFrom, this.#first); i < this.#pieces.length; i++) {
      const piece = this.#pieces[i] as Uint8Array
      const start = i === this.#first ? this.#head : 0
      this.#pieces[i] = piece.slice(start)
      if (i === this.#first) this.#head = 0
    }
    this.#borrowedFrom = this.#pieces.length
  }

  /** Removes and returns the first `count` bytes; the caller checks `length` first. */
  take(count: number): Uint8Array {
    if (count > this.#length) throw new RangeError('ByteQueue underflow')
    this.#length -= count
    const first = this.#pieces[this.#first]
    if (first !== undefined && first.length - this.#head >= count) {
      const out = first.subarray(this.#head, this.#head + count)
      this.#advance(first, count)
      return out
    }
    const out = new Uint8Array(count)
    let filled = 0
    while (filled < count) {
      const piece = this.#pieces[this.#first] as Uint8Array
      const n = Math.min(piece.length - this.#head, count - filled)
      out.set(piece.subarray(this.#head, this.#head + n), filled)
      filled += n
      this.#advance(piece, n)
    }
    return out
  }

  #advance(piece: Uint8Array, count: number): void {
    this.#head += count
    if (this.#head < piece.length) return
    // Drop the reference at once: a consumed piece must not stay alive until compaction.
    this.#pieces[this.#first] = EMPTY
    this.#first++
    this.#head = 0
    if (this.#first >= 64 && this.#first * 2 >= this.#pieces.length) {
      this.#pieces = this.#pieces.slice(this.#first)
      this.#borrowedFrom = Math.max(0, this.#borrowedFrom - this.#first)
      this.#first = 0
    }
  }
}
