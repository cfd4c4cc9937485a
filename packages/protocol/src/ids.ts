import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { DIGEST_LENGTH, ID_LENGTH } from './version.js'

/** A vault, record or grant identifier: 16 random bytes as 22 base64url characters. */
export const idSchema = base64urlBytesSchema(ID_LENGTH)
export type Id = z.infer<typeof idSchema>

/** A SHA-256 digest as 43 base64url characters. */
export const digestSchema = base64urlBytesSchema(DIGEST_LENGTH)

/** An RFC 7638 JWK thumbprint (SHA-256), the identifier of a public key. */
export const keyIdSchema = base64urlBytesSchema(DIGEST_LENGTH)
export type KeyId = z.infer<typeof keyIdSchema>

/** A record version: 1 for the first, +1 for each later one (u32). */
export const recordVersionSchema = z.number().int().min(1).max(0xffff_ffff)

/** A key epoch (u32): which KEK wraps a record version's data key. */
export const keyEpochSchema = z.number().int().min(0).max(0xffff_ffff)
