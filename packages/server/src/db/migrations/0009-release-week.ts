import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Issue 21 (spec 4.4): a record replaced by a newer signed record (a licence variation) names it.
// The link itself is signed inside the newer record's payload; this column is the host's index of
// it, so that grantees see "updated" and the old record is never wrapped to a new grant.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('records').addColumn('superseded_by', 'text').execute()
}
