import { sql } from 'kysely'
import type { OneTimeId } from '../auth/dpop.js'
import { isPostgres, lockVault, vaultLockName } from '../db/locks.js'
import { prepare, slot } from '../db/prepared.js'
import type { Trx } from '../db/transactions.js'
import type { AccessLog, LogEntry } from '../repositories/log.js'
import type { WriteQueue } from './write-queue.js'

/** A log entry a read committed: its leaf index in the vault's Merkle log and its canonical bytes. */
export interface CommittedLeaf {
  readonly index: number
  readonly entry: Uint8Array
}

/**
 * One-time identifiers (DPoP `jti`s, client and device assertion `jti`s) seen by any instance on
 * this database. The check is an insert into a table keyed by (scope, jti): it fails closed, and
 * every instance sharing the database shares it, so a proof replayed to another instance is
 * refused. The insert goes through the write queue so it costs no disk sync of its own.
 */
export class ReplayCache {
  readonly #writes: WriteQueue

  constructor(writes: WriteQueue) {
    this.#writes = writes
  }

  /** True the first time (scope, jti) is presented; false on every later presentation. */
  async firstUse(scope: string, jti: string, expiresAt: number): Promise<boolean> {
    const inserted = await this.#writes.run((trx) =>
      trx
        .insertInto('dpop_jti')
        .values({ jkt: scope, jti, expires_at: expiresAt })
        .onConflict((c) => c.doNothing())
        .executeTakeFirst(),
    )
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
  }

  /**
   * A read's commit: its proof's `jti` and its log entries in one group commit. The log index of
   * each entry (its leaf in the vault's Merkle log) with its canonical bytes, or false (and nothing logged) if the `jti`
   * was seen before. On PostgreSQL the vault's lock is taken in the
   * same statement as the `jti` insert, so the read costs two statements here, not three.
   */
  async commitRead(
    proof: OneTimeId | null,
    entries: readonly LogEntry[],
    log: AccessLog,
  ): Promise<CommittedLeaf[] | false> {
    const vaultId = entries[0]?.vaultId
    return this.#writes.run(async (trx) => {
      if (proof !== null && !(await insertAndLock(trx, proof, vaultId))) return false
      if (proof === null && vaultId !== undefined) await lockVault(trx, vaultId)
      const committed: CommittedLeaf[] = []
      for (const entry of entries)
        committed.push(await log.appendLeaf(trx, entry.vaultId, entry.event, entry.actor, entry.details, entry.leaf))
      return committed
    })
  }

  /** Forgets ids whose proofs have expired: they would be refused as too old anyway. */
  async purge(now: number): Promise<void> {
    await this.#writes.run((trx) => trx.deleteFrom('dpop_jti').where('expires_at', '<', now).execute())
  }
}

type Prepared = ReturnType<typeof prepare<{ inserted?: number; jti?: string }>>
const insertStatements = new WeakMap<object, { plain: Prepared; locking?: Prepared }>()

/**
 * The `jti` insert of every read, prepared once per database (built and compiled by Kysely on the
 * first read, then only executed): SQLite's plain insert, and PostgreSQL's insert that takes the
 * vault's lock in the same statement. Keyed by the executor's adapter, one per database.
 */
function insertStatementsFor(trx: Trx): { plain: Prepared; locking?: Prepared } {
  const adapter = trx.getExecutor().adapter
  let statements = insertStatements.get(adapter)
  if (statements === undefined) {
    const plain = prepare<{ jti: string }>(
      trx
        .insertInto('dpop_jti')
        .values({ jkt: slot('scope'), jti: slot('jti'), expires_at: slot<number>('expiresAt') })
        .onConflict((c) => c.doNothing())
        .returning('jti'),
    )
    const locking = sql<{ inserted: number }>`WITH fresh AS (
        INSERT INTO dpop_jti (jkt, jti, expires_at) VALUES (${slot('scope')}, ${slot('jti')}, ${slot('expiresAt')})
        ON CONFLICT DO NOTHING RETURNING 1)
      SELECT (SELECT count(*) FROM fresh)::int AS inserted, pg_advisory_xact_lock(hashtext(${slot('lockName')}))::text AS locked`
    statements = isPostgres(trx) ? { plain, locking: prepare({ compile: () => locking.compile(trx) }) } : { plain }
    insertStatements.set(adapter, statements)
  }
  return statements
}

/** Records a one-time id, locking the vault in the same statement on PostgreSQL. True if it was new. */
async function insertAndLock(trx: Trx, proof: OneTimeId, vaultId: string | undefined): Promise<boolean> {
  const { plain, locking } = insertStatementsFor(trx)
  const values = { scope: proof.scope, jti: proof.jti, expiresAt: proof.expiresAt }
  if (vaultId !== undefined && locking !== undefined) {
    const rows = await locking(trx, { ...values, lockName: vaultLockName(vaultId) })
    return rows[0]?.inserted === 1
  }
  return (await plain(trx, values)).length === 1
}
