import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { idSchema } from './ids.js'

/*
 * Federation (spec chapter 11): the host registry in the signed trust list, the operator's key
 * rotation statement, the well-known trust list document every host mirrors, and handles.
 */

/** A host in the operator's registry: the short number a pairing code carries, and its URL. */
export const trustListHostSchema = z
  .object({
    number: z.number().int().min(1).max(9999),
    url: z.url({ protocol: /^https?$/ }).refine((url) => !url.endsWith('/'), 'an origin, no trailing slash'),
    name: z.string().min(1).max(120),
  })
  .strict()
export type TrustListHost = z.infer<typeof trustListHostSchema>

/** JWS typ of an operator key rotation statement, signed by the old key ([FED-TRUST-04]). */
export const TRUST_KEY_ROTATION_TYP = 'trust-key-rotation+jwt'

/** The payload of a key rotation statement: the old key vouches for the new one. */
export const trustKeyRotationSchema = z
  .object({
    /** The retiring operator key (raw Ed25519, base64url): the key that signs this statement. */
    old_key: base64urlBytesSchema(32),
    /** The new operator key (raw Ed25519, base64url). */
    new_key: base64urlBytesSchema(32),
    iat: z.number().int(),
    /** Lists signed by the old key are accepted only if issued (their `iat`) at or before this. */
    old_key_until: z.number().int(),
  })
  .strict()
export type TrustKeyRotation = z.infer<typeof trustKeyRotationSchema>

/** Where every host mirrors the operator's signed trust list, with any key rotation statements. */
export const TRUST_LIST_WELL_KNOWN_PATH = '/.well-known/holdall-trust-list'

export const trustListDocumentSchema = z
  .object({
    /** The trust list exactly as the operator signed it (compact JWS, typ trust-list+jwt). */
    trust_list: z.string().min(1).max(4_000_000),
    /** Rotation statements (compact JWS), oldest first. */
    key_rotations: z.array(z.string().min(1).max(2000)).max(16),
  })
  .strict()
export type TrustListDocument = z.infer<typeof trustListDocumentSchema>

// ---- handles ----------------------------------------------------------------------------------

/** JWS typ of a handle record, signed by a device of the holder's chain ([FED-HANDLE-02]). */
export const HANDLE_RECORD_TYP = 'holdall-handle+jwt'
/** The name part of a handle: lower case letters, digits and hyphens, starting with a letter. */
export const handleNameSchema = z.string().regex(/^[a-z][a-z0-9-]{2,30}$/)
/** A handle as people write it: `name@N`, N the number of the host that issued it. */
export const handleSchema = z.string().regex(/^[a-z][a-z0-9-]{2,30}@[1-9][0-9]{0,3}$/)
export const HANDLE_WELL_KNOWN_PATH = '/.well-known/holdall-handle'

export const handleRecordSchema = z
  .object({
    handle: handleSchema,
    vault_id: idSchema,
    /** The vault's device chain root fingerprint (base64url, 32 bytes). */
    root: base64urlBytesSchema(32),
    /** Where the vault lives now: the URL a resolver acts on. */
    host_url: z.url({ protocol: /^https?$/ }),
    /** Increases with every re-point: a resolver refuses a lower one than it has seen. */
    seq: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31),
    iat: z.number().int(),
  })
  .strict()
export type HandleRecord = z.infer<typeof handleRecordSchema>

/** What a host answers at HANDLE_WELL_KNOWN_PATH/<name>, and what a holder sends to publish. */
export const handleDocumentSchema = z
  .object({
    /** The record (compact JWS, typ holdall-handle+jwt, kid = the signing device's key id). */
    record: z.string().min(1).max(4000),
    /** The vault's device chain (base64url entries), which the signing device is a member of. */
    device_chain: z.array(z.string().min(1).max(400)).min(1).max(1024),
  })
  .strict()
export type HandleDocument = z.infer<typeof handleDocumentSchema>
