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
