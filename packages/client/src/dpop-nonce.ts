/*
 * DPoP server nonces (RFC 9449 sections 8 and 9). A host may put a nonce of its own in a
 * `DPoP-Nonce` header; a proof that carries it is fresh by the host's clock, whatever the
 * device's clock says (spec 5.3, [API-DPOP-04]). The host asks for one by refusing a proof with
 * `use_dpop_nonce`: a 400 OAuth error at the token endpoint, a 401 with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` elsewhere. The client then sends the request
 * once more, with a new proof carrying the nonce; never more than once, so a host that keeps
 * asking cannot make a client loop.
 */

/** RFC 9449 section 8.1: `nonce = 1*NQCHAR`, visible ASCII without `"` and `\`. */
const NONCE_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/

/** The newest nonce one host has given this client. */
export class DpopNonceCache {
  #nonce: string | undefined

  get current(): string | undefined {
    return this.#nonce
  }

  /** Remembers the nonce any response carries, a success or a refusal alike. */
  observe(response: Response): void {
    const nonce = response.headers.get('dpop-nonce')
    if (nonce !== null && NONCE_SYNTAX.test(nonce)) this.#nonce = nonce
  }
}

/** Whether a response refuses the request's proof for want of a (fresh) host nonce. */
export async function asksForDpopNonce(response: Response): Promise<boolean> {
  if (response.status === 401) {
    return /\berror="use_dpop_nonce"/.test(response.headers.get('www-authenticate') ?? '')
  }
  if (response.status !== 400) return false
  try {
    const body = (await response.clone().json()) as { error?: unknown } | null
    return body?.error === 'use_dpop_nonce'
  } catch {
    return false
  }
}

/**
 * Sends with the newest nonce (if any); when the host asks for a nonce and has given one, sends
 * exactly once more. `send` must make a new proof each time: the first proof's `jti` is spent.
 */
export async function sendWithDpopNonce(
  nonces: DpopNonceCache,
  send: (nonce: string | undefined) => Promise<Response>,
): Promise<Response> {
  const tried = nonces.current
  const first = await send(tried)
  nonces.observe(first)
  const retry = nonces.current
  if (retry === undefined || retry === tried || !(await asksForDpopNonce(first))) return first
  await first.body?.cancel()
  const second = await send(retry)
  nonces.observe(second)
  return second
}
