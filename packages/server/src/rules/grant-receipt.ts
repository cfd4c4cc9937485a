import {
  type AuthorizationDetail,
  type GrantReceiptClaims,
  grantReceiptClaimsSchema,
  mayReceive,
  outsideTemplate,
  type RecordType,
} from '@holdall/protocol'
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose'
import type { Selectable } from 'kysely'
import type { AuthRequestTable } from '../db/schema.js'
import { HttpProblem } from '../errors.js'

/** The receipt's claims, if it is a grant receipt signed by this device key. */
export async function verifyReceipt(receipt: string, deviceSigningJwk: string): Promise<GrantReceiptClaims> {
  try {
    const key = await importJWK(JSON.parse(deviceSigningJwk), 'EdDSA')
    const { payload, protectedHeader } = await compactVerify(receipt, key, { algorithms: ['EdDSA', 'Ed25519'] })
    if (protectedHeader.typ !== 'grant+jwt') throw new Error('typ')
    return grantReceiptClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
  } catch {
    throw new HttpProblem('signature_invalid', 'the grant receipt is not a valid receipt from this device')
  }
}

/**
 * The receipt is about this request, by this device, for this host and these client keys, no
 * wider than what was asked and no longer than its longest detail. Returns the approved types.
 */
export async function checkReceiptAgainstRequest(
  claims: GrantReceiptClaims,
  context: { deviceId: string; vaultId: string; audience: string; now: number },
  request: Selectable<AuthRequestTable>,
): Promise<Set<string>> {
  const keys = JSON.parse(request.client_keys) as { signing: JWK; agreement: JWK }
  const requested = JSON.parse(request.authorization_details) as AuthorizationDetail[]
  const longest = Math.max(...claims.authorization_details.map((d) => d.duration_days))
  const expected =
    claims.iss === context.deviceId &&
    claims.sub === context.vaultId &&
    claims.aud === context.audience &&
    claims.request_id === request.id &&
    claims.client_id === request.client_id &&
    claims.binding_message === request.binding_message &&
    claims.client_signing_key_id === (await calculateJwkThumbprint(keys.signing, 'sha256')) &&
    claims.client_agreement_key_id === (await calculateJwkThumbprint(keys.agreement, 'sha256')) &&
    claims.authorization_details.every((d) => narrows(d, requested)) &&
    claims.exp * 1000 > context.now &&
    // Issue 19: a cooling-off start (nbf) is at most 7 days ahead, and the grant lasts from it.
    (claims.nbf === undefined ||
      (claims.nbf * 1000 >= context.now - 60_000 &&
        claims.nbf * 1000 <= context.now + 7 * 86_400_000 &&
        claims.nbf < claims.exp)) &&
    claims.exp * 1000 <= Math.max(context.now, (claims.nbf ?? 0) * 1000) + longest * 86_400_000 + 60_000
  if (!expected) throw new HttpProblem('forbidden', 'the receipt does not match the request, or widens it')
  const category = request.client_category as Parameters<typeof mayReceive>[1]
  const approvedTypes = new Set(claims.authorization_details.flatMap((d) => d.record_types))
  for (const type of approvedTypes) {
    if (!mayReceive(type as RecordType, category))
      throw new HttpProblem('forbidden', `${type} records are never shared with this organisation`)
  }
  // [TPL-02]: checked again at approval, in case the category changed since the request.
  const outside = outsideTemplate(category, claims.authorization_details)
  if (outside !== undefined) throw new HttpProblem('outside_template', outside)
  return approvedTypes
}

/** An approved detail may drop actions and types and shorten time; it may not add anything. */
export function narrows(approved: AuthorizationDetail, requested: AuthorizationDetail[]): boolean {
  return requested.some(
    (r) =>
      r.type === approved.type &&
      r.purpose === approved.purpose &&
      approved.actions.every((a) => r.actions.includes(a)) &&
      approved.record_types.every((t) => r.record_types.includes(t)) &&
      approved.duration_days <= r.duration_days,
  )
}
