import { base64urlDecode, constantTimeEqual, keyThumbprint, verifyCompactJws } from '@holdall/crypto'
import {
  type AccessLogEntry,
  type Grant,
  grantReceiptClaimsSchema,
  mayIssue,
  type PendingRequest,
  type RecordVersionView,
} from '@holdall/protocol'
import { manifestAuthorKeyId, verifySignedType } from './records.js'
import type { TrustedOrganisations } from './trust-list.js'

/*
 * "Not checked" follows the name everywhere ([TRUST-NAME-01]). Whether an organisation was
 * checked is computed here, by the holder's own client, from the trust list it pinned and from
 * what it signed itself; never from a host flag. A name that was not checked is shown marked.
 */

/** A name to show, and whether the holder's own client checked it against the trust list. */
export interface CheckedName {
  readonly name: string
  readonly checked: boolean
}

/** A pending request's requester: checked when listed under the same client_id and signing key. */
export function checkRequester(request: PendingRequest, trusted: TrustedOrganisations): CheckedName {
  const listed = trusted.byClientId(request.client_id)
  if (listed !== undefined && listed.signing_key_id === request.signing_key_id)
    return { name: listed.name, checked: true }
  return { name: request.client_name, checked: false }
}

/**
 * A grant's grantee, from the receipt this device signed (verified under its own key): checked
 * only when the client_id, signing key and agreement key the holder signed for are the listed
 * ones. A receipt this device cannot verify leaves the grant unchecked.
 */
export function checkGrant(
  grant: Grant,
  trusted: TrustedOrganisations,
  device: { readonly deviceId: string; readonly signingPublicKey: Uint8Array },
): Grant & CheckedName {
  const receipt = checkReceipt(grant.receipt, trusted, device)
  return receipt?.checked === true && receipt.clientId === grant.client_id
    ? { ...grant, name: receipt.name, checked: true }
    : { ...grant, name: grant.client_name, checked: false }
}

/** What a grant receipt this device signed says, with the grantee's name as the trust list gives it. */
export interface CheckedReceipt extends CheckedName {
  readonly clientId: string
  /** The record types the holder let the grantee see (from the signed receipt). */
  readonly recordTypes: readonly string[]
  /** Whether the grantee may read (else it may only send the holder records). */
  readonly reads: boolean
}

/**
 * A grant receipt (a `grant_approved` log entry's, or a grant's), verified under this device's own
 * key: undefined when it does not verify (another device signed it, or nobody did). Its name is
 * the listed one, checked, only when the client_id, signing key and agreement key (the service
 * key the record keys were wrapped to) the holder signed for are the ones on the trust list;
 * otherwise the client_id, unchecked. Never a name the host sends.
 */
export function checkReceipt(
  receipt: string,
  trusted: TrustedOrganisations,
  device: { readonly deviceId: string; readonly signingPublicKey: Uint8Array },
): CheckedReceipt | undefined {
  let claims: ReturnType<typeof grantReceiptClaimsSchema.parse>
  try {
    const { header, payload } = verifyCompactJws(receipt, device.signingPublicKey, 'grant+jwt')
    if (header.kid !== device.deviceId) return undefined
    claims = grantReceiptClaimsSchema.parse(payload)
  } catch {
    return undefined
  }
  const recordTypes = [...new Set(claims.authorization_details.flatMap((d) => d.record_types))]
  const reads = claims.authorization_details.some((d) => d.actions.includes('read'))
  const listed = trusted.byClientId(claims.client_id)
  const sameOrganisation =
    listed !== undefined &&
    listed.signing_key_id === claims.client_signing_key_id &&
    constantTimeEqual(
      base64urlDecode(claims.client_agreement_key_id),
      keyThumbprint(listed.agreementPublicKey, 'X25519'),
    )
  return sameOrganisation
    ? { clientId: claims.client_id, name: listed.name, checked: true, recordTypes, reads }
    : { clientId: claims.client_id, name: claims.client_id, checked: false, recordTypes, reads }
}

/**
 * Who a log entry names: a listed client_id shows the listed name, checked; anything else shows
 * the best name known (a grant's name as the host gave it), unchecked.
 */
export function checkLogActor(
  entry: AccessLogEntry,
  trusted: TrustedOrganisations,
  grants: readonly Grant[],
): CheckedName | undefined {
  const d = entry.details
  const clientId = typeof d.client_id === 'string' ? d.client_id : entry.actor
  const listed = trusted.byClientId(clientId)
  if (listed !== undefined) return { name: listed.name, checked: true }
  const hinted =
    (typeof d.client_name === 'string' ? d.client_name : undefined) ??
    grants.find((g) => g.client_id === clientId)?.client_name
  return hinted === undefined ? undefined : { name: hinted, checked: false }
}

/**
 * A deposit's sender: checked when its manifest verifies under a listed organisation's key, is
 * of the type the host labels, and that organisation's category may issue the type ([ISS-02]).
 */
export function checkDeposit(
  view: RecordVersionView,
  trusted: TrustedOrganisations,
  vaultId: string,
): { readonly name: string | undefined; readonly checked: boolean } {
  const issuer = trusted.byKeyId(manifestAuthorKeyId(view))
  if (issuer === undefined) return { name: undefined, checked: false }
  try {
    const { recordType } = verifySignedType(view, issuer.publicKey, vaultId)
    return { name: issuer.name, checked: mayIssue(recordType, issuer.category) }
  } catch {
    return { name: issuer.name, checked: false }
  }
}
