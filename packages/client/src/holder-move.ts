import {
  base64urlDecode,
  base64urlEncode,
  generateId,
  sha256Bytes,
  signMoveStatement,
  type VerifiedDeviceChain,
} from '@holdall/crypto'
import {
  decodeLogEntry,
  leafHash,
  openCheckpoint,
  VaultLogVerifier,
  verifyConsistency,
  verifyInclusion,
} from '@holdall/log'
import {
  type LogConsistency,
  type LogInclusion,
  MOVE_COMMIT_TYP,
  MOVE_STATEMENT_TYP,
  type MovePackage,
  type MoveStatus,
} from '@holdall/protocol'
import { HoldallApiError, HoldallError } from './errors.js'
import type { HolderLog } from './holder-log.js'
import { HostConnection } from './http.js'

/*
 * The holder's side of a move (spec chapter 12), step by step, each step repeatable: a phone
 * that loses the network, or a host killed at any step, runs `moveTo` again with the same store
 * and the move carries on from where it stood ([MIG-STATE-03]). Nothing is decrypted on the way:
 * the package and the envelopes go from host A to host B through the phone as they are.
 */

/** What the phone keeps of a move in progress (sealed on the device by a wallet). */
export interface MoveProgress {
  readonly vaultId: string
  readonly moveId: string
  readonly from: string
  readonly to: string
  readonly statement: string
  /** Once signed, the move only goes forward (spec 12.3). */
  readonly commit?: string
  readonly logSize?: number
  readonly logRoot?: string
}

export interface MoveStore {
  load(): Promise<MoveProgress | undefined>
  save(progress: MoveProgress): Promise<void>
  clear(): Promise<void>
}

export class MemoryMoveStore implements MoveStore {
  #progress: MoveProgress | undefined
  async load() {
    return this.#progress
  }
  async save(progress: MoveProgress) {
    this.#progress = progress
  }
  async clear() {
    this.#progress = undefined
  }
}

export type MoveStep = 'frozen' | 'imported' | 'envelopes' | 'left' | 'arrived'

export interface MoveOptions {
  /** Where the move in progress is kept between attempts (default: in memory, this object's life). */
  readonly store?: MoveStore
  /** Told after each step, for a progress screen. */
  readonly onStep?: (step: MoveStep) => void
}

/** What the move needs of the holder's client on host A. */
export interface MoveSource {
  readonly host: HostConnection
  readonly vaultId: string
  readonly deviceSecretKey: Uint8Array
  readonly dpopKey: { publicKey: Uint8Array; secretKey: Uint8Array }
  token(): Promise<string>
  chain(): Promise<VerifiedDeviceChain>
  readonly log: HolderLog
}

const trim = (url: string) => url.replace(/\/+$/, '')
const b64 = (bytes: Uint8Array) => base64urlEncode(bytes)
const sha256Text = (text: string) => b64(sha256Bytes(new TextEncoder().encode(text)))

/** Runs (or resumes) the move to `to`; resolves with the committed log size and root once B is live. */
export async function runMove(
  source: MoveSource,
  to: string,
  options: MoveOptions,
): Promise<{ progress: MoveProgress; logSize: number; logRoot: string }> {
  const store = options.store ?? new MemoryMoveStore()
  const step = (s: MoveStep) => options.onStep?.(s)
  const a = source.host
  const b = new HostConnection(to, source.dpopKey, a.fetch)
  const asHolder = async <T>(method: string, path: string, json?: unknown) =>
    a.json<T>({ method, path, accessToken: await source.token(), ...(json === undefined ? {} : { json }) })
  let progress = await store.load()
  if (progress !== undefined && (progress.vaultId !== source.vaultId || trim(progress.to) !== trim(to)))
    throw new HoldallError(
      'MOVE_TARGET_MISMATCH',
      'another move of this vault is in progress: finish or abort it first',
    )
  if (progress === undefined) {
    const chain = await source.chain()
    const statement = signMoveStatement(
      MOVE_STATEMENT_TYP,
      {
        vault: source.vaultId,
        move: b64(generateId()),
        from: trim(a.baseUrl),
        to: trim(to),
        chain_seq: chain.head.seq,
        chain_head: b64(chain.head.hash),
      },
      source.deviceSecretKey,
    )
    progress = { vaultId: source.vaultId, moveId: moveIdOf(statement), from: trim(a.baseUrl), to: trim(to), statement }
    await store.save(progress)
  }
  const vaultPath = `/vaults/${source.vaultId}`
  if (progress.commit === undefined) {
    // 1. Freeze at A: its log ends with this move's vault_moved entry.
    const frozen = await asHolder<MoveStatus>('POST', `${vaultPath}/move`, { statement: progress.statement })
    step('frozen')
    // 2. The phone verifies A's final log itself ([MIG-STMT-02]).
    const trusted = (await source.log.sync()).trusted
    if (trusted.size !== frozen.log_size || b64(trusted.rootHash) !== frozen.log_root)
      throw new HoldallError('MOVE_TARGET_MISMATCH', 'the host reports another log than this phone verified')
    await checkEntry(source.log, frozen.log_size - 1, trusted.size, trusted.rootHash, 'vault_moved', progress)
    // 3. The package to B, as A holds it; B must report the very log this phone verified.
    const pkg = await asHolder<MovePackage>('GET', `${vaultPath}/move/package`)
    const imported = await b.json<MoveStatus>({
      method: 'POST',
      path: '/moves',
      json: { statement: progress.statement, package: pkg },
    })
    if (imported.log_size !== frozen.log_size || imported.log_root !== frozen.log_root)
      throw new HoldallError('MOVE_TARGET_MISMATCH', 'the new host reports another log than this phone verified')
    step('imported')
    // 4. The envelopes B lacks, from A, checked by B against their addresses.
    for (const sha of imported.missing_blobs ?? []) {
      const bytes = await a.bytes({
        method: 'GET',
        path: `${vaultPath}/blobs/${sha}`,
        accessToken: await source.token(),
      })
      await b.json({ method: 'PUT', path: `/moves/${progress.moveId}/blobs/${sha}`, body: bytes })
    }
    step('envelopes')
    // 5. The commit: from here the move only goes forward.
    const chain = await source.chain()
    const commit = signMoveStatement(
      MOVE_COMMIT_TYP,
      {
        vault: source.vaultId,
        move: progress.moveId,
        from: progress.from,
        to: progress.to,
        chain_seq: chain.head.seq,
        chain_head: b64(chain.head.hash),
        statement: sha256Text(progress.statement),
        log_size: frozen.log_size,
        log_root: frozen.log_root,
      },
      source.deviceSecretKey,
    )
    progress = { ...progress, commit, logSize: frozen.log_size, logRoot: frozen.log_root }
    await store.save(progress)
  }
  const commit = progress.commit as string
  // 6. A tombstones (repeatable: the same commit is answered the same).
  try {
    await asHolder<MoveStatus>('POST', `${vaultPath}/move/commit`, { commit })
  } catch (error) {
    // Already tombstoned by this very commit (an earlier attempt's answer was lost).
    if (!(error instanceof HoldallApiError && error.code === 'vault_moved' && error.body.tombstone === commit))
      throw error
  }
  step('left')
  // 7. B goes live on the same commit.
  await b.json<MoveStatus>({ method: 'POST', path: `/moves/${progress.moveId}/commit`, json: { commit } })
  step('arrived')
  return { progress, logSize: progress.logSize as number, logRoot: progress.logRoot as string }
}

/** Rolls a move back before its commit (spec 12.3): the vault is live at A again. */
export async function abortMove(source: MoveSource, store: MoveStore): Promise<void> {
  const progress = await store.load()
  if (progress?.commit !== undefined) throw new HoldallError('MOVE_TARGET_MISMATCH', 'the move is committed: finish it')
  await source.host.json({
    method: 'POST',
    path: `/vaults/${source.vaultId}/move/abort`,
    accessToken: await source.token(),
  })
  await store.clear()
}

/**
 * Takes B's log on only through a consistency proof from the committed size and root, with the
 * entry at that size this move's `vault_arrived` ([MIG-LOG-02]); then follows B's log from there.
 */
export async function adoptMovedLog(log: HolderLog, progress: MoveProgress): Promise<void> {
  const size = progress.logSize as number
  const root = base64urlDecode(progress.logRoot as string)
  const trust = await log.trust()
  const note = await log.checkpoint()
  const { checkpoint } = openCheckpoint(note, trust)
  const proof = await log.get<LogConsistency>(`/log/consistency?from=${size}&to=${checkpoint.size}`)
  try {
    verifyConsistency(size, checkpoint.size, root, checkpoint.rootHash, proof.proof.map(base64urlDecode))
  } catch (cause) {
    throw new HoldallError('MOVE_TARGET_MISMATCH', "the new host's log does not continue the old one", { cause })
  }
  await checkEntry(log, size, checkpoint.size, checkpoint.rootHash, 'vault_arrived', progress)
  await log.store.save({})
  await new VaultLogVerifier(log.store, trust).sync({ checkpoint: note, consistencyProof: [] })
}

async function checkEntry(
  log: HolderLog,
  index: number,
  size: number,
  root: Uint8Array,
  type: 'vault_moved' | 'vault_arrived',
  progress: MoveProgress,
): Promise<void> {
  const [entry] = await log.entries(index, index + 1)
  const inclusion = await log.get<LogInclusion>(`/log/inclusion?index=${index}&size=${size}`)
  try {
    if (entry === undefined) throw new Error('no entry')
    verifyInclusion(leafHash(entry), index, size, inclusion.proof.map(base64urlDecode), root)
    const decoded = decodeLogEntry(entry)
    if (
      decoded.type !== type ||
      b64(decoded.moveId) !== progress.moveId ||
      b64(decoded.statementSha256) !== sha256Text(progress.statement) ||
      trim(decoded.host) !== (type === 'vault_moved' ? progress.to : progress.from)
    )
      throw new Error(`entry ${index} is not this move's ${type}`)
  } catch (cause) {
    throw new HoldallError('MOVE_TARGET_MISMATCH', `the log does not hold this move's ${type} entry`, { cause })
  }
}

function moveIdOf(statement: string): string {
  const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(statement.split('.')[1] ?? ''))) as {
    move: string
  }
  return payload.move
}
