/**
 * Every failure in this package is a {@link HoldallCryptoError} with a stable `code`.
 * Callers branch on the code, never on the message; messages never contain key material.
 */
export type CryptoErrorCode =
  /** Input bytes or strings are not in the exact encoding the spec requires. */
  | 'ENCODING_INVALID'
  /** A key has the wrong length, is not a valid point, or is of low order. */
  | 'KEY_INVALID'
  /** The envelope header is malformed (magic, reserved bits, field ranges). */
  | 'ENVELOPE_MALFORMED'
  /** The envelope names a format version, suite or chunk size this implementation does not support. */
  | 'ENVELOPE_UNSUPPORTED'
  /** The envelope's ids, version or epoch differ from what the caller expected to open. */
  | 'ENVELOPE_CONTEXT_MISMATCH'
  /** The key commitment does not match: wrong data key, or a tampered header or commitment. */
  | 'ENVELOPE_COMMITMENT_MISMATCH'
  /** The ciphertext ends early or its length cannot be a valid chunking. */
  | 'ENVELOPE_TRUNCATED'
  /** A metadata block or chunk failed authentication (tampered, swapped, reordered or appended). */
  | 'ENVELOPE_AUTH_FAILED'
  /** The ciphertext's SHA-256 differs from the digest the caller expected (e.g. from a manifest). */
  | 'ENVELOPE_DIGEST_MISMATCH'
  /** The plaintext or metadata exceeds a limit of the format. */
  | 'ENVELOPE_TOO_LARGE'
  /** A wrapped key has the wrong length or shape. */
  | 'WRAP_MALFORMED'
  /** A wrapped key failed to open: wrong key, wrong binding context, or tampering. */
  | 'WRAP_OPEN_FAILED'
  /** A manifest is malformed or uses an unsupported version or algorithm. */
  | 'MANIFEST_MALFORMED'
  /** A manifest signature does not verify under the given key (strict Ed25519). */
  | 'MANIFEST_SIGNATURE_INVALID'
  /** A manifest does not follow its predecessor (ids, version or previous-hash link). */
  | 'MANIFEST_CHAIN_BROKEN'
  /** A signed key statement (inbox key, device wrap) does not verify. */
  | 'STATEMENT_INVALID'
  /** A JWS (DPoP proof, assertion, receipt, trust list) is malformed or does not verify. */
  | 'SIGNATURE_INVALID'
  /** A device chain entry is not in the exact format (length, version, operation, vault, field rules). */
  | 'DEVICE_CHAIN_MALFORMED'
  /** Device chain entries are out of order, or one does not hash-link to the entry before it. */
  | 'DEVICE_CHAIN_LINK_BROKEN'
  /** A device chain entry is signed by a key that is not a member when it is applied (or a removed one). */
  | 'DEVICE_CHAIN_SIGNER_NOT_MEMBER'
  /** A device chain entry's signature does not verify (strict Ed25519). */
  | 'DEVICE_CHAIN_SIGNATURE_INVALID'
  /** A device chain adds a member twice, re-adds a removed key, removes a non-member or the last member. */
  | 'DEVICE_CHAIN_MEMBERSHIP_INVALID'
  /** The chain's first entry is not the root the reader pinned: another vault's chain, or a forged one. */
  | 'DEVICE_CHAIN_ROOT_MISMATCH'
  /** The chain is shorter than, or forks from, a head the reader has already seen (truncated or replayed). */
  | 'DEVICE_CHAIN_ROLLBACK'
  /** An offline share (spec 10.2) is not in the exact format: prefix, version, mode, lengths, times. */
  | 'OFFLINE_SHARE_MALFORMED'
  /** An offline share's holder signature does not verify: the code was changed after it was made. */
  | 'OFFLINE_SHARE_SIGNATURE_INVALID'
  /** A recovery share is not in the exact format, fails its checksum, or is of another vault or epoch. */
  | 'RECOVERY_SHARE_INVALID'
  /** No two of the offered recovery shares rebuild a key that matches the vault's check value. */
  | 'RECOVERY_FAILED'

export class HoldallCryptoError extends Error {
  override name = 'HoldallCryptoError'
  readonly code: CryptoErrorCode

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isHoldallCryptoError(value: unknown): value is HoldallCryptoError {
  return value instanceof HoldallCryptoError
}
