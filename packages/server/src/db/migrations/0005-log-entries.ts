import { type Kysely, PostgresAdapter } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// The verifiable log served (spec 8.8): each access-log row carries its canonical entry (spec
// 8.3), the leaf at index `seq` of the vault's Merkle log, written by the row's own INSERT so the
// read path pays no extra statement. `log_leaves` (0003) is dropped: the leaves are these rows.
// Rows written before this migration have no entry; a vault with one has no verifiable log.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('access_log')
    .addColumn('entry', postgres ? 'bytea' : 'blob')
    .execute()
  await db.schema.dropTable('log_leaves').execute()
}
