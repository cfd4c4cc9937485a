/**
 * @holdall/protocol: the Holdall wire format as zod schemas, with their inferred types, the
 * error codes and the protocol version constants. The single source of truth for the JSON
 * Schemas in protocol-spec/schemas.
 */

export * from './api.js'
export * from './duress-alert.js'
export { base64urlBytesSchema, base64urlLength, base64urlSchema } from './encoding.js'
export {
  type EnvelopeDescriptor,
  envelopeDescriptorSchema,
  type RecordMetadata,
  recordMetadataSchema,
} from './envelope.js'
export * from './erasure.js'
export * from './federation.js'
export { digestSchema, type Id, idSchema, type KeyId, keyEpochSchema, keyIdSchema, recordVersionSchema } from './ids.js'
export {
  type Ed25519PublicJwk,
  ed25519PublicJwkSchema,
  type PublicKeySet,
  publicKeySetSchema,
  type X25519PublicJwk,
  x25519PublicJwkSchema,
} from './keys.js'
export * from './log.js'
export * from './migration.js'
export * from './pairing.js'
export {
  ERROR_CODES,
  type ErrorCode,
  errorCodeSchema,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  problemSchema,
  problemType,
} from './problem.js'
export * from './record-payloads.js'
export * from './record-types.js'
export * from './recovery.js'
export * from './request-templates.js'
export * from './version.js'
export {
  deviceWrapSchema,
  epochWrapSchema,
  grantWrapSchema,
  inboxWrapSchema,
  type WrappedKey,
  wrappedKeySchema,
} from './wraps.js'
