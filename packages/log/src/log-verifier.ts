import { constantTimeEqual } from '@holdall/crypto'
import { base64Decode, base64Encode } from './base64.js'
import { type Checkpoint, openCheckpoint, parseCheckpoint, type SignedCheckpoint } from './checkpoint.js'
import { CompactRange } from './compact-range.js'
import { HoldallLogError, type LogErrorCode } from './errors.js'
import { EMPTY_ROOT, HASH_LENGTH, leafHash } from './hashing.js'
import { verifyConsistency } from './proofs.js'
import type { NoteVerifierKey } from './signed-note.js'

/*
 * What a client remembers about a vault's log, and how it moves forward: never backwards, never
 * sideways. Every step starts from the last (size, root) the client verified itself and ends at
 * a checkpoint signed by a log key the client was configured with. Anything else is an error
 * with a stable code, and an inconsistent history carries both signed checkpoints as evidence.
 * A client never repairs such a history: it stops trusting the log and tells its user.
 */

export interface TrustedLog {
  readonly origin: string
  readonly size: number
  readonly rootHash: Uint8Array
  /** The signed checkpoint that vouches for (size, root); undefined for an empty log begun here. */
  readonly checkpoint: string | undefined
  /** The compact range at `size`, kept by a client that has seen every entry (a holder device). */
  readonly range: CompactRange | undefined
}

/** Who may sign the vault's checkpoints, and for which log: from configuration, never the host. */
export interface LogTrust {
  readonly origin: string
  readonly keys: readonly NoteVerifierKey[]
}

/** The state of a log a holder device has just created: empty, with its (empty) compact range. */
export function emptyTrustedLog(origin: string): TrustedLog {
  return { origin, size: 0, rootHash: EMPTY_ROOT.slice(), checkpoint: undefined, range: CompactRange.empty() }
}

/**
 * First contact with a log that already has entries (a new device, a service): trusts a verified
 * checkpoint as it is. Use it once per vault; afterwards every step is checked against it.
 */
export function trustCheckpoint(note: string, trust: LogTrust): TrustedLog {
  const { checkpoint } = openCheckpoint(note, trust)
  return {
    origin: checkpoint.origin,
    size: checkpoint.size,
    rootHash: checkpoint.rootHash,
    checkpoint: note,
    range: checkpoint.size === 0 ? CompactRange.empty() : undefined,
  }
}

/**
 * Gives a trusted log the compact range at its size, from hashes anyone may supply (the host
 * serves the perfect subtrees of [0, size), see `rangeNodes`): they are taken only if they fold
 * to the trusted root. A device that began from a checkpoint can then sync by entries.
 */
export function adoptCompactRange(trusted: TrustedLog, hashes: readonly Uint8Array[]): TrustedLog {
  let range: CompactRange
  try {
    range = CompactRange.fromHashes(trusted.size, hashes)
  } catch (cause) {
    throw new HoldallLogError('LOG_PROOF_MALFORMED', 'not the compact range of the trusted size', { cause })
  }
  if (!constantTimeEqual(range.root(), trusted.rootHash))
    throw new HoldallLogError('LOG_PROOF_MISMATCH', 'these hashes do not give the trusted root')
  return { ...trusted, range }
}

/**
 * Moves to a newer checkpoint with an RFC 9162 consistency proof from the trusted size. The
 * compact range cannot follow a proof, so it is dropped unless the size is unchanged.
 */
export function advanceByProof(
  trusted: TrustedLog,
  note: string,
  proof: readonly Uint8Array[],
  trust: LogTrust,
): TrustedLog {
  const { checkpoint } = openAndCompare(trusted, note, trust)
  // At the same size the proof must be empty (openAndCompare has already compared the roots).
  withEvidence(trusted, note, () =>
    verifyConsistency(trusted.size, checkpoint.size, trusted.rootHash, checkpoint.rootHash, [...proof]),
  )
  if (checkpoint.size === trusted.size) return trusted
  return {
    origin: trusted.origin,
    size: checkpoint.size,
    rootHash: checkpoint.rootHash,
    checkpoint: note,
    range: undefined,
  }
}

/**
 * Moves to a newer checkpoint by appending the entries in between to the compact range and
 * requiring the root it gives to be the signed one. This both proves consistency and proves that
 * these are the log's entries: what a holder device does on every sync.
 */
export function advanceByEntries(
  trusted: TrustedLog,
  note: string,
  entries: readonly Uint8Array[],
  trust: LogTrust,
): TrustedLog {
  if (trusted.range === undefined)
    throw new HoldallLogError('LOG_STATE_INVALID', 'without a compact range, move forward with a consistency proof')
  const presented = openAndCompare(trusted, note, trust)
  const { checkpoint } = presented
  if (entries.length !== checkpoint.size - trusted.size)
    throw new HoldallLogError(
      'LOG_ENTRIES_MISMATCH',
      `expected ${checkpoint.size - trusted.size} entries between the two checkpoints, got ${entries.length}`,
      { evidence: { trusted: trusted.checkpoint, presented: note } },
    )
  if (entries.length === 0) return trusted
  const range = trusted.range.clone()
  for (const entry of entries) range.append(leafHash(entry))
  if (!constantTimeEqual(range.root(), checkpoint.rootHash))
    throw new HoldallLogError(
      'LOG_ENTRIES_MISMATCH',
      'these entries do not lead from the trusted tree to the signed root',
      {
        evidence: { trusted: trusted.checkpoint, presented: note },
      },
    )
  return { origin: trusted.origin, size: checkpoint.size, rootHash: checkpoint.rootHash, checkpoint: note, range }
}

/** Verifies the note, then refuses a smaller tree or another root for the same size. */
function openAndCompare(trusted: TrustedLog, note: string, trust: LogTrust): SignedCheckpoint {
  if (trust.origin !== trusted.origin)
    throw new HoldallLogError('LOG_ORIGIN_MISMATCH', 'this state belongs to another log')
  const presented = openCheckpoint(note, trust)
  const { checkpoint } = presented
  const evidence = { trusted: trusted.checkpoint, presented: note }
  if (checkpoint.size < trusted.size)
    throw new HoldallLogError(
      'LOG_SHRUNK',
      `the host signed a log of ${checkpoint.size} entries after one of ${trusted.size}`,
      { evidence },
    )
  if (checkpoint.size === trusted.size && !constantTimeEqual(checkpoint.rootHash, trusted.rootHash))
    throw new HoldallLogError('LOG_FORKED', `the host signed two different logs of ${checkpoint.size} entries`, {
      evidence,
    })
  return presented
}

function withEvidence(trusted: TrustedLog, note: string, verify: () => void): void {
  try {
    verify()
  } catch (error) {
    if (!(error instanceof HoldallLogError)) throw error
    throw new HoldallLogError(error.code, error.message, {
      cause: error,
      evidence: { trusted: trusted.checkpoint, presented: note },
    })
  }
}

/** The stored form of a {@link TrustedLog}: JSON, to be sealed on the device by its caller. */
export interface TrustedLogJson {
  readonly origin: string
  readonly size: number
  readonly rootHash: string
  readonly checkpoint?: string
  readonly range?: readonly string[]
}

export function trustedLogToJson(log: TrustedLog): TrustedLogJson {
  return {
    origin: log.origin,
    size: log.size,
    rootHash: base64Encode(log.rootHash),
    ...(log.checkpoint === undefined ? {} : { checkpoint: log.checkpoint }),
    ...(log.range === undefined ? {} : { range: log.range.hashes.map(base64Encode) }),
  }
}

/**
 * Reads stored state back, checking that its parts agree: the checkpoint (if any) names this
 * origin, size and root, and the compact range (if any) gives this root.
 */
export function trustedLogFromJson(json: TrustedLogJson): TrustedLog {
  const fail = (message: string, code: LogErrorCode = 'LOG_STATE_INVALID') => new HoldallLogError(code, message)
  if (typeof json !== 'object' || json === null || typeof json.origin !== 'string') throw fail('not a stored log state')
  const rootHash = typeof json.rootHash === 'string' ? base64Decode(json.rootHash) : undefined
  if (rootHash === undefined || rootHash.length !== HASH_LENGTH) throw fail('a stored root hash is 32 bytes')
  if (!Number.isSafeInteger(json.size) || json.size < 0) throw fail('a stored size is a safe integer')
  let checkpoint: Checkpoint | undefined
  if (json.checkpoint !== undefined) {
    if (typeof json.checkpoint !== 'string') throw fail('a stored checkpoint is a signed note')
    const text = json.checkpoint.slice(0, json.checkpoint.lastIndexOf('\n\n') + 1)
    checkpoint = parseCheckpoint(text)
    if (
      checkpoint.origin !== json.origin ||
      checkpoint.size !== json.size ||
      !constantTimeEqual(checkpoint.rootHash, rootHash)
    )
      throw fail('the stored checkpoint does not match the stored size and root')
  } else if (json.size !== 0 || !constantTimeEqual(rootHash, EMPTY_ROOT)) {
    throw fail('only an empty log is trusted without a checkpoint')
  }
  let range: CompactRange | undefined
  if (json.range !== undefined) {
    if (!Array.isArray(json.range)) throw fail('a stored compact range is a list of hashes')
    const hashes = json.range.map((h) => (typeof h === 'string' ? base64Decode(h) : undefined))
    if (hashes.some((h) => h === undefined)) throw fail('a stored compact range hash is base64')
    range = CompactRange.fromHashes(json.size, hashes as Uint8Array[])
    if (!constantTimeEqual(range.root(), rootHash)) throw fail('the stored compact range does not give the stored root')
  }
  return { origin: json.origin, size: json.size, rootHash, checkpoint: json.checkpoint, range }
}
