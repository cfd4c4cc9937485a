import type { Notifier } from './notifier.js'

/**
 * Open event streams counted per device and per address, so one token (or one address with
 * many tokens) cannot hold thousands of connections open. Counted in this process: a stream is
 * a connection to this instance, and the caps bound this instance's sockets and listeners.
 */
export class StreamSlots {
  readonly #perDevice = new Map<string, number>()
  readonly #perAddress = new Map<string, number>()
  readonly #deviceCap: number
  readonly #addressCap: number

  constructor(caps: { perDevice: number; perAddress: number }) {
    this.#deviceCap = caps.perDevice
    this.#addressCap = caps.perAddress
  }

  /** A slot for a new stream, or undefined when either cap is reached; release it exactly once. */
  acquire(deviceId: string, address: string): (() => void) | undefined {
    if ((this.#perDevice.get(deviceId) ?? 0) >= this.#deviceCap) return undefined
    if ((this.#perAddress.get(address) ?? 0) >= this.#addressCap) return undefined
    add(this.#perDevice, deviceId, 1)
    add(this.#perAddress, address, 1)
    let released = false
    return () => {
      if (released) return
      released = true
      add(this.#perDevice, deviceId, -1)
      add(this.#perAddress, address, -1)
    }
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta
  if (next <= 0) counts.delete(key)
  else counts.set(key, next)
}

/**
 * Closes every event stream a device holds open, on every instance sharing the database (the
 * notifier carries it): for the device-removal route, once the removal has committed. Streams
 * also re-check their token and device at each heartbeat, so one missed notice closes them
 * within a heartbeat.
 */
export function closeStreamsOfDevice(notifier: Notifier, vaultId: string, deviceId: string): void {
  notifier.publish(vaultId, { type: 'device_removed', id: deviceId })
}

/** Closes the event streams opened with any access token of this family (a revoked family). */
export function closeStreamsOfTokenFamily(notifier: Notifier, vaultId: string, family: string): void {
  notifier.publish(vaultId, { type: 'tokens_revoked', id: family })
}
