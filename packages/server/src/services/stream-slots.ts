/**
 * Open event streams counted per device and per address, so one token (or one address with
 * many tokens) cannot hold thousands of connections open. Counted in this process: a stream is
 * a connection to this instance, and the caps bound this instance's sockets and listeners.
 */
/** A holder's wallet needs one stream per open screen: a few per device is plenty. */
export const STREAMS_PER_DEVICE = 4
/** Several devices (a household, a support worker's office) may share one address. */
export const STREAMS_PER_ADDRESS = 32

export class StreamSlots {
  readonly #closers = new Map<string, Set<() => void>>()
  readonly #perDevice = new Map<string, number>()
  readonly #perAddress = new Map<string, number>()
  readonly #deviceCap: number
  readonly #addressCap: number

  constructor(caps: { perDevice: number; perAddress: number }) {
    this.#deviceCap = caps.perDevice
    this.#addressCap = caps.perAddress
  }

  /** A slot for a new stream, or undefined when either cap is reached; release it exactly once. */
  acquire(deviceId: string, address: string, close?: () => void): (() => void) | undefined {
    if ((this.#perDevice.get(deviceId) ?? 0) >= this.#deviceCap) return undefined
    if ((this.#perAddress.get(address) ?? 0) >= this.#addressCap) return undefined
    add(this.#perDevice, deviceId, 1)
    add(this.#perAddress, address, 1)
    let released = false
    if (close !== undefined) {
      const set = this.#closers.get(deviceId) ?? new Set()
      set.add(close)
      this.#closers.set(deviceId, set)
    }
    return () => {
      if (released) return
      released = true
      if (close !== undefined) {
        const set = this.#closers.get(deviceId)
        set?.delete(close)
        if (set?.size === 0) this.#closers.delete(deviceId)
      }
      add(this.#perDevice, deviceId, -1)
      add(this.#perAddress, address, -1)
    }
  }

  /** Runs the close callback of each of this device's open streams; returns how many. */
  closeDevice(deviceId: string): number {
    const set = [...(this.#closers.get(deviceId) ?? [])]
    for (const close of set) close()
    return set.length
  }
}

/**
 * Ends every stream of a removed device on this instance at once (spec 9.2, DEV-REMOVE-03). On
 * other instances, its next heartbeat-time request fails on the token check; added by issue 16 as
 * a minimal hook (issue 14 may bring a fuller one).
 */
export function closeStreamsOfDevice(slots: StreamSlots, deviceId: string): number {
  return slots.closeDevice(deviceId)
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta
  if (next <= 0) counts.delete(key)
  else counts.set(key, next)
}
