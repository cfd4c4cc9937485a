import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Issue 19: a grant may start later than it is approved (a cooling-off for a recipient that is not
// a care or justice service, spec 10.8). The host's clock decides; null means it starts at once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('grants').addColumn('starts_at', 'bigint').execute()
}
