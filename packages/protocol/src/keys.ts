import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'

/**
 * An Ed25519 public key as an RFC 8037 JWK. Strict: a `d` (private) member or any other extra
 * member is refused, so a private key can never be accepted where a public one is expected.
 */
export const ed25519PublicJwkSchema = z
  .object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: base64urlBytesSchema(32) })
  .strict()
export type Ed25519PublicJwk = z.infer<typeof ed25519PublicJwkSchema>

/** An X25519 public key as an RFC 8037 JWK: an HPKE recipient key. */
export const x25519PublicJwkSchema = z
  .object({ kty: z.literal('OKP'), crv: z.literal('X25519'), x: base64urlBytesSchema(32) })
  .strict()
export type X25519PublicJwk = z.infer<typeof x25519PublicJwkSchema>

/** The public keys of a holder device, issuer or service: one to sign, one to receive wraps. */
export const publicKeySetSchema = z
  .object({ signing: ed25519PublicJwkSchema, agreement: x25519PublicJwkSchema })
  .strict()
export type PublicKeySet = z.infer<typeof publicKeySetSchema>
