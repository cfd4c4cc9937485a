import type { Kysely } from 'kysely'

// Frozen in time: never import application code here, never edit after release.
// Issue 18, moving a vault to another host (spec chapter 12): each vault's move as this host sees
// it (the host it leaves: moving, then tombstoned; the host it arrives at: importing, then live),
// and every move id a host has imported, so a replayed move is refused.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_moves')
    .addColumn('vault_id', 'text', (c) => c.primaryKey())
    .addColumn('move_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('other_host', 'text', (c) => c.notNull())
    .addColumn('log_size', 'bigint', (c) => c.notNull())
    .addColumn('log_root', 'text', (c) => c.notNull())
    .addColumn('package_sha256', 'text')
    .addColumn('commit_jws', 'text')
    .addColumn('kept_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('imported_moves')
    .addColumn('move_id', 'text', (c) => c.primaryKey())
    .addColumn('vault_id', 'text', (c) => c.notNull())
    .addColumn('package_sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
}
