import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Issue 19: the duress PIN's silent alert (spec 10.9). One per vault: the supporter's grant it
// tells, and the SHA-256 of the token the decoy presents (never the token). The host keeps only
// how many times it fired and when last.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('duress_alerts')
    .addColumn('vault_id', 'text', (c) => c.primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('fired_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_fired_at', 'bigint')
    .execute()
}
