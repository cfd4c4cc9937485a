import { type LogEntry as CanonicalEntry, encodeLogEntry } from '@holdall/log'
import { type RawBuilder, sql } from 'kysely'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { isPostgres } from '../db/locks.js'
import { prepare, slot } from '../db/prepared.js'
import type { Trx } from '../db/transactions.js'
import { sha256Base64url } from '../hashing.js'
import type { LeafBody } from '../rules/log-entries.js'

export type LogEvent =
  | 'vault_created'
  | 'device_added'
  | 'record_written'
  | 'deposit_received'
  | 'deposit_accepted'
  | 'request_created'
  | 'request_approved'
  | 'request_denied'
  | 'key_served'
  | 'grant_revoked'
  // devices and recovery (spec chapter 9)
  | 'device_removed'
  | 'epoch_rotated'
  | 'recovery_set_up'
  | 'recovery_started'
  | 'recovery_cancelled'
  | 'recovery_share_released'
  | 'recovery_completed'
  // leaving (spec chapter 13): the tombstone, the last entry of an erased vault's log
  | 'vault_erased'
  // moving a vault (spec chapter 12)
  | 'vault_moved'
  | 'move_aborted'
  | 'vault_arrived'

export interface LogEntry {
  readonly vaultId: string
  readonly event: LogEvent
  readonly actor: string
  readonly details: Record<string, unknown>
  /** The canonical entry for the vault's Merkle log (rules/log-entries.ts); absent: a `host_event`. */
  readonly leaf?: LeafBody
}

const GENESIS = sha256Base64url('holdall/v1/access-log/genesis')

/**
 * One statement appends an entry: it reads the head (seq and hash of the last entry), builds the
 * entry's body exactly as `JSON.stringify({ vault_id, seq, at, event, actor, details })` would,
 * and hashes `prev_hash + "\n" + body` with SHA-256 (SQLite: a function registered in
 * db/database.ts; PostgreSQL: its built-in sha256()). String values arrive already JSON-encoded,
 * and numbers as their decimal text, so the body is byte for byte what the chain's definition
 * (spec 5.13) says.
 */
function appendStatement(db: Db): { compile(): ReturnType<RawBuilder<{ seq: number | string }>['compile']> } {
  const postgres = isPostgres(db)
  const body = sql<string>`'{"vault_id":' || ${slot('vaultJson')} || ',"seq":' || CAST(h.next_seq AS text) || ',"at":' || ${slot('atText')} || ',"event":' || ${slot('eventJson')} || ',"actor":' || ${slot('actorJson')} || ',"details":' || ${slot('details')} || '}'`
  const hash = postgres
    ? sql`rtrim(translate(encode(sha256(convert_to(h.prev || chr(10) || ${body}, 'UTF8')), 'base64'), '+/', '-_'), '=')`
    : sql`holdall_log_hash(h.prev, ${body})`
  const query = sql`INSERT INTO access_log (vault_id, seq, at, event, actor, details, prev_hash, hash, entry)
    SELECT ${slot('vaultId')}, h.next_seq, CAST(${slot('at')} AS bigint), ${slot('event')}, ${slot('actor')}, ${slot('details')}, h.prev, ${hash}, ${slot('entry')}
    FROM (SELECT coalesce(max(seq) + 1, 0) AS next_seq,
                 coalesce((SELECT hash FROM access_log WHERE vault_id = ${slot('vaultId')} ORDER BY seq DESC LIMIT 1), ${GENESIS}) AS prev
          FROM access_log WHERE vault_id = ${slot('vaultId')}) h
    RETURNING seq`
  return { compile: () => (query as RawBuilder<{ seq: number | string }>).compile(db) }
}

/**
 * The per-vault access log: append-only and hash-chained, each entry's hash covering the one
 * before it. Each row also carries its canonical entry (spec 8.3): row `seq` is leaf `seq` of the
 * vault's verifiable Merkle log (repositories/verifiable-log.ts computes its nodes, roots and
 * proofs), so the same INSERT appends to both and the read path pays no statement for the Merkle
 * log. Details never hold record content, only ids, types and names.
 *
 * `append` runs inside the transaction that changes the vault and holds its lock
 * (db/transactions.ts), so two instances never read the same head and an entry never exists
 * without its change (or the change without its entry). It is one prepared statement.
 */
export class AccessLog {
  readonly #db: Db
  readonly #clock: Clock
  readonly #append: ReturnType<typeof prepare<{ seq: number | string }>>

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
    this.#append = prepare(appendStatement(db))
  }

  /**
   * Appends one event; returns its index (its `seq`, and its leaf index in the Merkle log).
   * `leaf` is the event's canonical entry (build it with `leaves` in rules/log-entries.ts); an
   * event without one is logged in the Merkle log as a `host_event` naming it.
   */
  async append(
    trx: Trx,
    vaultId: string,
    event: LogEvent,
    actor: string,
    details: Record<string, unknown>,
    leaf?: LeafBody,
  ): Promise<number> {
    return (await this.appendLeaf(trx, vaultId, event, actor, details, leaf)).index
  }

  /** As `append`, also returning the canonical entry written (the leaf's bytes, with its `at`). */
  async appendLeaf(
    trx: Trx,
    vaultId: string,
    event: LogEvent,
    actor: string,
    details: Record<string, unknown>,
    leaf?: LeafBody,
  ): Promise<{ readonly index: number; readonly entry: Uint8Array }> {
    const at = this.#clock()
    const entry = encodeLogEntry({ ...(leaf ?? { type: 'host_event', name: event }), at } as CanonicalEntry)
    const rows = await this.#append(trx, {
      entry,
      vaultId,
      vaultJson: JSON.stringify(vaultId),
      at,
      atText: String(at),
      event,
      eventJson: JSON.stringify(event),
      actor,
      actorJson: JSON.stringify(actor),
      details: JSON.stringify(details),
    })
    return { index: Number(rows[0]?.seq), entry }
  }

  entries(vaultId: string) {
    return this.#db.selectFrom('access_log').selectAll().where('vault_id', '=', vaultId).orderBy('seq').execute()
  }
}

export { GENESIS as LOG_GENESIS_HASH }
