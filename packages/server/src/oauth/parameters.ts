import {
  type AuthorizationDetail,
  authorizationDetailSchema,
  mayReceive,
  ORGANISATION_CATEGORIES,
  outsideTemplate,
  RECORD_TYPES,
  type RecordType,
  type RecordTypeInfo,
} from '@holdall/protocol'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AuthenticatedClient } from '../auth/client-auth.js'
import { OAuthError } from '../errors.js'

const REQUEST_LIFETIME_MS = 10 * 60_000
/** Verified issuers: categories that may issue at least one record type (spec 5.6). */
const DEPOSIT_CATEGORIES = new Set<string>(
  ORGANISATION_CATEGORIES.filter((c) =>
    Object.values(RECORD_TYPES).some((info: RecordTypeInfo) => info.issuedBy.includes(c)),
  ),
)

/** OAuth parameters: form-encoded, each at most once (RFC 6749 section 3.1). */
export function formParams(request: FastifyRequest): Record<string, string> {
  if (!(request.body instanceof URLSearchParams)) {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded')
  }
  const out: Record<string, string> = {}
  for (const [name, value] of request.body) {
    if (name in out) throw new OAuthError('invalid_request', `parameter ${name} is repeated`)
    if (value.length > 8192) throw new OAuthError('invalid_request', `parameter ${name} is too long`)
    out[name] = value
  }
  return out
}

export function parseDetails(raw: string | undefined): AuthorizationDetail[] {
  let json: unknown
  try {
    json = JSON.parse(raw ?? '')
  } catch {
    throw new OAuthError('invalid_authorization_details', 'authorization_details must be a JSON array')
  }
  const parsed = z.array(authorizationDetailSchema).min(1).max(5).safeParse(json)
  if (!parsed.success) throw new OAuthError('invalid_authorization_details', 'authorization_details is not valid')
  return parsed.data
}

export function parseBindingMessage(raw: string | undefined): string {
  const bindingMessage = raw ?? ''
  if (!/^[\p{L}\p{N} -]{4,40}$/u.test(bindingMessage)) {
    throw new OAuthError('invalid_binding_message', 'binding_message must be 4-40 letters, digits, spaces or hyphens')
  }
  return bindingMessage
}

/** Sensitivity tiers are the host's to enforce, whatever a holder's device would approve. */
export function checkTiers(client: AuthenticatedClient, details: AuthorizationDetail[]): void {
  for (const detail of details) {
    for (const type of detail.record_types) {
      if (!mayReceive(type as RecordType, client.category)) {
        throw new OAuthError(
          'invalid_authorization_details',
          `${type} records are never shared with this kind of organisation`,
        )
      }
    }
    if (detail.actions.includes('deposit') && !DEPOSIT_CATEGORIES.has(client.category)) {
      throw new OAuthError('invalid_authorization_details', 'only verified issuers may deposit records')
    }
  }
  // [TPL-01]: the category's request template, by the category the trust list gives the client.
  const outside = outsideTemplate(client.category, details)
  if (outside !== undefined) throw new OAuthError('outside_template', outside)
}

/**
 * CIBA `requested_expiry` (OpenID CIBA section 7.1): a service may ask for a shorter life than the
 * host's 10 minutes (a desk that closes soon), never a longer one.
 */
export function requestLifetimeMs(requested: string | undefined): number {
  if (requested === undefined) return REQUEST_LIFETIME_MS
  // Any longer ask is capped at the host's limit (CIBA 7.1 lets the host choose `expires_in`), not
  // refused; 15 digits keeps the number exact as a double.
  if (!/^[1-9]\d{0,14}$/.test(requested))
    throw new OAuthError('invalid_request', 'requested_expiry must be a positive whole number of seconds')
  return Math.min(REQUEST_LIFETIME_MS, Number(requested) * 1000)
}
