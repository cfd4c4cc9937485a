import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { trustListHostSchema } from './federation.js'
import { digestSchema, idSchema, keyEpochSchema, keyIdSchema, recordVersionSchema } from './ids.js'
import { ed25519PublicJwkSchema, x25519PublicJwkSchema } from './keys.js'
import { organisationCategorySchema, recordTypeSchema } from './record-types.js'
import {
  DEVICE_CHAIN_ENTRY_LENGTH,
  DEVICE_CHAIN_MAX_ENTRIES,
  HPKE_WRAP_LENGTH,
  MANIFEST_LENGTH,
  OWNER_WRAP_LENGTH,
  SUPPORTED_PROTOCOL_VERSIONS,
} from './version.js'

/*
 * Request and response bodies of the Holdall HTTP API (protocol-spec, chapters 4 and 5).
 * Objects are strict: unknown members are refused, so nothing is silently dropped or smuggled.
 */

const ownerWrapSchema = base64urlBytesSchema(OWNER_WRAP_LENGTH)
const hpkeWrapSchema = base64urlBytesSchema(HPKE_WRAP_LENGTH)
const manifestSchema = base64urlBytesSchema(MANIFEST_LENGTH)
const epochMillisSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

// ---- discovery --------------------------------------------------------------------------------

export const hostMetadataSchema = z
  .object({
    issuer: z.url(),
    protocol_versions: z.array(z.number().int()).min(1),
    token_endpoint: z.url(),
    backchannel_authentication_endpoint: z.url(),
    trust_list_uri: z.url(),
    openapi_uri: z.url(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    dpop_signing_alg_values_supported: z.array(z.string()),
    backchannel_token_delivery_modes_supported: z.array(z.string()),
    authorization_details_types_supported: z.array(z.string()),
    envelope_suites_supported: z.array(z.number().int()),
    max_record_bytes: z.number().int(),
    /** The host's log verifier keys (C2SP text form), current first (spec 8.8). */
    log_verifier_keys: z.array(z.string().max(200)).min(1).max(4).optional(),
  })
  .strict()
export type HostMetadata = z.infer<typeof hostMetadataSchema>

/** RFC 8414 authorization server metadata, as served at /.well-known/oauth-authorization-server (spec 2.1). */
export const authorizationServerMetadataSchema = z
  .object({
    issuer: z.url(),
    token_endpoint: z.url(),
    backchannel_authentication_endpoint: z.url(),
    response_types_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    dpop_signing_alg_values_supported: z.array(z.string()),
    backchannel_token_delivery_modes_supported: z.array(z.string()),
    backchannel_user_code_parameter_supported: z.boolean(),
    authorization_details_types_supported: z.array(z.string()),
    client_id_metadata_document_supported: z.boolean(),
  })
  .strict()
export const SUPPORTED_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS

// ---- identities -------------------------------------------------------------------------------

/** JOSE names of Ed25519 signatures: RFC 9864's fully-specified one first (spec 2.4). */
export const ED25519_JOSE_ALGS = ['Ed25519', 'EdDSA'] as const
export const GRANT_TYPE_CIBA = 'urn:openid:params:grant-type:ciba'

export const signingJwkWithUseSchema = ed25519PublicJwkSchema
  .extend({ use: z.literal('sig'), kid: keyIdSchema, alg: z.enum(ED25519_JOSE_ALGS).optional() })
  .strict()
export const agreementJwkWithUseSchema = x25519PublicJwkSchema
  .extend({ use: z.literal('enc'), kid: keyIdSchema })
  .strict()

/**
 * A service's or issuer's metadata document, published at the URL that is its `client_id`
 * (in the manner of OAuth client ID metadata documents). It is an RFC 7591 client metadata
 * document too: members nobody here knows are ignored (RFC 7591 section 2), and the standard
 * members that matter, when present, must agree with how Holdall works (spec 5.4, API-META-03).
 */
export const clientMetadataSchema = z
  .object({
    client_id: z.url(),
    client_name: z.string().min(1).max(120),
    category: organisationCategorySchema,
    registry_code: z.string().min(1).max(40),
    jwks: z.object({ keys: z.tuple([signingJwkWithUseSchema, agreementJwkWithUseSchema]) }).strict(),
    token_endpoint_auth_method: z.literal('private_key_jwt').optional(),
    token_endpoint_auth_signing_alg: z.enum(ED25519_JOSE_ALGS).optional(),
    /** Services and issuers use CIBA, and may refresh; device grants are not theirs. */
    grant_types: z
      .array(z.enum([GRANT_TYPE_CIBA, 'refresh_token']))
      .min(1)
      .max(2)
      .refine((types) => types.includes(GRANT_TYPE_CIBA), { message: 'grant_types must include CIBA' })
      .optional(),
    backchannel_token_delivery_mode: z.literal('poll').optional(),
    dpop_bound_access_tokens: z.literal(true).optional(),
  })
  .loose()
export type ClientMetadata = z.infer<typeof clientMetadataSchema>

export const trustListEntrySchema = z
  .object({
    client_id: z.url(),
    name: z.string().min(1).max(120),
    category: organisationCategorySchema,
    registry_code: z.string().min(1).max(40),
    /** The organisation's Ed25519 signing key (JWK `x`), so readers can check manifests offline. */
    signing_key: base64urlBytesSchema(32),
    /** Its RFC 7638 thumbprint: what manifests and assertions name. */
    signing_key_id: keyIdSchema,
    /**
     * The organisation's X25519 agreement key (raw, base64url), pinned by the operator: the only
     * key a holder wraps a record key to for this organisation (trust list format 2, spec 2.3,
     * TRUST-KEY-01). The host's copy in a pending request is compared with it, never used alone.
     */
    agreement_key: base64urlBytesSchema(32),
  })
  .strict()

/** The trust list payload format this package reads and writes. Lists of other formats are refused. */
export const TRUST_LIST_FORMAT = 2

/** The payload of a signed trust list (compact JWS, typ `trust-list+jwt`, EdDSA). */
export const trustListSchema = z
  .object({
    /** Payload format: 2 since entries pin agreement keys. A list without it is format 1: refused. */
    format: z.literal(TRUST_LIST_FORMAT),
    iss: z.string().min(1).max(200),
    iat: z.number().int(),
    exp: z.number().int(),
    organisations: z.array(trustListEntrySchema).max(10_000),
    /**
     * The operator's host registry (spec 11.2, [FED-HOST-01]): the number a pairing code names a
     * host by, and its URL. Numbers and URLs are each unique. Optional: a list without it names no host.
     */
    hosts: z
      .array(trustListHostSchema)
      .max(1000)
      .refine((hosts) => new Set(hosts.map((h) => h.number)).size === hosts.length, 'host numbers are unique')
      .refine((hosts) => new Set(hosts.map((h) => h.url)).size === hosts.length, 'host URLs are unique')
      .optional(),
  })
  .strict()
export type TrustList = z.infer<typeof trustListSchema>
export type TrustListEntry = z.infer<typeof trustListEntrySchema>

// ---- vaults and devices -----------------------------------------------------------------------

/** One signed entry of a vault's device chain (spec 3.8.1), base64url. */
export const deviceChainEntrySchema = base64urlBytesSchema(DEVICE_CHAIN_ENTRY_LENGTH)
/** A vault's whole device chain, entry 0 first, as the host stores it (opaque to the host). */
export const deviceChainSchema = z.array(deviceChainEntrySchema).min(1).max(DEVICE_CHAIN_MAX_ENTRIES)

export const createVaultSchema = z
  .object({
    vault_id: idSchema,
    device: z.object({ signing: ed25519PublicJwkSchema, agreement: x25519PublicJwkSchema }).strict(),
    /** The VRK wrapped to the device (HPKE device wrap, epoch 0). */
    vrk_wrap: hpkeWrapSchema,
    inbox_key: x25519PublicJwkSchema,
    /** The device's signed inbox key statement for epoch 0 (spec 3.8). */
    inbox_statement: base64urlBytesSchema(64),
    /** Entry 0 of the device chain: this device adding itself (spec 3.8.1). */
    device_chain_entry: deviceChainEntrySchema,
  })
  .strict()
export type CreateVault = z.infer<typeof createVaultSchema>

/** Enrols another holder device: its public keys, the VRK wrapped to it, signed by this device. */
export const enrolDeviceSchema = z
  .object({
    device: z.object({ signing: ed25519PublicJwkSchema, agreement: x25519PublicJwkSchema }).strict(),
    vrk_wrap: hpkeWrapSchema,
    /** The enrolling device's device wrap statement (spec 3.8), base64url. */
    wrap_statement: base64urlBytesSchema(64),
    /** The next device chain entry: this device adding the new one (spec 3.8.1). */
    device_chain_entry: deviceChainEntrySchema,
  })
  .strict()

export const vaultSchema = z
  .object({
    vault_id: idSchema,
    key_epoch: keyEpochSchema,
    inbox_key: x25519PublicJwkSchema,
    device_id: keyIdSchema,
    vrk_wrap: hpkeWrapSchema,
    /** For an enrolled (not the first) device: who enrolled it, and their signed statement. */
    enrolled_by: z.object({ device_id: keyIdSchema, signing_key: ed25519PublicJwkSchema }).strict().optional(),
    wrap_statement: base64urlBytesSchema(64).optional(),
    /** The vault's device chain, which every reader verifies itself (spec 3.8.1). */
    device_chain: deviceChainSchema,
    used_bytes: z.number().int(),
    quota_bytes: z.number().int(),
  })
  .strict()
export type Vault = z.infer<typeof vaultSchema>

// ---- records ----------------------------------------------------------------------------------

/** Commits a record version whose envelope was uploaded as a blob first. */
export const putRecordVersionSchema = z
  .object({
    record_type: recordTypeSchema,
    key_epoch: keyEpochSchema,
    ciphertext_sha256: digestSchema,
    ciphertext_length: z.number().int().min(1),
    manifest: manifestSchema,
    owner_wrap: ownerWrapSchema,
  })
  .strict()
export type PutRecordVersion = z.infer<typeof putRecordVersionSchema>

export const recordVersionViewSchema = z
  .object({
    record_id: idSchema,
    record_type: recordTypeSchema,
    version: recordVersionSchema,
    key_epoch: keyEpochSchema,
    ciphertext_sha256: digestSchema,
    ciphertext_length: z.number().int(),
    manifest: manifestSchema,
    created_at: epochMillisSchema,
    /** The wrap of this version's DEK for the caller: owner, inbox or grant wrap. */
    wrap: z.union([ownerWrapSchema, hpkeWrapSchema]),
    wrap_kind: z.enum(['epoch', 'inbox', 'grant']),
    /** For owner wraps, the epoch of the wrapping KEK (later than key_epoch after a rotation). */
    wrap_epoch: keyEpochSchema.nullable(),
    /**
     * The record that replaced this one (spec 4.4): a hint from the host. The signed link is the
     * `supersedes` member of the newer record's payload ([SUP-VER-01]).
     */
    superseded_by: idSchema.optional(),
  })
  .strict()
export type RecordVersionView = z.infer<typeof recordVersionViewSchema>

export const recordListSchema = z.object({ records: z.array(recordVersionViewSchema) }).strict()

/** An issuer's deposit into a vault's inbox (the envelope uploaded as a blob first). */
export const depositSchema = z
  .object({
    record_id: idSchema,
    record_type: recordTypeSchema,
    key_epoch: keyEpochSchema,
    ciphertext_sha256: digestSchema,
    ciphertext_length: z.number().int().min(1),
    manifest: manifestSchema,
    inbox_wrap: hpkeWrapSchema,
  })
  .strict()
export type Deposit = z.infer<typeof depositSchema>

export const acceptDepositSchema = z
  .object({
    owner_wrap: ownerWrapSchema,
    /** The vault record this deposit replaces, as its signed payload says (spec 4.4, [SUP-VER-02]). */
    supersedes: idSchema.optional(),
  })
  .strict()

// ---- pairing, requests, grants ----------------------------------------------------------------

export const pairingCodeSchema = z
  .object({ code: z.string().regex(/^[0-9A-HJ-NP-Z]{8}$/), expires_at: epochMillisSchema })
  .strict()

/** RFC 9396 authorization details of type `holdall_records`. */
export const authorizationDetailSchema = z
  .object({
    type: z.literal('holdall_records'),
    actions: z
      .array(z.enum(['read', 'deposit']))
      .min(1)
      .max(2),
    record_types: z.array(recordTypeSchema).min(1).max(10),
    purpose: z.string().min(1).max(300),
    duration_days: z.number().int().min(1).max(365),
  })
  .strict()
export type AuthorizationDetail = z.infer<typeof authorizationDetailSchema>

export const pendingRequestSchema = z
  .object({
    request_id: idSchema,
    client_id: z.url(),
    client_name: z.string(),
    category: z.string(),
    verified: z.boolean(),
    agreement_key: x25519PublicJwkSchema,
    signing_key_id: keyIdSchema,
    authorization_details: z.array(authorizationDetailSchema),
    binding_message: z.string(),
    expires_at: epochMillisSchema,
  })
  .strict()
export type PendingRequest = z.infer<typeof pendingRequestSchema>

/** The claims of a grant receipt: a compact JWS (typ `grant+jwt`, EdDSA) by a holder device. */
export const grantReceiptClaimsSchema = z
  .object({
    iss: keyIdSchema,
    sub: idSchema,
    aud: z.url(),
    jti: idSchema,
    iat: z.number().int(),
    /** Issue 19: the grant starts only at this time (a cooling-off the holder chose, spec 10.8). */
    nbf: z.number().int().optional(),
    exp: z.number().int(),
    request_id: idSchema,
    client_id: z.url(),
    client_signing_key_id: keyIdSchema,
    client_agreement_key_id: keyIdSchema,
    authorization_details: z.array(authorizationDetailSchema).min(1),
    binding_message: z.string(),
  })
  .strict()
export type GrantReceiptClaims = z.infer<typeof grantReceiptClaimsSchema>

export const approveRequestSchema = z
  .object({
    receipt: z.string().min(1).max(16_384),
    wraps: z
      .array(z.object({ record_id: idSchema, version: recordVersionSchema, wrap: hpkeWrapSchema }).strict())
      .max(1000),
  })
  .strict()

export const grantSchema = z
  .object({
    grant_id: idSchema,
    vault_id: idSchema,
    client_id: z.url(),
    client_name: z.string(),
    authorization_details: z.array(authorizationDetailSchema),
    receipt: z.string(),
    status: z.enum(['active', 'revoked', 'expired']),
    created_at: epochMillisSchema,
    expires_at: epochMillisSchema,
    /** Issue 19: present when the grant starts after a cooling-off; until then its reads are refused. */
    starts_at: epochMillisSchema.optional(),
  })
  .strict()
export type Grant = z.infer<typeof grantSchema>

/**
 * `GET /grant`: the grant, the vault's device chain (which the service checks the receipt against,
 * spec 3.8.1) and the vault's inbox key with its statement (which an issuer checks against the
 * chain before depositing).
 */
export const grantInfoSchema = grantSchema
  .extend({
    device_chain: deviceChainSchema,
    inbox: z
      .object({ key: x25519PublicJwkSchema, key_epoch: keyEpochSchema, statement: base64urlBytesSchema(64) })
      .strict(),
  })
  .strict()
export type GrantInfo = z.infer<typeof grantInfoSchema>

export const accessLogEntrySchema = z
  .object({
    seq: z.number().int().min(0),
    at: epochMillisSchema,
    event: z.string(),
    actor: z.string(),
    details: z.record(z.string(), z.unknown()),
    prev_hash: digestSchema,
    hash: digestSchema,
  })
  .strict()
export type AccessLogEntry = z.infer<typeof accessLogEntrySchema>
export { keyIdSchema as deviceIdSchema }

// ---- responses the host sends (chapter 5); every route declares one of these -----------------

export const enrolledDeviceSchema = z.object({ device_id: keyIdSchema }).strict()
export const pendingRequestListSchema = z.object({ requests: z.array(pendingRequestSchema) }).strict()
export const grantListSchema = z.object({ grants: z.array(grantSchema) }).strict()
export const accessLogSchema = z.object({ entries: z.array(accessLogEntrySchema) }).strict()
export const depositReceiptSchema = z.object({ record_id: idSchema, state: z.literal('inbox') }).strict()
export const healthSchema = z.object({ status: z.literal('ok') }).strict()

/** The token endpoint's answer (RFC 6749 section 5.1); a CIBA redemption also names its grant. */
export const tokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal('DPoP'),
    expires_in: z.number().int(),
    refresh_token: z.string(),
    grant_id: idSchema.optional(),
    vault_id: idSchema.optional(),
    authorization_details: z.array(authorizationDetailSchema).optional(),
  })
  .strict()
export type TokenResponse = z.infer<typeof tokenResponseSchema>

/** The backchannel authentication endpoint's answer (OpenID CIBA section 7.3). */
export const backchannelResponseSchema = z
  .object({ auth_req_id: idSchema, expires_in: z.number().int(), interval: z.number().int() })
  .strict()

/** An OAuth 2.0 error (RFC 6749 section 5.2): what the token and backchannel endpoints answer with. */
export const oauthErrorSchema = z
  .object({
    error: z.string(),
    error_description: z.string().optional(),
    /** With `slow_down`: the interval, in seconds, the client must keep to from now on (spec 5.8). */
    interval: z.number().int().positive().optional(),
  })
  .strict()

// ---- path parameters --------------------------------------------------------------------------

export const vaultPathSchema = z.object({ vaultId: idSchema }).strict()
export const vaultBlobPathSchema = z.object({ vaultId: idSchema, sha256: digestSchema }).strict()
export const blobPathSchema = z.object({ sha256: digestSchema }).strict()
export const recordPathSchema = z.object({ vaultId: idSchema, recordId: idSchema }).strict()
export const recordVersionPathSchema = z
  .object({ vaultId: idSchema, recordId: idSchema, version: z.coerce.number().int().min(1).max(0xffff_ffff) })
  .strict()
export const requestPathSchema = z.object({ vaultId: idSchema, requestId: idSchema }).strict()
export const grantPathSchema = z.object({ vaultId: idSchema, grantId: idSchema }).strict()
