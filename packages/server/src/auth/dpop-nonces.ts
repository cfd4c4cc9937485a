import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.js'

/** How long a nonce is good for after its issue (spec 5.3, API-DPOP-04). */
export const NONCE_LIFETIME_MS = 5 * 60_000
/** A new current nonce this often, so one in use is always at least 4 minutes from expiry. */
const ROTATE_MS = 60_000
/** With a valid nonce, `iat` may be this far from the host's time either way: the nonce, not iat, says when. */
export const NONCED_IAT_WINDOW_SECONDS = 24 * 3600
/** Nonces this instance issued, or has seen another instance issue, kept for quick checks. */
const KNOWN_LIMIT = 1000

/** Where nonces live so that every instance serving the same vaults accepts every other's. */
export interface NonceStore {
  remember(nonce: string, expiresAt: number): Promise<void>
  /** When `nonce` stops being valid, if it was issued; undefined if no instance issued it. */
  expiry(nonce: string): Promise<number | undefined>
}

/**
 * DPoP server nonces (RFC 9449 sections 8 and 9): the host's own clock in a proof. Nonces are
 * random and recorded in the shared store; each instance keeps a current one and the expiries
 * it knows in memory, so a check costs a store lookup only for a nonce another instance issued.
 */
export class DpopNonces {
  readonly #store: NonceStore
  readonly #clock: Clock
  readonly #known = new Map<string, number>()
  #current: { nonce: string; issuedAt: number } | undefined

  constructor(store: NonceStore, clock: Clock) {
    this.#store = store
    this.#clock = clock
  }

  /** The nonce to hand out now (made, and recorded for every instance, once a minute). */
  async current(): Promise<string> {
    const now = this.#clock()
    if (this.#current !== undefined && now - this.#current.issuedAt < ROTATE_MS) return this.#current.nonce
    const nonce = randomBytes(16).toString('base64url')
    const expiresAt = now + NONCE_LIFETIME_MS
    await this.#store.remember(nonce, expiresAt)
    this.#learn(nonce, expiresAt)
    this.#current = { nonce, issuedAt: now }
    return nonce
  }

  /** When a valid nonce stops being valid, or undefined when `nonce` is unknown or expired. */
  async validUntil(nonce: string): Promise<number | undefined> {
    if (!/^[A-Za-z0-9_-]{22}$/.test(nonce)) return undefined
    let expiresAt = this.#known.get(nonce)
    if (expiresAt === undefined) {
      expiresAt = await this.#store.expiry(nonce)
      if (expiresAt !== undefined) this.#learn(nonce, expiresAt)
    }
    return expiresAt !== undefined && expiresAt > this.#clock() ? expiresAt : undefined
  }

  #learn(nonce: string, expiresAt: number): void {
    if (this.#known.size >= KNOWN_LIMIT) this.#known.delete(this.#known.keys().next().value as string)
    this.#known.set(nonce, expiresAt)
  }
}
