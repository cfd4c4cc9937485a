import { clientMetadataDocument, type ServiceIdentity, signTrustList, trustListEntry } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  generateDeviceKeys,
  generateSigningKeyPair,
  toPublicJwk,
} from '@holdall/crypto'
import type { OrganisationCategory } from '@holdall/protocol'

/**
 * The organisations the suite plays, with their keys, and a trust list that lists some of them.
 * A host run in "full" mode is configured with this trust list (`holdall-conformance fixtures`);
 * against any other host the suite still runs, and reports what needs the list as skipped.
 */
export const ORGANISATIONS = {
  /** An issuer: deposits medication lists. Listed. */
  prisonHealthcare: { path: 'hmp-conformance-healthcare', category: 'prison_healthcare', code: 'CNF01', listed: true },
  /** A service: reads medicines. Listed. */
  gp: { path: 'conformance-surgery', category: 'gp_surgery', code: 'C00001', listed: true },
  /** A justice service: may read justice-only records. Listed. */
  probation: { path: 'conformance-probation', category: 'probation', code: 'C01', listed: true },
  /** An employer that is not on the list: always unverified. */
  employer: { path: 'conformance-employer', category: 'employer', code: '00000001', listed: false },
  /** Used only to guess pairing codes, so the lock-out it earns touches no other test. */
  guesser: { path: 'conformance-guesser', category: 'pharmacy', code: 'FCG01', listed: false },
  /** Publishes a document whose client_id names another URL. */
  impostor: { path: 'conformance-impostor', category: 'gp_surgery', code: 'C00002', listed: false },
  /** Publishes a document with the standard RFC 7591 members and one nobody defines. */
  stockClient: { path: 'conformance-stock-client', category: 'pharmacy', code: 'FCS01', listed: false },
  /** Publishes a document whose standard members contradict Holdall (client_secret_basic). */
  contradicting: { path: 'conformance-contradicting', category: 'pharmacy', code: 'FCC01', listed: false },
} as const satisfies Record<string, { path: string; category: OrganisationCategory; code: string; listed: boolean }>

export type OrganisationName = keyof typeof ORGANISATIONS

interface StoredKeys {
  signing: { secretKey: string; publicKey: string }
  agreement: { secretKey: string; publicKey: string }
}

/** The serialised form, written by `holdall-conformance fixtures` and read by every suite. */
export interface FixturesFile {
  format: 'holdall-conformance-fixtures/1'
  metadataBaseUrl: string
  operator: { secretKey: string; publicKey: string }
  organisations: Record<OrganisationName, StoredKeys>
  trustList: string
}

export interface Fixtures {
  metadataBaseUrl: string
  operatorPublicKey: Uint8Array
  organisations: Record<OrganisationName, ServiceIdentity>
  trustList: string
  file: FixturesFile
}

const encodePair = (pair: { secretKey: Uint8Array; publicKey: Uint8Array }) => ({
  secretKey: base64urlEncode(pair.secretKey),
  publicKey: base64urlEncode(pair.publicKey),
})
const decodePair = (pair: { secretKey: string; publicKey: string }) => ({
  secretKey: base64urlDecode(pair.secretKey),
  publicKey: base64urlDecode(pair.publicKey),
})

/** New keys for every organisation and the operator; a trust list valid for `days`. */
/** `hostUrls`: the hosts the trust list's registry names (spec 11.2), numbered 1, 2, ... in order. */
export function createFixtures(metadataBaseUrl: string, days = 30, hostUrls: readonly string[] = []): Fixtures {
  const base = metadataBaseUrl.replace(/\/+$/, '')
  const operator = generateSigningKeyPair()
  const organisations = {} as Record<OrganisationName, StoredKeys>
  for (const name of Object.keys(ORGANISATIONS) as OrganisationName[]) {
    const keys = generateDeviceKeys()
    organisations[name] = { signing: encodePair(keys.signing), agreement: encodePair(keys.agreement) }
  }
  const identities = identitiesFrom(base, organisations)
  const now = Math.floor(Date.now() / 1000)
  const trustList = signTrustList(
    {
      format: 2,
      iss: 'Holdall conformance suite',
      iat: now,
      exp: now + days * 86_400,
      organisations: (Object.keys(ORGANISATIONS) as OrganisationName[])
        .filter((name) => ORGANISATIONS[name].listed)
        .map((name) => {
          const identity = identities[name]
          return trustListEntry(identity)
        }),
      ...(hostUrls.length === 0
        ? {}
        : { hosts: hostUrls.map((url, i) => ({ number: i + 1, url, name: `Conformance host ${i + 1}` })) }),
    },
    operator.secretKey,
  )
  return loadFixtures({
    format: 'holdall-conformance-fixtures/1',
    metadataBaseUrl: base,
    operator: encodePair(operator),
    organisations,
    trustList,
  })
}

export function loadFixtures(file: FixturesFile): Fixtures {
  if (file.format !== 'holdall-conformance-fixtures/1') throw new Error('not a holdall-conformance fixtures file')
  return {
    metadataBaseUrl: file.metadataBaseUrl,
    operatorPublicKey: base64urlDecode(file.operator.publicKey),
    organisations: identitiesFrom(file.metadataBaseUrl, file.organisations),
    trustList: file.trustList,
    file,
  }
}

function identitiesFrom(base: string, stored: Record<OrganisationName, StoredKeys>) {
  const out = {} as Record<OrganisationName, ServiceIdentity>
  for (const name of Object.keys(ORGANISATIONS) as OrganisationName[]) {
    const org = ORGANISATIONS[name]
    const keys = stored[name]
    out[name] = {
      clientId: `${base}/${org.path}`,
      name: `Conformance ${name}`,
      category: org.category,
      registryCode: org.code,
      keys: { signing: decodePair(keys.signing), agreement: decodePair(keys.agreement) },
    }
  }
  return out
}

/** How some organisations' documents differ from the plain one, each for a test of chapter 5.4. */
const special: Partial<Record<OrganisationName, (document: ReturnType<typeof clientMetadataDocument>) => unknown>> = {
  impostor: (document) => ({ ...document, client_id: `${document.client_id}-elsewhere` }),
  stockClient: (document) => ({
    ...document,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'Ed25519',
    grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    backchannel_token_delivery_mode: 'poll',
    dpop_bound_access_tokens: true,
    software_id: 'conformance-stock-client',
    jwks: { keys: [{ ...document.jwks.keys[0], alg: 'Ed25519' }, document.jwks.keys[1]] },
  }),
  contradicting: (document) => ({ ...document, token_endpoint_auth_method: 'client_secret_basic' }),
}

/** The metadata documents, by request path, as each organisation's own website would serve them. */
export function metadataDocuments(fixtures: Fixtures): Map<string, unknown> {
  const documents = new Map<string, unknown>()
  for (const name of Object.keys(ORGANISATIONS) as OrganisationName[]) {
    const identity = fixtures.organisations[name]
    const document = clientMetadataDocument(identity)
    const path = new URL(identity.clientId).pathname
    documents.set(path, special[name]?.(document) ?? document)
  }
  return documents
}

/** The operator's public key as a JWK: what a host needs (HOLDALL_TRUST_ANCHOR_FILE) to serve the list. */
export function trustAnchorJwk(fixtures: Fixtures) {
  return toPublicJwk(fixtures.operatorPublicKey, 'Ed25519')
}
