/** A problem+json answer from a host, with its stable code (RFC 9457). */
export class HoldallApiError extends Error {
  override name = 'HoldallApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
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
 * Stable codes of the SDK's own refusals: checks a client makes itself, on what the host hands
 * it (spec 7.2). A caller branches on `code`; the message is for logs and developers.
 */
export const CLIENT_ERROR_CODES = [
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
] as const
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

/** A refusal by the SDK itself, before any key or plaintext leaves it. */
export class HoldallError extends Error {
  override name = 'HoldallError'
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
