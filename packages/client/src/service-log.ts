import { base64urlDecode, base64urlEncode } from '@holdall/crypto'
import {
  base64Decode,
  HoldallLogError,
  type LogTrust,
  MemoryVaultLogStore,
  type NoteVerifierKey,
  openCheckpoint,
  parseVerifierKey,
  rotatedKeys,
  unknownSigners,
  type VaultLogStore,
  VaultLogVerifier,
  vaultLogOrigin,
  verifyConsistency,
  verifyKeyServed,
} from '@holdall/log'
import {
  type HostMetadata,
  type KeyServedProofBody,
  keyServedProofSchema,
  LOG_CHECKPOINT_HEADER,
  type LogConsistency,
  type ReadLogProof,
  type RecordVersionView,
} from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { HostConnection } from './http.js'

export interface ServiceLogOptions {
  /**
   * The host's log verifier keys (C2SP text form) the service pinned. Without them the keys in
   * the host's discovery document are taken on first use and kept for this object's life.
   */
  readonly logKeys?: readonly string[]
  /**
   * Where the service keeps the last checkpoint it verified of each vault's log. The default is
   * in memory; a service that restarts should pass a store in its own database.
   */
  readonly logStore?: (vaultId: string) => VaultLogStore
}

/**
 * A service's side of the verifiable log (spec 8.7, 8.8): before it unwraps a record key it
 * fetches the `key_served` entry the host logged for it, the inclusion proof and the signed
 * checkpoint, and checks that the checkpoint is signed by a log key it trusts and is consistent
 * with the last one it holds for the vault. It presents that last checkpoint with every read, so
 * a host that shows it a history another party cannot share must refuse it or be caught.
 */
export class ServiceLog {
  readonly #host: HostConnection
  readonly #token: () => Promise<string>
  readonly #stores = new Map<string, VaultLogStore>()
  readonly #makeStore: (vaultId: string) => VaultLogStore
  #keys: NoteVerifierKey[] | undefined
  /** The host's issuer as its discovery document names it: each vault's log origin is built on it. */
  #issuer: string | undefined
  /** Where the last read said each (record, version) was logged. */
  readonly #served = new Map<string, number>()
  /** The vault the last read was for (a service token serves one grant, one vault). */
  #vaultId: string | undefined
  /** Keys whose key_served entry a read's inline proof proved (spec 8.7.1), or why it did not. */
  readonly #inline = new Map<string, { readonly proven: true } | { readonly proven: false; readonly cause: unknown }>()
  /** Present, read and verify one at a time: a proof is from the checkpoint presented, which must still be the one held. */
  #queue: Promise<unknown> = Promise.resolve()
  /** Vaults that moved (spec 12.7): the size and root the holder committed, until the new host's log joins them. */
  readonly #moved = new Map<string, { size: number; root: Uint8Array }>()

  constructor(host: HostConnection, token: () => Promise<string>, options: ServiceLogOptions = {}) {
    this.#host = host
    this.#token = token
    this.#keys = options.logKeys?.map(parseVerifierKey)
    this.#makeStore = options.logStore ?? (() => new MemoryVaultLogStore())
  }

  store(vaultId: string): VaultLogStore {
    let store = this.#stores.get(vaultId)
    if (store === undefined) {
      store = this.#makeStore(vaultId)
      this.#stores.set(vaultId, store)
    }
    return store
  }

  async trust(vaultId: string): Promise<LogTrust> {
    if (this.#issuer === undefined) {
      const metadata = await this.#host.json<HostMetadata>({ method: 'GET', path: '/.well-known/holdall' })
      this.#keys ??= (metadata.log_verifier_keys ?? []).map(parseVerifierKey)
      this.#issuer = metadata.issuer
    }
    return { origin: vaultLogOrigin(this.#issuer, vaultId), keys: this.#keys ?? [] }
  }

  /**
   * The vault moved to the host this connection now names (after the caller checked the
   * holder-signed tombstone): the new host's log keys are learned afresh, and its log is taken on
   * only through consistency proofs from the checkpoint held here and from the committed
   * (`size`, `root`) to its signed checkpoint ([MIG-LOG-02]).
   */
  relocated(vaultId: string, committed: { size: number; root: Uint8Array }, logKeys?: readonly string[]): void {
    this.#issuer = undefined
    this.#keys = logKeys?.map(parseVerifierKey)
    this.#served.clear()
    this.#moved.set(vaultId, committed)
  }

  /** The header presenting the last checkpoint this service verified for the vault, if any. */
  async presentHeaders(vaultId = this.#vaultId): Promise<Record<string, string>> {
    if (vaultId === undefined || this.#moved.has(vaultId)) return {}
    const held = (await this.store(vaultId).load())?.state?.checkpoint
    return held === undefined ? {} : { [LOG_CHECKPOINT_HEADER]: base64urlEncode(new TextEncoder().encode(held)) }
  }

  /** Notes the log index of each key served, from the read's `Holdall-Log-Index` header. */
  noteServed(records: readonly RecordVersionView[], header: string | null): void {
    const indices = header === null || header === '' ? [] : header.split(',').map(Number)
    records.forEach((record, i) => {
      const index = indices[i]
      if (index !== undefined && Number.isSafeInteger(index) && index >= 0)
        this.#served.set(`${record.record_id}/${record.version}`, index)
    })
  }

  /** Runs `work` after every earlier one of this service's log exchanges (present, read, verify) has ended. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /**
   * Checks the proof a read carried of its own `key_served` entries (spec 8.7.1): the signed
   * checkpoint, each record's entry and inclusion proof, in record order, and the consistency
   * proof from the checkpoint this service held (and presented) to the new one, which it then
   * holds. What it finds is kept for `proveServed`; nothing here throws, so a host that lies in
   * the proof loses the reads, not the list. Call inside `exclusive`, with the presenting read.
   */
  async acceptReadProof(
    vaultId: string,
    grantId: string,
    records: readonly RecordVersionView[],
    proof: ReadLogProof | undefined,
  ): Promise<void> {
    this.#vaultId = vaultId
    if (proof === undefined) return
    const keys = records.map((r) => `${r.record_id}/${r.version}`)
    try {
      if (proof.entries.length !== records.length)
        throw new HoldallLogError('LOG_PROOF_MALFORMED', 'the proof does not name one entry per record read')
      const trust = await this.trust(vaultId)
      records.forEach((view, i) => {
        const served = proof.entries[i] as ReadLogProof['entries'][number]
        verifyKeyServed(
          {
            checkpoint: proof.checkpoint,
            entry: base64urlDecode(served.entry),
            index: served.index,
            proof: served.proof.map(base64urlDecode),
          },
          { grantId: base64urlDecode(grantId), recordId: base64urlDecode(view.record_id), version: view.version },
          trust,
        )
      })
      await this.#advance(vaultId, trust, proof.checkpoint, proof.consistency)
      for (const key of keys) this.#inline.set(key, { proven: true })
    } catch (cause) {
      for (const key of keys) this.#inline.set(key, { proven: false, cause })
    }
  }

  /** Moves the held checkpoint to `checkpoint` by the consistency proof from it (a shrink or fork is an alarm). */
  async #advance(vaultId: string, trust: LogTrust, checkpoint: string, consistency: readonly string[] | undefined) {
    const moved = this.#moved.get(vaultId)
    // After a move, the new host's first checkpoint is joined to the old log by consistency proofs.
    if (moved !== undefined) {
      await this.#joinMovedLog(vaultId, moved, checkpoint, trust)
      return
    }
    const verifier = new VaultLogVerifier(this.store(vaultId), trust)
    const held = await verifier.trusted()
    if (held !== undefined && consistency === undefined)
      throw new HoldallLogError('LOG_PROOF_MALFORMED', 'no consistency proof from the checkpoint this service holds')
    await verifier.sync({ checkpoint, consistencyProof: (consistency ?? []).map(base64urlDecode) })
    await this.#takeUpRotatedKeys(trust, checkpoint)
  }

  /** A rotated host log key, vouched for by a trusted key's signature on the same checkpoint ([LOG-CLIENT-06]). */
  async #takeUpRotatedKeys(trust: LogTrust, note: string): Promise<void> {
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
   * Throws `KEY_SERVED_UNPROVEN` unless the host's signed log holds a `key_served` entry for this
   * grant, record and version, in a checkpoint consistent with the last one this service holds.
   */
  async proveServed(vaultId: string, grantId: string, view: RecordVersionView): Promise<void> {
    this.#vaultId = vaultId
    const inline = this.#inline.get(`${view.record_id}/${view.version}`)
    if (inline?.proven === true) return
    if (inline?.proven === false)
      throw new HoldallError('KEY_SERVED_UNPROVEN', 'the log does not prove this key was served', {
        cause: inline.cause,
      })
    await this.exclusive(() => this.#proveByRequest(vaultId, grantId, view))
  }

  /** The proof by a request of its own (`/grant/log/key-served`), for a host that sent none with the read. */
  async #proveByRequest(vaultId: string, grantId: string, view: RecordVersionView): Promise<void> {
    const index = this.#served.get(`${view.record_id}/${view.version}`)
    if (index === undefined)
      throw new HoldallError('KEY_SERVED_UNPROVEN', 'the host named no log entry for this key: read the records first')
    let body: KeyServedProofBody
    try {
      body = keyServedProofSchema.parse(
        await this.#host.json<unknown>({
          method: 'GET',
          path: `/grant/log/key-served?index=${index}`,
          accessToken: await this.#token(),
          headers: await this.presentHeaders(vaultId),
        }),
      )
    } catch (cause) {
      throw new HoldallError('KEY_SERVED_UNPROVEN', 'the host gave no proof that it logged this key', { cause })
    }
    try {
      const trust = await this.trust(vaultId)
      verifyKeyServed(
        {
          checkpoint: body.checkpoint,
          entry: base64urlDecode(body.entry),
          index: body.index,
          proof: body.proof.map(base64urlDecode),
        },
        { grantId: base64urlDecode(grantId), recordId: base64urlDecode(view.record_id), version: view.version },
        trust,
      )
      await this.#advance(vaultId, trust, body.checkpoint, body.consistency)
    } catch (cause) {
      throw new HoldallError('KEY_SERVED_UNPROVEN', 'the log does not prove this key was served', { cause })
    }
  }

  /** Joins the old host's log (as held here, and as the holder committed it) to the new host's checkpoint. */
  async #joinMovedLog(
    vaultId: string,
    moved: { size: number; root: Uint8Array },
    note: string,
    trust: LogTrust,
  ): Promise<void> {
    const { checkpoint } = openCheckpoint(note, trust)
    const proof = async (from: number, to: number) =>
      (
        await this.#host.json<LogConsistency>({
          method: 'GET',
          path: `/grant/log/consistency?from=${from}&to=${to}`,
          accessToken: await this.#token(),
        })
      ).proof.map(base64urlDecode)
    const store = this.store(vaultId)
    const held = (await store.load())?.state
    if (held !== undefined) {
      const heldRoot = base64Decode(held.rootHash)
      if (heldRoot === undefined) throw new HoldallLogError('LOG_STATE_INVALID', 'the held checkpoint is unreadable')
      verifyConsistency(held.size, moved.size, heldRoot, moved.root, await proof(held.size, moved.size))
    }
    verifyConsistency(
      moved.size,
      checkpoint.size,
      moved.root,
      checkpoint.rootHash,
      await proof(moved.size, checkpoint.size),
    )
    await store.save({})
    await new VaultLogVerifier(store, trust).sync({ checkpoint: note, consistencyProof: [] })
    this.#moved.delete(vaultId)
  }
}
