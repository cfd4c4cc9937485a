import { z } from 'zod'

/**
 * Stable error codes. Clients branch on `code`, never on `title` or `detail`. Each code has one
 * HTTP status; the spec's errors chapter gives the meaning of each.
 */
export const ERROR_CODES = {
  invalid_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  /** Request headers over the host's limit (RFC 6585 section 5). */
  headers_too_large: 431,
  unsupported_version: 400,
  envelope_invalid: 422,
  wrap_invalid: 422,
  manifest_invalid: 422,
  signature_invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  /** A deposit of a record type the depositor's category may not issue (spec 5.11, API-DEP-02). */
  issuer_not_allowed: 403,
  /** A grant outside the request template of the grantee's category (spec 5.8.1, TPL-02). */
  outside_template: 403,
  /** A record that a newer signed record replaced, offered as current (spec 4.4, SUP-VER-03). */
  superseded: 409,
  not_found: 404,
  /** A known endpoint asked with a method it does not take; carries `Allow` (RFC 9110 15.5.6). */
  method_not_allowed: 405,
  /** The vault was erased by its holder (spec 13, ERA-HOST-03): every grant and token of it ends here. */
  vault_erased: 410,
  conflict: 409,
  /** A checkpoint presented to the host is not one of its own log's (spec 8.8, LOG-GOSSIP-01). */
  log_inconsistent: 409,
  /** The vault moved to another host; the answer carries the holder-signed tombstone (spec 12.6, MIG-REDIR-01). */
  vault_moved: 410,
  /** The vault is frozen for a move, or still being imported (spec 12.3, MIG-STATE-01). */
  vault_moving: 409,
  /** A move package with a broken log or device chain, or a part of another vault (spec 12.4, MIG-PKG-01). */
  move_invalid: 422,
  /** A move id or vault this host already holds (spec 12.4, MIG-PKG-02). */
  move_replayed: 409,
  /** A commit before every envelope arrived, or for another log than the one held (spec 12.3, MIG-STATE-02). */
  move_incomplete: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<string, number>

export type ErrorCode = keyof typeof ERROR_CODES
export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** RFC 9457 problem details, with Holdall's stable `code` extension member. */
export const problemSchema = z
  .object({
    type: z.string().max(2048),
    title: z.string().max(200),
    status: z.number().int().min(400).max(599),
    code: errorCodeSchema,
    detail: z.string().max(2000).optional(),
    instance: z.string().max(2048).optional(),
  })
  .loose()
export type Problem = z.infer<typeof problemSchema>

/** The problem `type` URI for a code: a stable, dereferenceable anchor in the spec. */
export function problemType(code: ErrorCode): string {
  return `https://holdall.org/spec/errors#${code}`
}
