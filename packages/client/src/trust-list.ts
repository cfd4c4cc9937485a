import {
  assertAgreementPublicKey,
  base64urlDecode,
  base64urlEncode,
  keyThumbprint,
  signCompactJws,
  verifyCompactJws,
} from '@holdall/crypto'
import { TRUST_LIST_FORMAT, type TrustList, type TrustListEntry, trustListSchema } from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { ServiceIdentity } from './service.js'

export interface TrustedOrganisation extends TrustListEntry {
  readonly publicKey: Uint8Array
  /** The X25519 key the operator pinned: the only key a record key is wrapped to for it. */
  readonly agreementPublicKey: Uint8Array
}

export interface TrustedOrganisations {
  readonly list: TrustList
  byClientId(clientId: string): TrustedOrganisation | undefined
  /** The organisation whose signing key has this RFC 7638 thumbprint, with its key. */
  byKeyId(keyId: string): TrustedOrganisation | undefined
}

/**
 * Verifies a signed trust list against the operator's key (pinned in the app, never fetched from
 * the host), refuses an expired one, and checks that every listed key matches its key id and
 * every pinned agreement key is a usable X25519 key ([API-TRUST-01], [TRUST-KEY-01]).
 */
export function verifyTrustList(jws: string, operatorPublicKey: Uint8Array, now = Date.now()): TrustedOrganisations {
  let list: TrustList
  try {
    const { payload } = verifyCompactJws(jws, operatorPublicKey, 'trust-list+jwt')
    list = trustListSchema.parse(payload)
  } catch (cause) {
    throw new HoldallError('TRUST_LIST_INVALID', `the trust list does not verify (format ${TRUST_LIST_FORMAT})`, {
      cause,
    })
  }
  if (list.exp * 1000 <= now) throw new HoldallError('TRUST_LIST_INVALID', 'the trust list has expired')
  const byKey = new Map<string, TrustedOrganisation>()
  const byClient = new Map<string, TrustedOrganisation>()
  for (const entry of list.organisations) {
    const publicKey = base64urlDecode(entry.signing_key)
    if (base64urlEncode(keyThumbprint(publicKey, 'Ed25519')) !== entry.signing_key_id) {
      throw new HoldallError(
        'TRUST_LIST_INVALID',
        `the trust list entry for ${entry.client_id} has a key that does not match its id`,
      )
    }
    const agreementPublicKey = base64urlDecode(entry.agreement_key)
    try {
      assertAgreementPublicKey(agreementPublicKey)
    } catch (cause) {
      throw new HoldallError('TRUST_LIST_INVALID', `the trust list entry for ${entry.client_id} pins a bad key`, {
        cause,
      })
    }
    const organisation = { ...entry, publicKey, agreementPublicKey }
    byKey.set(entry.signing_key_id, organisation)
    byClient.set(entry.client_id, organisation)
  }
  return {
    list,
    byClientId: (clientId) => byClient.get(clientId),
    byKeyId: (keyId) => byKey.get(keyId),
  }
}

/** For trust list operators: signs a list (typ `trust-list+jwt`, EdDSA). */
export function signTrustList(list: TrustList, operatorSecretKey: Uint8Array): string {
  return signCompactJws({ typ: 'trust-list+jwt', alg: 'EdDSA' }, trustListSchema.parse(list), operatorSecretKey)
}

/**
 * The trust list entry for an organisation, as an operator lists it: its key id is computed here
 * from the key itself, never copied from anywhere else, and its agreement key is pinned beside it.
 */
export function trustListEntry(
  identity: Omit<ServiceIdentity, 'keys'> & {
    keys: { signing: { publicKey: Uint8Array }; agreement: { publicKey: Uint8Array } }
  },
): TrustListEntry {
  return {
    client_id: identity.clientId,
    name: identity.name,
    category: identity.category,
    registry_code: identity.registryCode,
    signing_key: base64urlEncode(identity.keys.signing.publicKey),
    signing_key_id: base64urlEncode(keyThumbprint(identity.keys.signing.publicKey, 'Ed25519')),
    agreement_key: base64urlEncode(identity.keys.agreement.publicKey),
  }
}
