import { hasZodFastifySchemaValidationErrors } from '@fastify/type-provider-zod'
import { ERROR_CODES, type ErrorCode, PROBLEM_CONTENT_TYPE, problemType } from '@holdall/protocol'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ZodError } from 'zod'
import { isOAuthPath, oauthErrorFor } from './oauth/oauth-refusal.js'

/** An RFC 9457 problem with a stable code. `detail` must never carry secrets or record content. */
export class HttpProblem extends Error {
  override name = 'HttpProblem'
  readonly code: ErrorCode
  readonly status: number
  readonly headers: Record<string, string>
  /** RFC 9457 extension members (a `vault_moved` answer's tombstone, spec 12.6): never secrets. */
  readonly members: Record<string, unknown>

  constructor(
    code: ErrorCode,
    detail: string,
    options: { headers?: Record<string, string>; cause?: unknown; members?: Record<string, unknown> } = {},
  ) {
    super(detail, { cause: options.cause })
    this.code = code
    this.status = ERROR_CODES[code]
    this.headers = options.headers ?? {}
    this.members = options.members ?? {}
  }
}

/**
 * An OAuth 2.0 error (RFC 6749 section 5.2), used only by the token and backchannel
 * authentication endpoints so that stock OAuth clients understand it.
 */
export class OAuthError extends Error {
  override name = 'OAuthError'
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
    /** More members of the error object, such as CIBA's longer `interval` with `slow_down`. */
    readonly members: Record<string, string | number> = {},
  ) {
    super(description)
  }
}

/** One title per code, whichever part of the host refuses (RFC 9457 3.1.3). */
export const TITLES: Record<ErrorCode, string> = {
  invalid_request: 'The request is not valid',
  unsupported_media_type: 'Unsupported content type',
  payload_too_large: 'The request is too large',
  headers_too_large: 'The request headers are too large',
  unsupported_version: 'Unsupported protocol version',
  envelope_invalid: 'The envelope is not valid',
  wrap_invalid: 'A key wrap is not valid',
  manifest_invalid: 'The manifest is not valid',
  signature_invalid: 'A signature does not verify',
  unauthorized: 'Authentication is required',
  forbidden: 'Not allowed',
  issuer_not_allowed: 'This kind of organisation may not issue that record type',
  outside_template: 'This kind of organisation may not ask for that',
  superseded: 'A newer version replaced this record',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  vault_erased: 'The holder erased this vault',
  conflict: 'Conflict with the current state',
  log_inconsistent: 'The checkpoint you hold is not consistent with this log',
  vault_moved: 'This vault has moved to another host',
  vault_moving: 'This vault is being moved; try again later',
  move_invalid: 'The move package is not valid',
  move_replayed: 'This move or vault is already here',
  move_incomplete: 'The move is not complete here',
  rate_limited: 'Too many requests',
  unavailable: 'Temporarily unavailable',
  internal: 'Internal error',
}

export function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail?: string,
  headers: Record<string, string> = {},
  members: Record<string, unknown> = {},
) {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value)
  // The OAuth endpoints answer every refusal as RFC 6749 JSON, even one made before their own code.
  if (isOAuthPath(reply.request.url)) {
    const { error, status } = oauthErrorFor(code)
    return reply
      .code(status)
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .send({ error, error_description: detail ?? TITLES[code] })
  }
  const status = ERROR_CODES[code]
  return reply
    .code(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store')
    .send({
      ...members,
      type: problemType(code),
      title: TITLES[code],
      status,
      code,
      ...(detail === undefined ? {} : { detail }),
    })
}

/** Maps every error to problem+json (or an OAuth error): bad input is a 4xx, and a 5xx says nothing. */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof OAuthError) {
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value)
    return reply
      .code(error.status)
      .header('cache-control', 'no-store')
      .send({ ...error.members, error: error.error, error_description: error.description })
  }
  if (error instanceof HttpProblem) return sendProblem(reply, error.code, error.message, error.headers, error.members)
  if (error instanceof ZodError) {
    const where = error.issues
      .map((issue) => issue.path.join('.') || '(root)')
      .slice(0, 5)
      .join(', ')
    return sendProblem(reply, 'invalid_request', `invalid: ${where}`)
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validation
      .map((issue) => `${error.validationContext ?? 'request'}${issue.instancePath || ''}`)
      .slice(0, 5)
      .join(', ')
    return sendProblem(reply, 'invalid_request', `invalid: ${where}`)
  }
  if (isStorageFault(error)) {
    // Every write is one transaction or an atomic rename, so a refused write left nothing behind.
    request.log.warn({ err: { name: error.name, code: (error as NodeJS.ErrnoException).code } }, 'storage fault')
    return sendProblem(reply, 'unavailable', 'storage is full or busy; nothing was saved; try again later', {
      'retry-after': '30',
    })
  }
  const status = (error as FastifyError).statusCode
  if (status === 413) return sendProblem(reply, 'payload_too_large', 'the body is larger than this endpoint accepts')
  if (status === 415) return sendProblem(reply, 'unsupported_media_type', 'unsupported content type')
  if (status !== undefined && status >= 400 && status < 500) {
    // Fastify's own 4xx (malformed JSON, bad content length): the message names no user data.
    return sendProblem(reply, status === 404 ? 'not_found' : 'invalid_request', (error as FastifyError).code)
  }
  request.log.error({ err: { name: error.name, code: (error as FastifyError).code } }, 'unhandled error')
  return sendProblem(reply, 'internal')
}

/** Disk full, a file too large for the system, or the database held by another writer. */
const STORAGE_FAULTS = /^(ENOSPC|EDQUOT|EFBIG|SQLITE_BUSY|SQLITE_LOCKED|SQLITE_FULL)(_|$)/

export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && STORAGE_FAULTS.test(code)) return true
  // SQLite rolls a transaction back by itself when a commit fails for want of space (or I/O);
  // Kysely's own ROLLBACK then fails with this, hiding the cause. The transaction is gone whole,
  // so it is the same fault: nothing was saved, try again later.
  return code === 'SQLITE_ERROR' && /no transaction is active/.test((error as Error).message)
}
