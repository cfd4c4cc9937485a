import { z } from 'zod'
import { base64urlBytesSchema } from './encoding.js'
import { idSchema, keyEpochSchema, keyIdSchema, recordVersionSchema } from './ids.js'
import { HPKE_WRAP_LENGTH, OWNER_WRAP_LENGTH } from './version.js'

const hpkeWrapSchema = base64urlBytesSchema(HPKE_WRAP_LENGTH)

/** A record version's data key wrapped under the vault's KEK for `keyEpoch` (72 bytes). */
export const epochWrapSchema = z
  .object({
    kind: z.literal('epoch'),
    recordId: idSchema,
    version: recordVersionSchema,
    keyEpoch: keyEpochSchema,
    wrap: base64urlBytesSchema(OWNER_WRAP_LENGTH),
  })
  .strict()

/** A data key wrapped to a grantee's X25519 key with HPKE, bound to one grant (80 bytes). */
export const grantWrapSchema = z
  .object({
    kind: z.literal('grant'),
    grantId: idSchema,
    recordId: idSchema,
    version: recordVersionSchema,
    recipientKeyId: keyIdSchema,
    wrap: hpkeWrapSchema,
  })
  .strict()

/** An issuer's deposit: a data key wrapped to the vault's inbox key for `keyEpoch` (80 bytes). */
export const inboxWrapSchema = z
  .object({
    kind: z.literal('inbox'),
    recordId: idSchema,
    version: recordVersionSchema,
    keyEpoch: keyEpochSchema,
    wrap: hpkeWrapSchema,
  })
  .strict()

/** The vault root key wrapped to one holder device's X25519 key (80 bytes). */
export const deviceWrapSchema = z
  .object({
    kind: z.literal('device'),
    deviceKeyId: keyIdSchema,
    keyEpoch: keyEpochSchema,
    wrap: hpkeWrapSchema,
  })
  .strict()

export const wrappedKeySchema = z.discriminatedUnion('kind', [
  epochWrapSchema,
  grantWrapSchema,
  inboxWrapSchema,
  deviceWrapSchema,
])
export type WrappedKey = z.infer<typeof wrappedKeySchema>
