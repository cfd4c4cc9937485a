/*
 * The host's time, as seen from a device whose own clock may be wrong by hours (cheap phones,
 * phones just switched on, phones without a SIM). The host refuses proofs and assertions whose
 * `iat` is more than a few seconds away from its own clock, so every time a client sends is the
 * host's time, learned from the `Date` header (RFC 9110 6.6.1) of the host's answers.
 *
 * A `Date` header has one-second resolution. One answer bounds the offset (host minus device):
 * the host wrote the header at some host time in [D, D + 1 s) and some device time in
 * [sent, received], so the offset lies in (D - received, D + 1 s - sent). Each further answer
 * narrows that interval; an answer that no longer fits it means the device clock was changed,
 * and the clock starts again from that answer. The middle of the interval is the estimate, so
 * the error is under half a second plus half a round trip, far inside the host's 5 s tolerance.
 */

export class HostClock {
  #low = Number.NEGATIVE_INFINITY
  #high = Number.POSITIVE_INFINITY
  readonly #deviceNow: () => number

  /** `deviceNow` is the device's clock (Date.now); a test may give another. */
  constructor(deviceNow: () => number = () => Date.now()) {
    this.#deviceNow = deviceNow
  }

  /** Whether an answer from the host has been seen, so `now()` is the host's time. */
  get known(): boolean {
    return Number.isFinite(this.#low)
  }

  /** Host time minus device time, in milliseconds; 0 until the host has answered once. */
  get offsetMs(): number {
    return this.known ? Math.round((this.#low + this.#high) / 2) : 0
  }

  /** The device's clock, read the way `observe` expects its `sentAt` and `receivedAt`. */
  deviceNow(): number {
    return this.#deviceNow()
  }

  /** The host's time now, in milliseconds since the epoch (the device's own until it is known). */
  now(): number {
    return this.#deviceNow() + this.offsetMs
  }

  /** Learns from one answer: its `Date` header and the device times the request left and the answer came. */
  observe(dateHeader: string | null | undefined, sentAt: number, receivedAt: number): void {
    if (dateHeader == null) return
    const hostSecond = Date.parse(dateHeader)
    if (!Number.isFinite(hostSecond) || receivedAt < sentAt) return
    const low = hostSecond - receivedAt
    const high = hostSecond + 1000 - sentAt
    if (low > this.#high || high < this.#low) {
      // The device clock moved (or the host's did): what was learned before no longer holds.
      this.#low = low
      this.#high = high
      return
    }
    this.#low = Math.max(this.#low, low)
    this.#high = Math.min(this.#high, high)
  }

  /**
   * Asks the host for the time with a request that needs no proof (its discovery document, never
   * from a cache, whose `Date` would be old), for a client about to send its first signed request.
   */
  async learn(baseUrl: string, fetchImpl: typeof fetch): Promise<void> {
    const send = fetchImpl
    const sentAt = this.#deviceNow()
    const response = await send(`${baseUrl}/.well-known/holdall`, { method: 'GET', cache: 'no-store' })
    this.observe(response.headers.get('date'), sentAt, this.#deviceNow())
    await response.body?.cancel()
  }
}
