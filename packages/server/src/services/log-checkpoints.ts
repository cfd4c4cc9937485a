import { constantTimeEqual } from '@holdall/crypto'
import { type HoldallLogError, isHoldallLogError, openCheckpoint, signCheckpoint, vaultLogOrigin } from '@holdall/log'
import type { Clock } from '../clock.js'
import { HttpProblem } from '../errors.js'
import { LogUnavailableError, type VerifiableLog } from '../repositories/verifiable-log.js'
import { BoundedCache } from './bounded-cache.js'
import type { HostLogKeys } from './log-key.js'

/** Roots and signed checkpoints kept in memory: a (vault, size) has one root for ever. */
const CACHE = { maxEntries: 10_000, ttlMs: 3_600_000 }

/**
 * Signs each vault's checkpoint (spec 8.5, 8.8) and checks the checkpoints callers present. The
 * host signs only roots computed from its own append-only leaves, so two checkpoints it signs for
 * one vault are always consistent (LOG-HOST-03). A root for a (vault, size) never changes, so it
 * is cached: checking a presented checkpoint usually costs no statement.
 */
export class LogCheckpoints {
  readonly #log: VerifiableLog
  readonly #keys: HostLogKeys
  readonly #issuer: string
  readonly #roots: BoundedCache<Uint8Array>
  readonly #notes: BoundedCache<string>
  /** The newest checkpoint signed for each vault. */
  readonly #latest: BoundedCache<{ readonly note: string; readonly size: number }>
  /** Notes this host signed, by their text: a presented one found here needs no signature check. */
  readonly #signed: BoundedCache<number>

  constructor(log: VerifiableLog, keys: HostLogKeys, issuer: string, clock: Clock) {
    this.#log = log
    this.#keys = keys
    this.#issuer = issuer
    this.#roots = new BoundedCache({ ...CACHE, clock })
    this.#notes = new BoundedCache({ ...CACHE, clock })
    this.#latest = new BoundedCache({ ...CACHE, clock })
    this.#signed = new BoundedCache({ ...CACHE, clock })
  }

  get keys(): HostLogKeys {
    return this.#keys
  }

  origin(vaultId: string): string {
    return vaultLogOrigin(this.#issuer, vaultId)
  }

  async size(vaultId: string): Promise<number> {
    return this.#log.size(vaultId)
  }

  /** The root of the vault's first `size` leaves (which the caller has checked exist). */
  async root(vaultId: string, size: number): Promise<Uint8Array> {
    const key = `${vaultId}/${size}`
    const cached = this.#roots.get(key)
    if (cached !== undefined) return cached
    const root = await unavailableAsProblem(() => this.#log.root(vaultId, size))
    this.#roots.set(key, root)
    return root
  }

  /** The signed checkpoint of the vault's log at its current size. */
  async checkpoint(vaultId: string): Promise<{ readonly note: string; readonly size: number }> {
    return this.#sign(vaultId, await this.size(vaultId))
  }

  /** The signed checkpoint at `size` (at most the log's size): an erasure receipt's (spec 13.4). */
  async checkpointAt(vaultId: string, size: number): Promise<{ readonly note: string; readonly size: number }> {
    return this.#sign(vaultId, size)
  }

  /**
   * A signed checkpoint whose tree holds leaf `index`: the newest one signed, if it does (so a
   * burst of reads shares one signature and one root), else one at the current size.
   */
  async checkpointHolding(vaultId: string, index: number): Promise<{ readonly note: string; readonly size: number }> {
    const latest = this.#latest.get(vaultId)
    if (latest !== undefined && latest.size > index) return latest
    return this.checkpoint(vaultId)
  }

  /** The newest checkpoint this instance signed for the vault, if it remembers one. */
  latest(vaultId: string): { readonly note: string; readonly size: number } | undefined {
    return this.#latest.get(vaultId)
  }

  /**
   * Signs the checkpoint at `size` over a root computed in memory from leaves this instance
   * committed (a read's tail, services/log-tails.ts). A root for a (vault, size) never changes:
   * one that differs from a root already known is refused, never signed (LOG-HOST-03).
   */
  async signComputed(
    vaultId: string,
    size: number,
    rootHash: Uint8Array,
  ): Promise<{ readonly note: string; readonly size: number }> {
    const known = this.#roots.get(`${vaultId}/${size}`)
    if (known !== undefined && !constantTimeEqual(known, rootHash))
      throw new Error('two roots computed for one size of a vault log: nothing signed')
    this.#roots.set(`${vaultId}/${size}`, rootHash)
    return this.#sign(vaultId, size)
  }

  async #sign(vaultId: string, at: number): Promise<{ readonly note: string; readonly size: number }> {
    const key = `${vaultId}/${at}`
    let note = this.#notes.get(key)
    if (note === undefined) {
      const rootHash = await this.root(vaultId, at)
      note = signCheckpoint({ origin: this.origin(vaultId), size: at, rootHash }, this.#keys.signers)
      this.#notes.set(key, note)
      this.#signed.set(note, at)
    }
    const latest = this.#latest.get(vaultId)
    if (latest === undefined || latest.size < at) this.#latest.set(vaultId, { note, size: at })
    return { note, size: at }
  }

  /**
   * Checks a checkpoint a caller presents (header `Holdall-Log-Checkpoint`, base64url of the
   * note): it must be one of this host's, for this vault, and the root this host holds at its
   * size. A note that is not this host's is a 400; one that contradicts the log is refused with
   * `log_inconsistent` (LOG-GOSSIP-01), and nothing is served. Returns the presented size.
   */
  async checkPresented(vaultId: string, header: string | string[] | undefined): Promise<number | undefined> {
    if (header === undefined) return undefined
    if (Array.isArray(header) || !/^[A-Za-z0-9_-]{1,22000}$/.test(header))
      throw new HttpProblem('invalid_request', 'Holdall-Log-Checkpoint is one base64url signed note')
    const note = Buffer.from(header, 'base64url').toString('utf8')
    // A note this host signed is its own history: consistent by construction, nothing to verify.
    const known = this.#signed.get(note)
    if (known !== undefined && note.startsWith(`${this.origin(vaultId)}\n`)) return known
    let presented: ReturnType<typeof openCheckpoint>
    try {
      presented = openCheckpoint(note, { origin: this.origin(vaultId), keys: this.#keys.verifierKeys })
    } catch (error) {
      if (isHoldallLogError(error))
        throw new HttpProblem(
          'invalid_request',
          `the presented checkpoint is not valid (${(error as HoldallLogError).code})`,
        )
      throw error
    }
    const { size, rootHash } = presented.checkpoint
    if (size > (await this.size(vaultId)) || !constantTimeEqual(await this.root(vaultId, size), rootHash))
      throw new HttpProblem('log_inconsistent', 'the presented checkpoint is not consistent with this log')
    return size
  }
}

/** A vault whose log began before canonical entries: a 409, never a 500. */
export async function unavailableAsProblem<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof LogUnavailableError) throw new HttpProblem('conflict', 'this vault has no verifiable log')
    throw error
  }
}
