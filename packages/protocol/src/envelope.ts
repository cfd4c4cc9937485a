import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { digestSchema, idSchema, keyEpochSchema, recordVersionSchema } from './ids.js'
import { ENVELOPE_CHUNK_SIZE, ENVELOPE_FORMAT_VERSION, ENVELOPE_SUITE, MANIFEST_LENGTH } from './version.js'

/**
 * What a host stores and serves beside an envelope: the clear facts a host may know (ids, sizes,
 * digest) and the signed manifest. Everything descriptive (content type, title, file name) is
 * inside the envelope's encrypted metadata block.
 */
export const envelopeDescriptorSchema = z
  .object({
    format: z.literal(ENVELOPE_FORMAT_VERSION),
    suite: z.literal(ENVELOPE_SUITE),
    chunkSize: z.literal(ENVELOPE_CHUNK_SIZE),
    vaultId: idSchema,
    recordId: idSchema,
    version: recordVersionSchema,
    keyEpoch: keyEpochSchema,
    ciphertextLength: z.number().int().min(402).max(Number.MAX_SAFE_INTEGER),
    ciphertextSha256: digestSchema,
    manifest: base64urlBytesSchema(MANIFEST_LENGTH),
  })
  .strict()
export type EnvelopeDescriptor = z.infer<typeof envelopeDescriptorSchema>

/**
 * The plaintext of an envelope's metadata block (UTF-8 JSON). Only holder and grantee clients
 * ever see it. Unknown members are kept by readers that do not understand them.
 */
export const recordMetadataSchema = z
  .object({
    /** IANA media type of the record body, e.g. `application/fhir+json`. */
    contentType: z.string().min(1).max(255),
    title: z.string().max(500).optional(),
    fileName: z.string().max(255).optional(),
  })
  .loose()
export type RecordMetadata = z.infer<typeof recordMetadataSchema>
