import { base64urlDecode, verifyCompactJws } from '@holdall/crypto'
import {
  TRUST_KEY_ROTATION_TYP,
  type TrustList,
  type TrustListEntry,
  trustKeyRotationSchema,
  trustListSchema,
} from '@holdall/protocol'
import { compactVerify, importJWK, type JWK } from 'jose'

export interface LoadedTrustList {
  /** The compact JWS exactly as signed: served to clients, who verify it themselves. */
  readonly jws: string
  readonly list: TrustList
  /** The operator's key rotation statements (compact JWS), served beside the list (spec 11.1). */
  readonly rotations: readonly string[]
  find(clientId: string): TrustListEntry | undefined
}

/**
 * Verifies a trust list (compact JWS, typ `trust-list+jwt`, EdDSA) against the operator's
 * public key. The host uses it to decide which organisations are verified and what category
 * they are; clients verify the same bytes against the same anchor. After a key rotation
 * ([FED-TRUST-04]) the host is given the operator's rotation statements: the list may then be
 * signed by a key the anchor vouched for, and a list by a retired key must have been issued
 * within its overlap window. The host mirrors what the operator signed and nothing else
 * ([FED-TRUST-02]).
 */
export async function loadTrustList(
  jws: string,
  anchor: JWK,
  now: number,
  rotations: readonly string[] = [],
): Promise<LoadedTrustList> {
  const keys = operatorKeys(anchor, rotations)
  let verified: { payload: Uint8Array; typ: unknown; maxIat: number | undefined } | undefined
  let lastError: unknown
  for (const key of keys) {
    try {
      const { payload, protectedHeader } = await compactVerify(jws, await importJWK(key.jwk, 'EdDSA'), {
        algorithms: ['EdDSA', 'Ed25519'],
      })
      verified = { payload, typ: protectedHeader.typ, maxIat: key.maxIat }
      break
    } catch (error) {
      lastError = error
    }
  }
  if (verified === undefined) throw lastError
  if (verified.typ !== 'trust-list+jwt') throw new Error('trust list has the wrong typ')
  const list = trustListSchema.parse(JSON.parse(new TextDecoder().decode(verified.payload)))
  if (list.exp * 1000 <= now) throw new Error('trust list has expired')
  if (verified.maxIat !== undefined && list.iat > verified.maxIat)
    throw new Error('trust list is signed by a retired operator key, after its overlap window')
  const byClient = new Map(list.organisations.map((entry) => [entry.client_id, entry]))
  return { jws, list, rotations: [...rotations], find: (clientId) => byClient.get(clientId) }
}

/**
 * The anchor and every key it vouched for, in order: each rotation statement must be signed by
 * the key before it. A retired key is valid for lists issued up to its statement's `old_key_until`.
 */
function operatorKeys(anchor: JWK, rotations: readonly string[]): Array<{ jwk: JWK; maxIat: number | undefined }> {
  if (typeof anchor.x !== 'string') throw new Error('the trust anchor is not an Ed25519 public JWK')
  const keys: Array<{ jwk: JWK; maxIat: number | undefined }> = [{ jwk: anchor, maxIat: undefined }]
  let signer = base64urlDecode(anchor.x)
  for (const statement of rotations) {
    const rotation = trustKeyRotationSchema.parse(verifyCompactJws(statement, signer, TRUST_KEY_ROTATION_TYP).payload)
    const previous = keys[keys.length - 1] as { jwk: JWK; maxIat: number | undefined }
    previous.maxIat = rotation.old_key_until
    keys.push({ jwk: { kty: 'OKP', crv: 'Ed25519', x: rotation.new_key }, maxIat: undefined })
    signer = base64urlDecode(rotation.new_key)
  }
  // Newest key first: a list both could verify (none can) is judged by the newest.
  return keys.reverse()
}
