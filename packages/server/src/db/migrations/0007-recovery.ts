import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Devices and recovery (spec chapter 9): each vault's recovery set-up at its current epoch (the
// host's share sealed at rest under a key kept outside this database, the worker's share sealed
// to the organisation), and the recoveries asked for, at most one waiting per vault.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recovery_setups')
    .addColumn('vault_id', 'text', (c) => c.primaryKey())
    .addColumn('key_epoch', 'bigint', (c) => c.notNull())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('member_signing_jwk', 'text', (c) => c.notNull())
    .addColumn('host_share_sealed', 'text', (c) => c.notNull())
    .addColumn('worker_client_id', 'text', (c) => c.notNull())
    .addColumn('worker_share_wrap', 'text', (c) => c.notNull())
    .addColumn('kit_proof_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('recoveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('key_epoch', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('device_signing_jwk', 'text', (c) => c.notNull())
    .addColumn('device_agreement_jwk', 'text', (c) => c.notNull())
    .addColumn('with_kit', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ready_at', 'bigint', (c) => c.notNull())
    .addColumn('worker_share', 'text')
    .addColumn('worker_release', 'text')
    .addColumn('worker_released_at', 'bigint')
    .addColumn('host_released_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .execute()
  await db.schema.createIndex('recoveries_vault').on('recoveries').columns(['vault_id', 'status']).execute()
}
