import type { Db } from '../db/database.js'
import type { Trx } from '../db/transactions.js'

/* The rows of records, versions and wraps as the record repository reads and writes them. */

/** Which wrap of a record version the caller gets: the owner's (epoch), the inbox's, or a grant's. */
export type WrapFor = { readonly kind: 'epoch' | 'inbox' } | { readonly kind: 'grant'; readonly grantId: string }

/** A record version joined with its record and one wrap: what rowToRecordView (wire/views.ts) needs. */
export interface RecordVersionRow {
  readonly record_id: string
  readonly record_type: string
  readonly version: number
  readonly key_epoch: number
  readonly ciphertext_sha256: string
  readonly ciphertext_length: number
  readonly manifest: string
  readonly created_at: number
  readonly wrap: string
  readonly wrap_kind: 'epoch' | 'inbox' | 'grant'
  readonly wrap_key_epoch: number | null
  readonly superseded_by: string | null
}

/** Versions joined with their record and the caller's kind of wrap: one statement for any read. */
export function versionsQuery(db: Db | Trx, vaultId: string, wrapFor: WrapFor) {
  let query = db
    .selectFrom('record_versions as v')
    .innerJoin('records as r', (j) => j.onRef('r.vault_id', '=', 'v.vault_id').onRef('r.record_id', '=', 'v.record_id'))
    .innerJoin('key_wraps as w', (j) =>
      j
        .onRef('w.vault_id', '=', 'v.vault_id')
        .onRef('w.record_id', '=', 'v.record_id')
        .onRef('w.version', '=', 'v.version'),
    )
    .select([
      'v.record_id',
      'r.record_type',
      'v.version',
      'v.key_epoch',
      'v.ciphertext_sha256',
      'v.ciphertext_length',
      'v.manifest',
      'v.created_at',
      'w.wrap',
      'w.kind as wrap_kind',
      'w.key_epoch as wrap_key_epoch',
      'r.superseded_by',
    ])
    .where('v.vault_id', '=', vaultId)
    .where('w.kind', '=', wrapFor.kind)
  if (wrapFor.kind === 'grant') query = query.where('w.grant_id', '=', wrapFor.grantId)
  return query
}

export async function insertVersion(
  trx: Trx,
  vaultId: string,
  recordId: string,
  version: number,
  body: { key_epoch: number; ciphertext_sha256: string; ciphertext_length: number; manifest: string },
  author: string,
  now: number,
) {
  await trx
    .insertInto('record_versions')
    .values({
      vault_id: vaultId,
      record_id: recordId,
      version,
      key_epoch: body.key_epoch,
      ciphertext_sha256: body.ciphertext_sha256,
      ciphertext_length: body.ciphertext_length,
      manifest: body.manifest,
      author_key_id: author,
      created_at: now,
    })
    .execute()
}

export async function insertWrap(
  trx: Trx,
  vaultId: string,
  recordId: string,
  version: number,
  to: { kind: 'epoch' | 'inbox'; keyEpoch: number } | { kind: 'grant'; grantId: string },
  wrap: string,
) {
  await trx
    .insertInto('key_wraps')
    .values({
      vault_id: vaultId,
      record_id: recordId,
      version,
      kind: to.kind,
      grant_id: to.kind === 'grant' ? to.grantId : null,
      key_epoch: to.kind === 'grant' ? null : to.keyEpoch,
      wrap,
    })
    .execute()
}
