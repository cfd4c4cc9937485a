/** A problem+json answer from a host, with its stable code (RFC 9457). */
export class HoldallApiError extends Error {
  override name = 'HoldallApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    /** The problem's whole body (its extension members: a `vault_moved` tombstone, spec 12.6). */
    readonly body: Record<string, unknown> = {},
    /** The answer's headers (`Holdall-Moved-To`). */
    readonly headers?: Headers,
  ) {
    super(`${status} ${code}: ${detail}`)
  }
}

/** An OAuth error from the token or backchannel endpoint (RFC 6749 section 5.2). */
export class HoldallOAuthError extends Error {
  override name = 'HoldallOAuthError'
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(`${status} ${error}: ${description}`)
  }
}

/**
/**
 * Stable codes of the SDK's own refusals: checks a client makes itself, before anything is sent
 * or on what the host hands it (spec 2.6, 7.2). A caller branches on `code`; `detail` names what
 * to fix and never carries record content beyond the field at fault.
 */
export const CLIENT_ERROR_CODES = [
  /** A clinical code in a record payload is not valid (issue 22). */
  'invalid_clinical_code',
  /** A listed organisation's agreement key (or signing key) in a request is not the pinned one. */
  'SERVICE_KEY_MISMATCH',
  /** An unlisted service's agreement key is not the one in its own metadata document. */
  'SERVICE_KEY_UNBOUND',
  /** A manifest's signed record type is not the type the host labels the record with. */
  'RECORD_TYPE_MISMATCH',
  /** A manifest does not verify under any key the client trusts, or names another record. */
  'RECORD_UNVERIFIED',
  /** The record's signed type is one its author's category may not issue. */
  'ISSUER_NOT_ALLOWED',
  /** A deposit's author is not on the trust list. */
  'ISSUER_NOT_LISTED',
  /** The record's signed type is not covered by the grant that delivered it. */
  'RECORD_TYPE_NOT_GRANTED',
  /** The requester may never receive this record type (its checked category is not allowed). */
  'RECORD_NOT_FOR_REQUESTER',
  /**
   * A request asks for a record type or a duration outside the template of the requester's
   * checked category (spec 5.8.1, [TPL-03]): nothing is signed or wrapped.
   */
  'OUTSIDE_TEMPLATE',
  /** The trust list does not verify, has expired or is malformed. */
  'TRUST_LIST_INVALID',
  /** The vault's device chain does not verify (spec 3.8.1); `cause` carries the crypto class. */
  'DEVICE_CHAIN_INVALID',
  /** The device chain is shorter than, or forks from, the head this client saw before. */
  'DEVICE_CHAIN_ROLLBACK',
  /** The chain's root is not the one pinned for this holder: refused, never re-pinned. */
  'HOLDER_ROOT_CHANGED',
  /** The chain's root is not the one the holder's pairing QR code or safety code named. */
  'HOLDER_ROOT_MISMATCH',
  /** First contact with a holder, and no root fingerprint or safety code from the pairing. */
  'HOLDER_ROOT_UNKNOWN',
  /** This device is not a member of the vault's verified device chain. */
  'DEVICE_NOT_MEMBER',
  /** The vault's inbox key is not signed by a member of its verified device chain. */
  'INBOX_KEY_UNVERIFIED',
  /** The grant receipt is not signed by a member of the vault's verified device chain. */
  'RECEIPT_UNVERIFIED',
  /** The grant receipt is for another service, vault or grant. */
  'RECEIPT_MISMATCH',
  // devices and recovery (spec chapter 9)
  /** The recovery's waiting period has not ended (by the host's clock), or it was cancelled. */
  'RECOVERY_NOT_READY',
  /** No two of the shares rebuild the vault's current key (damaged, another vault's, or an old kit). */
  'RECOVERY_FAILED',
  /**
   * A wrap's `key_served` entry is missing from the vault's signed log, its inclusion proof fails,
   * or the checkpoint is not signed by the host's log key or contradicts this service's last one
   * (spec 8.7): the key is not unwrapped. `cause` carries the `HoldallLogError` and its evidence.
   */
  'KEY_SERVED_UNPROVEN',
  // moving a vault (spec chapter 12)
  /** A `vault_moved` answer without a tombstone the holder signed for this move, or a mismatched redirect. */
  'MOVE_REDIRECT_FORGED',
  /** The host a vault moves to reports another log or chain than this device verified. */
  'MOVE_TARGET_MISMATCH',
  /** The holder's own device opened a vault that moved; `movedTo` on the error names where. */
  'VAULT_MOVED',
  /** More moves in a row than a client follows in one request (spec 12.6). */
  'MOVE_TOO_MANY_HOPS',
  // federation (spec chapter 11)
  /** A trust list older (by its signed `iat`) than the newest this client accepted: a rollback. */
  'TRUST_LIST_ROLLBACK',
  /** A key rotation statement that the pinned operator key did not sign, or that is malformed. */
  'TRUST_KEY_ROTATION_INVALID',
  /** A pairing code or handle names a host number that the pinned trust list's registry lacks. */
  'HOST_UNKNOWN',
  /** A handle record that does not verify, or is not signed by a member of the vault's chain. */
  'HANDLE_INVALID',
  /** A handle record older (by its signed `seq`) than one this client saw: a rollback. */
  'HANDLE_ROLLBACK',
  /** A handle now names another vault root than the one this client pinned for it. */
  'HANDLE_ROOT_CHANGED',
  /**
   * An erasure receipt that does not prove the tombstone as the last leaf of a checkpoint signed
   * by the host's log key and consistent with this device's last one (spec 13.5, ERA-CLI-01).
   */
  'ERASURE_UNPROVEN',
  /** A file record over `MAX_FILE_RECORD_BYTES` (spec 4.2.1, REC-TYPE-05): nothing is sealed or sent. */
  'FILE_TOO_LARGE',
] as const
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

/** An SDK refusal decided on this device, before any key or plaintext leaves it. */
export class HoldallError extends Error {
  override name = 'HoldallError'
  constructor(
    readonly code: ClientErrorCode,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${detail}`, options)
  }
}
