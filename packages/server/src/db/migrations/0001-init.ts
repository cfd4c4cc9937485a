import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// One migration for SQLite and PostgreSQL. Integers are BIGINT (millisecond timestamps pass 2^31);
// in SQLite 'bigint' has the same INTEGER affinity as 'bigint', so files made before this
// wording changed are the same schema.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('vaults')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_epoch', 'bigint', (c) => c.notNull())
    .addColumn('inbox_public_jwk', 'text', (c) => c.notNull())
    .addColumn('inbox_statement', 'text', (c) => c.notNull())
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull().references('vaults.id'))
    .addColumn('signing_jwk', 'text', (c) => c.notNull())
    .addColumn('agreement_jwk', 'text', (c) => c.notNull())
    .addColumn('vrk_wrap', 'text', (c) => c.notNull())
    .addColumn('wrap_epoch', 'bigint', (c) => c.notNull())
    .addColumn('enrolled_by', 'text')
    .addColumn('wrap_statement', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('records')
    .addColumn('vault_id', 'text', (c) => c.notNull().references('vaults.id'))
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('latest_version', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('records_pk', ['vault_id', 'record_id'])
    .execute()

  // One row per (record, version): the primary key is the compare-and-swap (attack case 13).
  await db.schema
    .createTable('record_versions')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('key_epoch', 'bigint', (c) => c.notNull())
    .addColumn('ciphertext_sha256', 'text', (c) => c.notNull())
    .addColumn('ciphertext_length', 'bigint', (c) => c.notNull())
    .addColumn('manifest', 'text', (c) => c.notNull())
    .addColumn('author_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_versions_pk', ['vault_id', 'record_id', 'version'])
    .execute()

  await db.schema
    .createTable('key_wraps')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('key_epoch', 'bigint')
    .addColumn('wrap', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('key_wraps_record')
    .on('key_wraps')
    .columns(['vault_id', 'record_id', 'version'])
    .execute()
  await db.schema.createIndex('key_wraps_grant').on('key_wraps').column('grant_id').execute()

  await db.schema
    .createTable('pairing_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('auth_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_name', 'text', (c) => c.notNull())
    .addColumn('client_category', 'text', (c) => c.notNull())
    .addColumn('client_keys', 'text', (c) => c.notNull())
    .addColumn('authorization_details', 'text', (c) => c.notNull())
    .addColumn('binding_message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('redeemed_at', 'bigint')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('auth_requests_vault').on('auth_requests').columns(['vault_id', 'status']).execute()

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('receipt', 'text', (c) => c.notNull())
    .addColumn('authorization_details', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()

  await db.schema
    .createTable('tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('jkt', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rotated_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('tokens_grant').on('tokens').column('grant_id').execute()
  await db.schema.createIndex('tokens_family').on('tokens').column('family').execute()

  await db.schema
    .createTable('dpop_jti')
    .addColumn('jkt', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dpop_jti_pk', ['jkt', 'jti'])
    .$call((table) => (postgres ? table : table.modifyEnd(sql`without rowid`)))
    .execute()

  await db.schema
    .createTable('access_log')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_log_pk', ['vault_id', 'seq'])
    .execute()

  await db.schema
    .createTable('idempotency')
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'bigint', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_pk', ['principal', 'key'])
    .execute()
}
