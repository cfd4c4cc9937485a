import { base64urlEncode as b64url, base64urlDecode as fromB64url } from '@holdall/crypto'
import {
  advanceByProof,
  decodeLogEntry,
  HoldallLogError,
  type LogEntry,
  type LogTrust,
  type LogUpdate,
  MemoryVaultLogStore,
  type NoteVerifierKey,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  rotatedKeys,
  type TrustedLog,
  trustCheckpoint,
  trustedLogFromJson,
  unknownSigners,
  type VaultLogStore,
  VaultLogVerifier,
  vaultLogOrigin,
} from '@holdall/log'
import {
  type HostMetadata,
  LOG_CHECKPOINT_HEADER,
  type LogCheckpoint,
  type LogConsistency,
  type LogEntries,
  MAX_LOG_ENTRIES_PER_PAGE,
} from '@holdall/protocol'
import type { HostConnection } from './http.js'

/** Where a device keeps its view of the vault's log, and which host log keys it trusts. */
/**
 * Up to this many entries, a device meeting a vault's log for the first time fetches and checks
 * them all from the empty tree (about 50 KiB per 1,000 entries); above it, it trusts the first
 * checkpoint and checks what comes after.
 */
export const FIRST_CONTACT_ENTRIES = 20_000

export interface HolderLogOptions {
  /**
   * The device's record of the vault's log: the last verified (size, root) and any alarm. The
   * default keeps it in memory for this object's life only; a wallet MUST pass a store that
   * persists it, sealed on the device (the wallet's is IndexedDB under the PIN key).
   */
  readonly logStore?: VaultLogStore
  /**
   * The host's log verifier keys (C2SP text form) this device pinned. Without them the keys in
   * the host's discovery document are taken on first use and kept for this object's life.
   */
  readonly logKeys?: readonly string[]
}

export interface LogSync {
  readonly trusted: TrustedLog
  /** The entries this sync verified, decoded (empty when the device moved by a consistency proof). */
  readonly entries: readonly { readonly index: number; readonly entry: LogEntry }[]
}

const utf8 = new TextEncoder()

/**
 * A holder device's follower of its vault's verifiable log (spec 8.6): every sync starts from the
 * last checkpoint this device verified and must reach the host's new signed checkpoint by a
 * consistency proof or by the entries in between (which also proves they are the log's). A
 * shrink, a fork or a failed proof throws a `HoldallLogError` carrying both signed checkpoints,
 * saved first as the store's alarm: the device never follows that log again.
 */
export class HolderLog {
  readonly #host: HostConnection
  readonly #vaultId: string
  readonly #token: () => Promise<string>
  readonly store: VaultLogStore
  #keys: NoteVerifierKey[] | undefined
  /** The host's issuer as its discovery document names it: the log's origin is built on it (spec 8.5). */
  #issuer: string | undefined

  constructor(host: HostConnection, vaultId: string, token: () => Promise<string>, options: HolderLogOptions = {}) {
    this.#host = host
    this.#vaultId = vaultId
    this.#token = token
    this.store = options.logStore ?? new MemoryVaultLogStore()
    this.#keys = options.logKeys?.map(parseVerifierKey)
  }

  /** The log's origin (after `trust()` has read the host's issuer; before, from the URL this device uses). */
  get origin(): string {
    return vaultLogOrigin(this.#issuer ?? this.#host.baseUrl, this.#vaultId)
  }

  /** For the device that creates the vault: it follows the log from empty, taking nothing on trust. */
  async beginEmpty(): Promise<void> {
    await new VaultLogVerifier(this.store, await this.trust()).beginEmpty()
  }

  /**
   * The log keys this device trusts (pinned, or the discovery document's on first use) and the
   * log's origin, on the issuer the host names (the same behind every instance of a host).
   */
  async trust(): Promise<LogTrust> {
    if (this.#issuer === undefined) {
      const metadata = await this.#host.json<HostMetadata>({ method: 'GET', path: '/.well-known/holdall' })
      this.#keys ??= (metadata.log_verifier_keys ?? []).map(parseVerifierKey)
      this.#issuer = metadata.issuer
    }
    return { origin: this.origin, keys: this.#keys ?? [] }
  }

  /** Verifies the host's newest checkpoint against this device's last one; see the class comment. */
  async sync(): Promise<LogSync> {
    const verifier = new VaultLogVerifier(this.store, await this.trust())
    const before = await verifier.trusted()
    const note = await this.checkpoint(before?.checkpoint)
    const size = parseCheckpoint(parseNote(note).text).size
    let update: LogUpdate
    let fetched: Uint8Array[] = []
    if (before === undefined && size <= FIRST_CONTACT_ENTRIES) {
      // A device meeting the log for the first time (a paired or recovered phone) checks every
      // entry from the empty tree to the signed root, so it can show them ([LOG-CLIENT-05]).
      fetched = await this.entries(0, size)
      await verifier.beginEmpty()
      update = { checkpoint: note, entries: fetched }
    } else if (before === undefined) update = { checkpoint: note, consistencyProof: [] }
    else if (before.range !== undefined && size >= before.size) {
      fetched = await this.entries(before.size, size)
      update = { checkpoint: note, entries: fetched }
    } else {
      const proof =
        size >= before.size
          ? await this.get<LogConsistency>(`/log/consistency?from=${before.size}&to=${size}`)
          : { proof: [] }
      update = { checkpoint: note, consistencyProof: proof.proof.map(fromB64url) }
    }
    const trusted = await verifier.sync(update)
    await this.takeUpRotatedKeys(note)
    const start = before?.size ?? 0
    return { trusted, entries: fetched.map((entry, i) => ({ index: start + i, entry: decodeLogEntry(entry) })) }
  }

  /**
   * Takes up a rotated host log key ([LOG-CLIENT-06]): when a checkpoint this device has just
   * verified carries a signature by a key it does not trust, it reads the host's discovery
   * document and trusts those listed keys that signed that same checkpoint. A key the host only
   * lists is never trusted; the old key vouches for the new one during the overlap (LOG-HOST-07).
   */
  async takeUpRotatedKeys(note: string): Promise<void> {
    const trust = await this.trust()
    if (!unknownSigners(note, trust.keys)) return
    const metadata = await this.#host.json<HostMetadata>({ method: 'GET', path: '/.well-known/holdall' })
    const offered = (metadata.log_verifier_keys ?? []).flatMap((text) => {
      try {
        return [parseVerifierKey(text)]
      } catch {
        return []
      }
    })
    this.#keys = [...trust.keys, ...rotatedKeys(note, trust, offered)]
  }

  /**
   * Checks a checkpoint another party verified (another device of this vault, spec 8.6.1) against
   * the one this device trusts, by a consistency proof from the host between the smaller and the
   * larger size (none at equal sizes: the roots must match). It never moves this device's state.
   * A contradiction is saved as this device's log alarm, with this device's checkpoint as
   * `trusted` and the other as `presented`, then thrown ([LOG-PEER-03]). A note this device
   * cannot verify (unknown key, other origin) or a proof the host refuses to give throws without
   * an alarm: it proves nothing either way, and the comparison stays undone.
   */
  async compare(presented: string): Promise<void> {
    const trust = await this.trust()
    const record = (await this.store.load()) ?? {}
    if (record.alarm !== undefined)
      throw new HoldallLogError('LOG_UNTRUSTED', 'this log contradicted a checkpoint this device had verified', {
        evidence: record.alarm.evidence,
      })
    const own = record.state === undefined ? undefined : trustedLogFromJson(record.state)
    if (own?.checkpoint === undefined)
      throw new HoldallLogError('LOG_STATE_INVALID', 'this device has not verified a signed checkpoint of this log yet')
    const other = trustCheckpoint(presented, trust)
    const [smaller, larger] = other.size <= own.size ? [other, own] : [own, other]
    const proof =
      smaller.size === larger.size
        ? []
        : (await this.get<LogConsistency>(`/log/consistency?from=${smaller.size}&to=${larger.size}`)).proof.map(
            fromB64url,
          )
    try {
      advanceByProof(smaller, larger.checkpoint as string, proof, trust)
    } catch (error) {
      if (error instanceof HoldallLogError && error.evidence !== undefined) {
        const evidence = { trusted: own.checkpoint, presented }
        await this.store.save({ ...record, alarm: { code: error.code, message: error.message, evidence } })
        throw new HoldallLogError(error.code, error.message, { cause: error, evidence })
      }
      throw error
    }
  }

  /** The host's latest signed checkpoint, presenting the one given (gossip, spec 8.8). Not verified here. */
  async checkpoint(presented?: string): Promise<string> {
    const headers = presented === undefined ? undefined : { [LOG_CHECKPOINT_HEADER]: b64url(utf8.encode(presented)) }
    return (await this.get<LogCheckpoint>('/log/checkpoint', headers)).checkpoint
  }

  /** Canonical entries [start, end), in pages. Not verified here: `sync` checks them against the root. */
  async entries(start: number, end: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for (let from = start; from < end; from += MAX_LOG_ENTRIES_PER_PAGE) {
      const to = Math.min(end, from + MAX_LOG_ENTRIES_PER_PAGE)
      const page = await this.get<LogEntries>(`/log/entries?start=${from}&end=${to}`)
      out.push(...page.entries.map(fromB64url))
    }
    return out
  }

  /** GETs a path under the vault (`/log/...`) as this device: for tools, audits and tests. Not verified. */
  async get<T>(path: string, headers?: Record<string, string>): Promise<T> {
    return this.#host.json<T>({
      method: 'GET',
      path: `/vaults/${this.#vaultId}${path}`,
      accessToken: await this.#token(),
      ...(headers === undefined ? {} : { headers }),
    })
  }
}
