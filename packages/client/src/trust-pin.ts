import { base64urlDecode, base64urlEncode, constantTimeEqual, signCompactJws, verifyCompactJws } from '@holdall/crypto'
import {
  TRUST_KEY_ROTATION_TYP,
  TRUST_LIST_WELL_KNOWN_PATH,
  type TrustKeyRotation,
  type TrustListDocument,
  trustKeyRotationSchema,
  trustListDocumentSchema,
} from '@holdall/protocol'
import { HoldallError } from './errors.js'
import { type TrustedOrganisations, verifyTrustList } from './trust-list.js'

/*
 * The trust list as one signed document everywhere (spec 11.1). The wallet and the SDKs pin the
 * operator's key (built in, never fetched from a host) and the newest list they accepted; a host
 * only mirrors what the operator signed. A list is accepted if it verifies under the pinned key,
 * or under a new key that a rotation statement signed by the pinned key vouches for
 * ([FED-TRUST-04]); the retiring key stays valid for lists issued up to the statement's
 * `old_key_until` (the overlap window, judged by the lists' own signed `iat`, never a phone
 * clock); and a list older than the pinned one is a rollback ([FED-TRUST-05]).
 */

/** What a client keeps about the operator between runs (in its key store or database). */
export interface TrustPin {
  /** The operator's current key (raw Ed25519). */
  readonly operatorKey: Uint8Array
  /** A key being retired: valid for lists with `iat` up to `until` (seconds). */
  readonly retired?: { readonly key: Uint8Array; readonly until: number } | undefined
  /** The `iat` of the newest list accepted: an older one is refused. 0 before the first. */
  readonly newestIat: number
}

export function trustPin(operatorKey: Uint8Array): TrustPin {
  return { operatorKey, newestIat: 0 }
}

/** For trust list operators: the old key vouches for the new one, with an overlap window. */
export function signTrustKeyRotation(
  options: { oldKey: { publicKey: Uint8Array; secretKey: Uint8Array }; newKey: Uint8Array; oldKeyUntil: number },
  iat = Math.floor(Date.now() / 1000),
): string {
  const payload: TrustKeyRotation = {
    old_key: base64urlEncode(options.oldKey.publicKey),
    new_key: base64urlEncode(options.newKey),
    iat,
    old_key_until: options.oldKeyUntil,
  }
  return signCompactJws({ typ: TRUST_KEY_ROTATION_TYP, alg: 'EdDSA' }, payload, options.oldKey.secretKey)
}

/** A rotation statement signed by `oldKey`, or a TRUST_KEY_ROTATION_INVALID refusal. */
export function verifyTrustKeyRotation(jws: string, oldKey: Uint8Array): TrustKeyRotation {
  try {
    const statement = trustKeyRotationSchema.parse(verifyCompactJws(jws, oldKey, TRUST_KEY_ROTATION_TYP).payload)
    if (!constantTimeEqual(base64urlDecode(statement.old_key), oldKey)) throw new Error('names another old key')
    return statement
  } catch (cause) {
    throw new HoldallError('TRUST_KEY_ROTATION_INVALID', 'the key rotation statement is not signed by the pinned key', {
      cause,
    })
  }
}

/**
 * Checks a trust list document (as hosts serve it at the well-known path) against the pin, and
 * returns the verified list with the pin to keep from now on. Throws TRUST_LIST_INVALID (not
 * signed by the pinned operator, or by a key it vouched for; tampered; expired),
 * TRUST_LIST_ROLLBACK (older than the pinned one) or TRUST_KEY_ROTATION_INVALID.
 */
export function acceptTrustListDocument(
  document: TrustListDocument,
  pin: TrustPin,
  now = Date.now(),
): { trusted: TrustedOrganisations; pin: TrustPin } {
  const candidates: Array<{ key: Uint8Array; next: (iat: number) => TrustPin; maxIat?: number }> = [
    { key: pin.operatorKey, next: (iat) => ({ ...pin, newestIat: iat }) },
  ]
  if (pin.retired !== undefined)
    candidates.push({ key: pin.retired.key, maxIat: pin.retired.until, next: (iat) => ({ ...pin, newestIat: iat }) })
  // Rotation statements signed by the current key: only those count, in order, one step each.
  let signer = pin.operatorKey
  for (const jws of document.key_rotations) {
    let statement: TrustKeyRotation
    try {
      statement = verifyTrustKeyRotation(jws, signer)
    } catch {
      continue // a statement by another key (an older rotation, or an impostor's) vouches for nothing
    }
    const oldKey = signer
    const newKey = base64urlDecode(statement.new_key)
    candidates.push({
      key: newKey,
      next: (iat) => ({
        operatorKey: newKey,
        retired: { key: oldKey, until: statement.old_key_until },
        newestIat: iat,
      }),
    })
    signer = newKey
  }
  let lastError: unknown
  for (const candidate of candidates) {
    let trusted: TrustedOrganisations
    try {
      trusted = verifyTrustList(document.trust_list, candidate.key, now)
    } catch (error) {
      lastError = error
      continue
    }
    const iat = trusted.list.iat
    if (candidate.maxIat !== undefined && iat > candidate.maxIat)
      throw new HoldallError(
        'TRUST_LIST_INVALID',
        'the trust list is signed by a retired operator key, after its overlap window',
      )
    if (iat < pin.newestIat)
      throw new HoldallError(
        'TRUST_LIST_ROLLBACK',
        `the trust list (issued ${iat}) is older than one already accepted (${pin.newestIat})`,
      )
    return { trusted, pin: candidate.next(Math.max(iat, pin.newestIat)) }
  }
  throw lastError instanceof HoldallError
    ? lastError
    : new HoldallError('TRUST_LIST_INVALID', 'the trust list is not signed by the pinned operator key')
}

/** Fetches a host's mirror of the trust list and checks it against the pin. */
export async function fetchTrustList(
  hostUrl: string,
  pin: TrustPin,
  fetchImpl: typeof fetch = fetch,
): Promise<{ trusted: TrustedOrganisations; pin: TrustPin }> {
  const response = await fetchImpl(`${hostUrl.replace(/\/+$/, '')}${TRUST_LIST_WELL_KNOWN_PATH}`)
  if (!response.ok) throw new HoldallError('TRUST_LIST_INVALID', `the host serves no trust list (${response.status})`)
  const parsed = trustListDocumentSchema.safeParse(await response.json().catch(() => undefined))
  if (!parsed.success) throw new HoldallError('TRUST_LIST_INVALID', 'the trust list document is malformed')
  return acceptTrustListDocument(parsed.data, pin)
}
