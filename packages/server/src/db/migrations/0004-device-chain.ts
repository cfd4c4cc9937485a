import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// The device chain of each vault (spec 3.8.1): signed entries the host stores and serves as they
// came, in order. Vaults made before this migration have no chain and cannot pass a client's check.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_chain_entries')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_chain_entries_pk', ['vault_id', 'seq'])
    .execute()
}
