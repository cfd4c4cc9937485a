import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Issue 18 (spec 11.4): handles this host issued. The host stores each handle's newest record and
// the device chain it was signed under, exactly as the holder's device sent them, and serves them
// to resolvers, who check them; it keeps a handle after the vault moves away, re-pointed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('handles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('device_chain', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}
