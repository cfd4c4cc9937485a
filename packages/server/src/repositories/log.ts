import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { Trx } from '../db/transactions.js'
import { sha256Base64url } from '../hashing.js'

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

const GENESIS = sha256Base64url('holdall/v1/access-log/genesis')

/**
 * The per-vault access log: append-only and hash-chained, each entry's hash covering the one
 * before it, so the holder's device can detect an edited or truncated history. (A verifiable
 * Merkle log with signed checkpoints replaces the chain in a later version.) Details never hold
 * record content, only ids, types and names.
 *
 * `append` runs inside the transaction that changes the vault and holds its lock
 * (db/transactions.ts), so two instances never read the same head and an entry never exists
 * without its change (or the change without its entry).
 */
export class AccessLog {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async append(
    trx: Trx,
    vaultId: string,
    event: LogEvent,
    actor: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const last = await trx
      .selectFrom('access_log')
      .select(['seq', 'hash'])
      .where('vault_id', '=', vaultId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst()
    const seq = last === undefined ? 0 : last.seq + 1
    const prevHash = last?.hash ?? GENESIS
    const at = this.#clock()
    const body = JSON.stringify({ vault_id: vaultId, seq, at, event, actor, details })
    await trx
      .insertInto('access_log')
      .values({
        vault_id: vaultId,
        seq,
        at,
        event,
        actor,
        details: JSON.stringify(details),
        prev_hash: prevHash,
        hash: sha256Base64url(`${prevHash}\n${body}`),
      })
      .execute()
  }

  entries(vaultId: string) {
    return this.#db.selectFrom('access_log').selectAll().where('vault_id', '=', vaultId).orderBy('seq').execute()
  }
}

export { GENESIS as LOG_GENESIS_HASH }
