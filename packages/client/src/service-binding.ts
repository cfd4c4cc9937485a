import { base64urlDecode, constantTimeEqual, fromPublicJwk } from '@holdall/crypto'
import { clientMetadataSchema, type OrganisationCategory, type PendingRequest } from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { TrustedOrganisations } from './trust-list.js'

/**
 * What a holder's client trusts, none of it from the host: the trust list verified under the
 * operator key it pinned, and its own way to fetch an unlisted service's metadata document.
 */
export interface HolderTrust {
  readonly trusted: TrustedOrganisations
  /**
   * Fetches a metadata document at its client_id URL, on the holder's own connection (never
   * through the host). A client that cannot reach other origins passes one that rejects: it then
   * shares with listed organisations only.
   */
  readonly fetchMetadata: typeof fetch
}

/** A requester whose agreement key the holder's client tied to someone the host cannot be. */
export interface BoundService {
  /** The only key a record key may be wrapped to for this request. */
  readonly agreementPublicKey: Uint8Array
  /** On the pinned trust list with this signing key: shown as checked. Otherwise "Not checked". */
  readonly checked: boolean
  /** The listed name, or (unchecked) the name in the service's own document. */
  readonly name: string
  readonly category: OrganisationCategory | 'unverified'
}

const METADATA_LIMIT = 64 * 1024

/**
 * Binds a pending request's agreement key to the organisation (spec 2.3, [TRUST-KEY-02]): a
 * listed organisation's key must be the one the trust list pins; an unlisted service's must be the
 * one in the metadata document at its client_id, fetched by the holder's own client. Throws
 * `SERVICE_KEY_MISMATCH` or `SERVICE_KEY_UNBOUND` otherwise, before anything is wrapped.
 */
export async function bindServiceKey(request: PendingRequest, trust: HolderTrust): Promise<BoundService> {
  const offered = fromPublicJwk(request.agreement_key, 'X25519')
  const listed = trust.trusted.byClientId(request.client_id)
  if (listed !== undefined) {
    const sameSigner = listed.signing_key_id === request.signing_key_id
    if (!sameSigner || !constantTimeEqual(offered, listed.agreementPublicKey)) {
      throw new HoldallError(
        'SERVICE_KEY_MISMATCH',
        `the key offered for ${listed.name} is not the one on the trust list: do not share`,
      )
    }
    return {
      agreementPublicKey: listed.agreementPublicKey,
      checked: true,
      name: listed.name,
      category: listed.category,
    }
  }
  const document = await fetchOwnMetadata(request.client_id, trust.fetchMetadata)
  const [signing, agreement] = document.jwks.keys
  const published = base64urlDecode(agreement.x)
  if (document.client_id !== request.client_id || signing.kid !== request.signing_key_id) {
    throw new HoldallError('SERVICE_KEY_UNBOUND', 'the request does not match the service metadata document')
  }
  if (!constantTimeEqual(offered, published)) {
    throw new HoldallError('SERVICE_KEY_UNBOUND', 'the key offered is not the one the service publishes: do not share')
  }
  return { agreementPublicKey: published, checked: false, name: document.client_name, category: 'unverified' }
}

async function fetchOwnMetadata(clientId: string, fetchMetadata: typeof fetch) {
  try {
    const response = await fetchMetadata(clientId, { headers: { accept: 'application/json' }, redirect: 'error' })
    if (!response.ok) throw new Error(`metadata document answered ${response.status}`)
    const text = await response.text()
    if (text.length > METADATA_LIMIT) throw new Error('metadata document too large')
    return clientMetadataSchema.parse(JSON.parse(text))
  } catch (cause) {
    throw new HoldallError('SERVICE_KEY_UNBOUND', 'could not read the service metadata document to check its key', {
      cause,
    })
  }
}
