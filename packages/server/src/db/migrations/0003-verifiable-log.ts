import { type Kysely, PostgresAdapter } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// The verifiable log (spec chapter 8): each vault's entries in their canonical bytes, and the hash
// of every perfect subtree the log has completed, so that appends and proofs read O(log n) rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const bytes = postgres ? 'bytea' : 'blob'

  await db.schema
    .createTable('log_leaves')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('entry', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_leaves_pk', ['vault_id', 'idx'])
    .execute()

  await db.schema
    .createTable('log_nodes')
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_nodes_pk', ['vault_id', 'level', 'idx'])
    .execute()
}
