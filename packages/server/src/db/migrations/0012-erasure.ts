import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Leaving Holdall (spec chapter 13). `erasures` is an erased vault's tombstone and the progress of
// its erasure ('closed': grants ended and the log's tombstone appended; 'erasing': the vault's rows
// are gone, `pending_blobs` lists envelopes still to delete from the blob store; 'erased': done).
// `erased_tokens` keeps the hashes of an erased vault's tokens, with no vault id, until they would
// have expired, so a late caller is told `vault_erased`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('erasures')
    .addColumn('vault_id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('from_size', 'bigint', (c) => c.notNull())
    .addColumn('erased_at', 'bigint', (c) => c.notNull())
    .addColumn('device_ids', 'text', (c) => c.notNull())
    .addColumn('receipt', 'text')
    .addColumn('pending_blobs', 'text')
    .execute()
  await db.schema.createIndex('erasures_unfinished').on('erasures').column('state').execute()
  await db.schema
    .createTable('erased_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
}
