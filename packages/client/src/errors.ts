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
 * An SDK refusal decided on this device, before anything is sent: `code` is stable, `detail`
 * names what to fix and never carries record content beyond the field at fault.
 */
export class HoldallError extends Error {
  override name = 'HoldallError'
  constructor(
    readonly code: 'invalid_clinical_code',
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`)
  }
}
