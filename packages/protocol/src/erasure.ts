import { z } from 'zod'
import { base64urlSchema } from './encoding.js'
import { idSchema } from './ids.js'
import { logHashSchema, MAX_LOG_ENTRY_BYTES, signedCheckpointSchema } from './log.js'

/*
 * Leaving Holdall (spec chapter 13): the holder closes the vault, the host ends every grant and
 * erases the vault, and answers with an erasure receipt the holder's device checks against the
 * vault's verifiable log.
 */

/** The name of the `host_event` entry that is the last leaf of an erased vault's log (ERA-LOG-01). */
export const VAULT_ERASED_EVENT = 'vault_erased'

/**
 * What the host keeps after an erasure, by name (ERA-KEEP-01): the tombstone (the vault id, when,
 * and the final signed checkpoint) and, until they would have expired, the hashes of the vault's
 * tokens, so a late caller is told `vault_erased` rather than a bare 401.
 */
export const ERASURE_KEPT = ['tombstone', 'token_hashes_until_expiry'] as const

/** The holder asks: the size of the newest checkpoint its device verified (the receipt proves from it). */
export const erasureRequestSchema = z
  .object({ from_size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) })
  .strict()
export type ErasureRequest = z.infer<typeof erasureRequestSchema>

export const erasureReceiptSchema = z
  .object({
    vault_id: idSchema,
    /** The host's clock when the vault was closed (ms): the host's assertion, not a proof. */
    erased_at: z.number().int().min(0),
    /** The vault log's final checkpoint, signed by the host's log key. */
    checkpoint: signedCheckpointSchema,
    /** The tombstone: the log's last entry (a `host_event` named `vault_erased`), canonical bytes. */
    tombstone: base64urlSchema(MAX_LOG_ENTRY_BYTES),
    /** The tombstone's inclusion proof as the last leaf of `checkpoint`'s tree. */
    inclusion: z.array(logHashSchema).max(64),
    /** From the size the holder named to the final size. */
    from_size: z.number().int().min(0),
    consistency: z.array(logHashSchema).max(128),
    kept: z.array(z.enum(ERASURE_KEPT)).max(ERASURE_KEPT.length),
  })
  .strict()
export type ErasureReceipt = z.infer<typeof erasureReceiptSchema>
