import { randomBytes } from 'node:crypto'
import type { GrantInfo, ServiceClient } from '@holdall/client'
import type { ReadMedicationList } from './verify.js'

export type SessionState =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'refused' }
  /** Nobody answered before the request lapsed. */
  | { readonly kind: 'timed_out' }
  /** The host would not take the request (a mistyped or expired pairing code, say). */
  | { readonly kind: 'failed'; readonly reason: string }
  | {
      readonly kind: 'approved'
      readonly grant: GrantInfo
      readonly lists: ReadMedicationList[]
      readonly verifiedAt: Date
    }
  /** The grant ended: what was read is already dropped. */
  | { readonly kind: 'ended'; readonly reason: 'expired' | 'revoked' }

/**
 * One reception conversation. Lives only in this process's memory and dies at `expiresAt`, when
 * reception clicks "Finish", or when the grant ends: nothing about a patient is written to disk.
 */
export interface Session {
  readonly id: string
  readonly bindingMessage: string
  /** The NHS number reception has in front of them, if they typed one, to compare with the list's. */
  readonly expectedNhsNumber: string | undefined
  readonly service: ServiceClient
  readonly expiresAt: number
  state: SessionState
  /** Bumped on every state change; the page's long-poll waits for it to move. */
  revision: number
  readonly listeners: Set<() => void>
  stopWatching: (() => void) | undefined
}

export class SessionStore {
  readonly #sessions = new Map<string, Session>()
  readonly #sweeper: NodeJS.Timeout

  constructor(
    private readonly lifetimeMs: number,
    private readonly clock: () => number,
  ) {
    this.#sweeper = setInterval(() => this.sweep(), 30_000)
    this.#sweeper.unref()
  }

  create(fields: Pick<Session, 'bindingMessage' | 'expectedNhsNumber' | 'service'>): Session {
    const session: Session = {
      ...fields,
      id: randomBytes(32).toString('base64url'),
      expiresAt: this.clock() + this.lifetimeMs,
      state: { kind: 'waiting' },
      revision: 0,
      listeners: new Set(),
      stopWatching: undefined,
    }
    this.#sessions.set(session.id, session)
    return session
  }

  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined
    const session = this.#sessions.get(id)
    if (session !== undefined && session.expiresAt <= this.clock()) {
      this.end(session)
      return undefined
    }
    return session
  }

  setState(session: Session, state: SessionState): void {
    session.state = state
    session.revision += 1
    for (const listener of session.listeners) listener()
  }

  /** Forgets the session and everything read in it. */
  end(session: Session): void {
    session.stopWatching?.()
    session.stopWatching = undefined
    this.#sessions.delete(session.id)
    // Wake any page still waiting so it learns the session is gone.
    session.revision += 1
    for (const listener of session.listeners) listener()
  }

  /** Resolves when the session's revision moves past `seen`, or after `timeoutMs`. */
  waitForChange(session: Session, seen: number, timeoutMs: number): Promise<void> {
    if (session.revision !== seen) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        session.listeners.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      session.listeners.add(done)
    })
  }

  sweep(): void {
    const now = this.clock()
    for (const session of this.#sessions.values()) if (session.expiresAt <= now) this.end(session)
  }

  close(): void {
    clearInterval(this.#sweeper)
    for (const session of [...this.#sessions.values()]) this.end(session)
  }

  get size(): number {
    return this.#sessions.size
  }
}
