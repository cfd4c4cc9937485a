import { constantTimeEqual } from '@holdall/crypto'
import { openCheckpoint, type SignedCheckpoint } from './checkpoint.js'
import { decodeLogEntry, type LogEntry } from './entries.js'
import { HoldallLogError } from './errors.js'
import { leafHash } from './hashing.js'
import type { LogTrust } from './log-verifier.js'
import { verifyInclusion } from './proofs.js'

export type KeyServedEntry = Extract<LogEntry, { type: 'key_served' }>

/** What a host sends a service with a wrapped key: the entry, where it is, and the signed tree. */
export interface KeyServedProof {
  /** The signed checkpoint of the vault's log that includes the entry. */
  readonly checkpoint: string
  /** The canonical bytes of the `key_served` entry. */
  readonly entry: Uint8Array
  readonly index: number
  /** RFC 9162 inclusion proof of the entry in the checkpoint's tree. */
  readonly proof: readonly Uint8Array[]
}

/**
 * A service's check before it unwraps a record key: the host has logged, in the vault's signed
 * log, that it served this key for this grant, record and version. A read that is not in the log
 * the holder audits is a read an honest service cannot make.
 */
export function verifyKeyServed(
  served: KeyServedProof,
  expected: { readonly grantId: Uint8Array; readonly recordId: Uint8Array; readonly version: number },
  trust: LogTrust,
): { readonly entry: KeyServedEntry; readonly checkpoint: SignedCheckpoint } {
  const signed = openCheckpoint(served.checkpoint, trust)
  const entry = decodeLogEntry(served.entry)
  if (
    entry.type !== 'key_served' ||
    !constantTimeEqual(entry.grantId, expected.grantId) ||
    !constantTimeEqual(entry.recordId, expected.recordId) ||
    entry.version !== expected.version
  )
    throw new HoldallLogError('LOG_ENTRY_UNEXPECTED', 'the logged entry is not this key, for this grant and version')
  verifyInclusion(
    leafHash(served.entry),
    served.index,
    signed.checkpoint.size,
    [...served.proof],
    signed.checkpoint.rootHash,
  )
  return { entry, checkpoint: signed }
}
