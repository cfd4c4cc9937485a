import type { ErrorCode } from '@holdall/protocol'
import { BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'

/** The OAuth endpoints, which answer RFC 6749 error objects only (spec 5.1, API-ERR-06). */
export function isOAuthPath(url: string): boolean {
  const path = url.split('?')[0]
  return path === TOKEN_PATH || path === BC_AUTHORIZE_PATH
}

/**
 * The RFC 6749 error (and status) for a refusal the host would otherwise answer as problem
 * details: refusals that come before the endpoint's own code (protocol version, body type and
 * size, rate limits) and host faults. A stock client understands these; it cannot read a problem.
 */
export function oauthErrorFor(code: ErrorCode): { error: string; status: number } {
  switch (code) {
    case 'rate_limited':
      // CIBA's "poll slower" (section 11); a poller backs off on it, as it does on 429's Retry-After.
      return { error: 'slow_down', status: 429 }
    case 'payload_too_large':
      return { error: 'invalid_request', status: 413 }
    case 'headers_too_large':
      return { error: 'invalid_request', status: 431 }
    case 'method_not_allowed':
      return { error: 'invalid_request', status: 405 }
    case 'unauthorized':
      return { error: 'invalid_client', status: 401 }
    case 'unavailable':
      return { error: 'temporarily_unavailable', status: 503 }
    case 'internal':
      return { error: 'server_error', status: 500 }
    default:
      return { error: 'invalid_request', status: 400 }
  }
}
