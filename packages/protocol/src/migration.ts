import { z } from 'zod'
import { deviceChainSchema } from './api.js'
import { base64urlSchema } from './encoding.js'
import { digestSchema, idSchema, keyIdSchema } from './ids.js'

/*
 * Moving a vault from one host to another (spec chapter 12). Host A exports a package of rows
 * exactly as it holds them (ciphertext, wraps, signed statements, token hashes, the access log
 * with its canonical entries); host B checks and imports it. Nothing here is plaintext.
 */

/** The header of a `vault_moved` answer: the host now holding the vault. A hint only (MIG-REDIR-02). */
export const MOVED_TO_HEADER = 'holdall-moved-to'

/** The two holder-signed statements of a move (spec 12.2), compact JWS `typ`s. */
export const MOVE_STATEMENT_TYP = 'holdall-move+jwt'
export const MOVE_COMMIT_TYP = 'holdall-move-commit+jwt'

/** How many moves a client follows in one request (MIG-REDIR-02). */
export const MAX_MOVE_HOPS = 2

const jws = z
  .string()
  .min(1)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
const hostUrl = z.string().url().max(512)
const text = (max: number) => z.string().max(max)
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const moveStatementClaimsSchema = z
  .object({
    vault: idSchema,
    move: idSchema,
    from: hostUrl,
    to: hostUrl,
    chain_seq: count,
    chain_head: digestSchema,
  })
  .strict()
export type MoveStatementClaims = z.infer<typeof moveStatementClaimsSchema>

export const moveCommitClaimsSchema = moveStatementClaimsSchema
  .extend({ statement: digestSchema, log_size: count, log_root: digestSchema })
  .strict()
export type MoveCommitClaims = z.infer<typeof moveCommitClaimsSchema>

export const moveStartSchema = z.object({ statement: jws }).strict()
export const moveCommitSchema = z.object({ commit: jws }).strict()

export const moveStatusSchema = z
  .object({
    vault_id: idSchema,
    move_id: idSchema,
    state: z.enum(['moving', 'tombstoned', 'importing', 'live']),
    log_size: count,
    /** base64url Merkle root at log_size (spec 8.2). */
    log_root: digestSchema,
    /** Envelopes B still lacks (B only). */
    missing_blobs: z.array(digestSchema).max(100_000).optional(),
  })
  .strict()
export type MoveStatus = z.infer<typeof moveStatusSchema>

const jwkText = text(1024)
const row = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict()

export const movePackageSchema = z
  .object({
    format: z.literal(1),
    vault: row({
      id: idSchema,
      key_epoch: count,
      inbox_public_jwk: jwkText,
      inbox_statement: base64urlSchema(1024),
      created_at: count,
    }),
    devices: z
      .array(
        row({
          id: keyIdSchema,
          signing_jwk: jwkText,
          agreement_jwk: jwkText,
          vrk_wrap: base64urlSchema(1024),
          wrap_epoch: count,
          enrolled_by: keyIdSchema.nullable(),
          wrap_statement: base64urlSchema(1024).nullable(),
          status: z.enum(['active', 'removed']),
          created_at: count,
        }),
      )
      .min(1)
      .max(1000),
    device_chain: deviceChainSchema,
    records: z
      .array(
        row({
          record_id: idSchema,
          record_type: text(64),
          latest_version: count,
          state: z.enum(['vault', 'inbox']),
          created_at: count,
          superseded_by: idSchema.nullable(),
        }),
      )
      .max(100_000),
    versions: z
      .array(
        row({
          record_id: idSchema,
          version: count,
          key_epoch: count,
          ciphertext_sha256: digestSchema,
          ciphertext_length: count,
          manifest: text(65_536),
          author_key_id: text(128),
          created_at: count,
        }),
      )
      .max(1_000_000),
    wraps: z
      .array(
        row({
          record_id: idSchema,
          version: count,
          kind: z.enum(['epoch', 'inbox', 'grant']),
          grant_id: idSchema.nullable(),
          key_epoch: count.nullable(),
          wrap: base64urlSchema(1024),
        }),
      )
      .max(1_000_000),
    requests: z
      .array(
        row({
          id: idSchema,
          client_id: text(2048),
          client_name: text(512),
          client_category: text(64),
          client_keys: text(8192),
          authorization_details: text(65_536),
          binding_message: text(512),
          status: z.literal('approved'),
          grant_id: idSchema,
          redeemed_at: count.nullable(),
          expires_at: count,
          created_at: count,
        }),
      )
      .max(100_000),
    grants: z
      .array(
        row({
          id: idSchema,
          client_id: text(2048),
          request_id: idSchema,
          receipt: text(32_768),
          authorization_details: text(65_536),
          expires_at: count,
          created_at: count,
          starts_at: count.nullable(),
        }),
      )
      .max(100_000),
    tokens: z
      .array(
        row({
          token_hash: digestSchema,
          kind: z.enum(['access', 'refresh']),
          subject: text(2048),
          grant_id: idSchema,
          jkt: keyIdSchema,
          family: text(128),
          expires_at: count,
          rotated_at: count.nullable(),
          created_at: count,
        }),
      )
      .max(1_000_000),
    log: z
      .array(
        row({
          seq: count,
          at: count,
          event: text(64),
          actor: text(2048),
          details: text(65_536),
          prev_hash: digestSchema,
          hash: digestSchema,
          /** The canonical entry (spec 8.3), base64url. */
          entry: base64urlSchema(65_536),
        }),
      )
      .min(1)
      .max(10_000_000),
    blobs: z.array(row({ sha256: digestSchema, length: count })).max(1_000_000),
  })
  .strict()
export type MovePackage = z.infer<typeof movePackageSchema>

export const moveImportSchema = z.object({ statement: jws, package: movePackageSchema }).strict()
export type MoveImport = z.infer<typeof moveImportSchema>

export const movePathSchema = z.object({ moveId: idSchema }).strict()
export const moveBlobPathSchema = z.object({ moveId: idSchema, sha256: digestSchema }).strict()

/** What a tombstoned host serves (the `vault_moved` problem's extension members, and GET /vaults/{id}/tombstone). */
export const tombstoneSchema = z
  .object({
    vault_id: idSchema,
    moved_to: hostUrl,
    /** The holder-signed commit (spec 12.2). */
    tombstone: jws,
    move_statement: jws,
    device_chain: deviceChainSchema,
    /** When this host may forget the tombstone (its clock, ms). */
    kept_until: count,
  })
  .strict()
export type Tombstone = z.infer<typeof tombstoneSchema>
