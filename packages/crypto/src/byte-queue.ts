/** A FIFO of byte pieces that hands out exact-length slices, copying only across piece borders. */
export class ByteQueue {
  #pieces: Uint8Array[] = []
  #head = 0
  #length = 0

  get length(): number {
    return this.#length
  }

  push(piece: Uint8Array): void {
    if (piece.length === 0) return
    this.#pieces.push(piece)
    this.#length += piece.length
  }

  /** Removes and returns the first `count` bytes; the caller checks `length` first. */
  take(count: number): Uint8Array {
    if (count > this.#length) throw new RangeError('ByteQueue underflow')
    this.#length -= count
    const first = this.#pieces[0]
    if (first !== undefined && first.length - this.#head >= count) {
      const out = first.subarray(this.#head, this.#head + count)
      this.#advance(first, count)
      return out
    }
    const out = new Uint8Array(count)
    let filled = 0
    while (filled < count) {
      const piece = this.#pieces[0] as Uint8Array
      const n = Math.min(piece.length - this.#head, count - filled)
      out.set(piece.subarray(this.#head, this.#head + n), filled)
      filled += n
      this.#advance(piece, n)
    }
    return out
  }

  #advance(piece: Uint8Array, count: number): void {
    this.#head += count
    if (this.#head === piece.length) {
      this.#pieces.shift()
      this.#head = 0
    }
  }
}
