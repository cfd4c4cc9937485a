import type { Clock } from '../clock.js'

/**
 * A cache bounded in size and in time: an entry lives `ttlMs` from when it was stored, and at
 * most `maxEntries` live at once, the oldest forgotten first. Every entry has the same lifetime,
 * so insertion order is also expiry order: expired entries are swept from the front on each
 * store, and the cache never holds more than its size whatever keys callers invent.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, { storedAt: number; value: V }>()
  readonly #maxEntries: number
  readonly #ttlMs: number
  readonly #clock: Clock

  constructor(options: { maxEntries: number; ttlMs: number; clock: Clock }) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new RangeError('maxEntries must be ≥ 1')
    this.#maxEntries = options.maxEntries
    this.#ttlMs = options.ttlMs
    this.#clock = options.clock
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (this.#expired(entry.storedAt, this.#clock())) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: string, value: V): void {
    const now = this.#clock()
    this.#entries.delete(key)
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#entries.size < this.#maxEntries && !this.#expired(oldest.storedAt, now)) break
      this.#entries.delete(oldestKey)
    }
    this.#entries.set(key, { storedAt: now, value })
  }

  get size(): number {
    return this.#entries.size
  }

  #expired(storedAt: number, now: number): boolean {
    return now - storedAt >= this.#ttlMs
  }
}
