import { constantTimeEqual } from '@holdall/crypto'
import { base64Decode, base64Encode } from './base64.js'
import { HoldallLogError } from './errors.js'
import { EMPTY_ROOT, HASH_LENGTH } from './hashing.js'
import { type NoteSigner, type NoteVerifierKey, openNote, signNote } from './signed-note.js'

/*
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): a signed note whose text is exactly
 *
 *   <origin>
 *   <tree size, decimal, no leading zeros>
 *   <root hash, standard base64>
 *
 * Holdall checkpoints carry no extension lines, and readers refuse them: nothing in a checkpoint
 * is left unchecked.
 */

export interface Checkpoint {
  /** Names the log: one per vault (see {@link vaultLogOrigin}). */
  readonly origin: string
  readonly size: number
  readonly rootHash: Uint8Array
}

/** A checkpoint together with the signed note it came from (kept as evidence). */
export interface SignedCheckpoint {
  readonly checkpoint: Checkpoint
  readonly note: string
}

/**
 * A vault's log origin: the host's issuer without its scheme, `/vaults/`, and the vault id. The
 * origin is in the signed text, so a checkpoint of one vault can never pass for another's.
 */
export function vaultLogOrigin(issuer: string, vaultId: string): string {
  const match = /^https?:\/\/(.+)$/.exec(issuer)
  const host = match?.[1]?.replace(/\/$/, '')
  if (host === undefined || host.length === 0 || host.startsWith('/') || /[\s+]/u.test(host))
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'an origin needs an http(s) issuer')
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(vaultId))
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a vault id is base64url')
  return `${host}/vaults/${vaultId}`
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  assertOrigin(checkpoint.origin)
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0)
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a tree size is an integer from 0 to 2^53 - 1')
  if (checkpoint.rootHash.length !== HASH_LENGTH)
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a root hash is 32 bytes')
  return `${checkpoint.origin}\n${checkpoint.size}\n${base64Encode(checkpoint.rootHash)}\n`
}

/** Reads a checkpoint's text, refusing anything but its one canonical spelling. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n')
  const [origin, size, root, end] = lines
  if (lines.length !== 4 || origin === undefined || size === undefined || root === undefined || end !== '')
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a checkpoint is exactly three lines: origin, size, root')
  assertOrigin(origin)
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size)))
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a tree size is decimal, without leading zeros, below 2^53')
  const rootHash = base64Decode(root)
  if (rootHash === undefined || rootHash.length !== HASH_LENGTH)
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'a root hash is canonical base64 of 32 bytes')
  const checkpoint = { origin, size: Number(size), rootHash }
  if (checkpoint.size === 0 && !constantTimeEqual(rootHash, EMPTY_ROOT))
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'the empty tree has one root: SHA-256 of no bytes')
  return checkpoint
}

/** Signs a checkpoint with the host's log key (and any others, e.g. during a key rotation). */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers)
}

/**
 * Verifies a signed checkpoint under the log keys the client trusts and checks that it is the
 * expected vault's log. Nothing a host says picks the key or the origin.
 */
export function openCheckpoint(
  note: string,
  expected: { readonly origin: string; readonly keys: readonly NoteVerifierKey[] },
): SignedCheckpoint {
  const { text } = openNote(note, expected.keys)
  const checkpoint = parseCheckpoint(text)
  if (checkpoint.origin !== expected.origin)
    throw new HoldallLogError('LOG_ORIGIN_MISMATCH', 'the checkpoint is for another log than this vault')
  return { checkpoint, note }
}

function assertOrigin(origin: string): void {
  if (origin.length === 0 || origin.length > 512 || /[\s+]/u.test(origin))
    throw new HoldallLogError('LOG_CHECKPOINT_MALFORMED', 'an origin is non-empty, with no spaces or +')
}
