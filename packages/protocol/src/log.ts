import { z } from 'zod'
import { base64urlBytesSchema, base64urlSchema } from './encoding.js'

/*
 * The verifiable log on the wire (spec 8.8): signed checkpoints (C2SP signed notes, as text),
 * canonical entries and proof hashes (base64url), and the query parameters that pick them.
 */

/** Most entries one page of `GET .../log/entries` carries. */
export const MAX_LOG_ENTRIES_PER_PAGE = 1000
/** Longest signed note accepted anywhere (the same bound as @holdall/log). */
export const MAX_CHECKPOINT_NOTE_LENGTH = 16_384
/** Longest canonical entry (the same bound as @holdall/log). */
export const MAX_LOG_ENTRY_BYTES = 65_536
/** The header in which a service or device presents the latest checkpoint it holds (base64url of the note). */
export const LOG_CHECKPOINT_HEADER = 'holdall-log-checkpoint'
/** The header on a grantee read naming the log index of each `key_served` entry, in record order. */
export const LOG_INDEX_HEADER = 'holdall-log-index'

/** A tree size or leaf index in a query: decimal, no sign, no leading zeros, below 2^53. */
export const logNumberSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'a decimal number without leading zeros')
  .transform(Number)
  .pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))

export const logHashSchema = base64urlBytesSchema(32)
export const signedCheckpointSchema = z.string().min(1).max(MAX_CHECKPOINT_NOTE_LENGTH)

export const logCheckpointSchema = z.object({ checkpoint: signedCheckpointSchema }).strict()
export type LogCheckpoint = z.infer<typeof logCheckpointSchema>

export const logEntriesQuerySchema = z.object({ start: logNumberSchema, end: logNumberSchema }).strict()
export const logEntriesSchema = z
  .object({ start: z.number().int().min(0), entries: z.array(base64urlSchema(MAX_LOG_ENTRY_BYTES)) })
  .strict()
export type LogEntries = z.infer<typeof logEntriesSchema>

export const logInclusionQuerySchema = z.object({ index: logNumberSchema, size: logNumberSchema }).strict()
export const logInclusionSchema = z
  .object({ index: z.number().int().min(0), size: z.number().int().min(1), proof: z.array(logHashSchema).max(64) })
  .strict()
export type LogInclusion = z.infer<typeof logInclusionSchema>

export const logConsistencyQuerySchema = z.object({ from: logNumberSchema, to: logNumberSchema }).strict()
export const logConsistencySchema = z
  .object({ from: z.number().int().min(0), to: z.number().int().min(0), proof: z.array(logHashSchema).max(128) })
  .strict()
export type LogConsistency = z.infer<typeof logConsistencySchema>

/** What a grantee fetches before it unwraps a key (spec 8.7): the entry, its proof and the signed tree. */
export const keyServedQuerySchema = z.object({ index: logNumberSchema }).strict()
export const keyServedProofSchema = z
  .object({
    checkpoint: signedCheckpointSchema,
    index: z.number().int().min(0),
    entry: base64urlSchema(MAX_LOG_ENTRY_BYTES),
    proof: z.array(logHashSchema).max(64),
    /** From the checkpoint the caller presented (its header) to `checkpoint`; absent if none was. */
    consistency: z.array(logHashSchema).max(128).optional(),
  })
  .strict()
export type KeyServedProofBody = z.infer<typeof keyServedProofSchema>

/** A holder device publishes the latest checkpoint it verified (gossip through the vault, spec 8.8). */
export const publishCheckpointSchema = z.object({ checkpoint: signedCheckpointSchema }).strict()
export const publishedCheckpointsSchema = z
  .object({
    checkpoints: z.array(z.object({ device_id: z.string().max(64), checkpoint: signedCheckpointSchema }).strict()),
  })
  .strict()

/**
 * The request header by which a grantee asks `GET /grant/records` to carry the proof of its own
 * `key_served` entries in the answer (spec 8.7.1); its one value is `inline`.
 */
export const LOG_PROOF_HEADER = 'holdall-log-proof'
export const LOG_PROOF_INLINE = 'inline'

/**
 * The proof a read carries when asked (spec 8.7.1): one signed checkpoint whose tree holds every
 * `key_served` entry the read logged, each entry with its index and inclusion proof in record
 * order, and the consistency proof from the checkpoint the caller presented.
 */
export const readLogProofSchema = z
  .object({
    checkpoint: signedCheckpointSchema,
    entries: z
      .array(
        z
          .object({
            index: z.number().int().min(0),
            entry: base64urlSchema(MAX_LOG_ENTRY_BYTES),
            proof: z.array(logHashSchema).max(64),
          })
          .strict(),
      )
      .max(10_000),
    consistency: z.array(logHashSchema).max(128).optional(),
  })
  .strict()
export type ReadLogProof = z.infer<typeof readLogProofSchema>
