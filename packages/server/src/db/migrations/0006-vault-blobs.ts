import { type Kysely, sql } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Which vault holds which envelope. A blob belongs to the vault that uploaded it: its quota is
// reserved before the upload streams ('uploading', with a lease), it counts once however many
// versions name it, and an upload no version or deposit names expires (expires_at, on the host's
// clock) and stops counting. Envelopes already named by a version are carried over as referenced;
// each vault's used_bytes is recounted from them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_blobs')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('length', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('referenced', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    // Which process is streaming an 'uploading' row (host:pid), so a restarted host frees the
    // reservations its dead predecessor held without waiting for their lease; null once stored.
    .addColumn('owner', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vault_blobs_pk', ['vault_id', 'sha256'])
    .execute()
  await db.schema.createIndex('vault_blobs_sha256').on('vault_blobs').column('sha256').execute()
  await db.schema.createIndex('vault_blobs_owner').on('vault_blobs').column('owner').execute()
  await db.schema.createIndex('vault_blobs_expires_at').on('vault_blobs').column('expires_at').execute()

  await sql`
    INSERT INTO vault_blobs (vault_id, sha256, length, state, referenced, expires_at, owner, created_at)
    SELECT vault_id, ciphertext_sha256, MAX(ciphertext_length), 'stored', 1, NULL, NULL, MIN(created_at)
    FROM record_versions GROUP BY vault_id, ciphertext_sha256`.execute(db)
  await sql`
    UPDATE vaults SET used_bytes = COALESCE(
      (SELECT SUM(length) FROM vault_blobs WHERE vault_blobs.vault_id = vaults.id), 0)`.execute(db)
}
