/**
 * Every failure in this package is a {@link HoldallLogError} with a stable `code`. Callers branch
 * on the code, never on the message. Errors about a history the host signed carry both signed
 * checkpoints as `evidence`: what the client had verified before, and what it was shown now.
 */
export type LogErrorCode =
  /** A log entry is not in the canonical encoding of spec 8.3 (or is too large). */
  | 'LOG_ENTRY_MALFORMED'
  /** A log entry has a type this implementation does not know, or one reserved for later. */
  | 'LOG_ENTRY_UNSUPPORTED'
  /** A log entry is not the one the caller expected (wrong type, grant, record or version). */
  | 'LOG_ENTRY_UNEXPECTED'
  /** A signed note breaks the C2SP signed-note syntax. */
  | 'LOG_NOTE_MALFORMED'
  /** No signature by a known key verifies, or a known key's signature fails (strict Ed25519). */
  | 'LOG_NOTE_UNVERIFIED'
  /** A verifier key (C2SP vkey) is malformed, or its key ID does not match its name and key. */
  | 'LOG_KEY_INVALID'
  /** A checkpoint's text is not exactly origin, size and root hash (spec 8.5). */
  | 'LOG_CHECKPOINT_MALFORMED'
  /** A checkpoint names another log than the vault's (another origin). */
  | 'LOG_ORIGIN_MISMATCH'
  /** A proof is structurally wrong: a hash is not 32 bytes, or an index or size is out of range. */
  | 'LOG_PROOF_MALFORMED'
  /** A proof has fewer hashes than the sizes it is for require. */
  | 'LOG_PROOF_TRUNCATED'
  /** A proof has more hashes than the sizes it is for allow. */
  | 'LOG_PROOF_EXTENDED'
  /** A proof of the right shape does not lead to the signed root hash(es). */
  | 'LOG_PROOF_MISMATCH'
  /** The entries given for a range do not lead from the trusted tree to the signed root. */
  | 'LOG_ENTRIES_MISMATCH'
  /** The host signed a tree smaller than one the client has already verified. */
  | 'LOG_SHRUNK'
  /** The host signed two different root hashes for one tree size. */
  | 'LOG_FORKED'
  /** Stored verifier state is malformed. */
  | 'LOG_STATE_INVALID'
  /** This device has an alarm for the vault's log: it no longer trusts it (see the evidence). */
  | 'LOG_UNTRUSTED'

/** Two signed checkpoints that cannot both be honest: keep them, show them, export them. */
export interface LogEvidence {
  /** The signed checkpoint the client had verified and trusted (absent for a log it began empty). */
  readonly trusted: string | undefined
  /** The signed checkpoint the host presented that contradicts it (or could not be shown consistent). */
  readonly presented: string
}

export class HoldallLogError extends Error {
  override name = 'HoldallLogError'
  readonly code: LogErrorCode
  readonly evidence: LogEvidence | undefined

  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown; evidence?: LogEvidence }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.evidence = options?.evidence
  }
}

export function isHoldallLogError(value: unknown): value is HoldallLogError {
  return value instanceof HoldallLogError
}
