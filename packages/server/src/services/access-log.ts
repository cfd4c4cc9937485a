import type { Transaction } from 'kysely'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
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
 * Runs inside a transaction that holds the vault's lock (db/locks.ts), so two instances never
 * read the same head. Appends outside a larger transaction go through ctx.writes (group commit).
 */
export async function appendLog(
  db: Transaction<Database>,
  clock: Clock,
  vaultId: string,
  event: LogEvent,
  actor: string,
  details: Record<string, unknown>,
): Promise<void> {
  const last = await db
    .selectFrom('access_log')
    .select(['seq', 'hash'])
    .where('vault_id', '=', vaultId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  const seq = last === undefined ? 0 : last.seq + 1
  const prevHash = last?.hash ?? GENESIS
  const at = clock()
  const body = JSON.stringify({ vault_id: vaultId, seq, at, event, actor, details })
  await db
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

export { GENESIS as LOG_GENESIS_HASH }
