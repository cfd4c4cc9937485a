import type { AuthorizationDetail } from '@holdall/protocol'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault, type Trx } from '../db/transactions.js'
import { HttpProblem } from '../errors.js'
import { pauseFor } from '../fault-injection.js'
import { leaves } from '../rules/log-entries.js'
import { addGrantWraps, deleteGrantWraps, vaultRecords } from './grant-wraps.js'
import type { AccessLog } from './log.js'

export interface NewGrant {
  readonly id: string
  readonly vaultId: string
  readonly requestId: string
  readonly clientId: string
  readonly clientName: string
  readonly receipt: string
  readonly details: AuthorizationDetail[]
  readonly expiresAt: number
  /** Issue 19: the grant starts at this host time (a cooling-off); undefined: at once. */
  readonly startsAt?: number
  readonly wraps: readonly { record_id: string; version: number; wrap: string }[]
  /** Record types the approved details cover: every wrap must be for one of them. */
  readonly types: ReadonlySet<string>
}

/** Grants: every query on `grants`, and the approval and revocation transactions that change one. */
export class GrantRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  /** Grants with the name of the client they were given to (from its request). */
  #withClientName() {
    return this.#db
      .selectFrom('grants')
      .leftJoin('auth_requests', 'auth_requests.id', 'grants.request_id')
      .selectAll('grants')
      .select(['auth_requests.client_name', 'auth_requests.client_category'])
  }

  find(grantId: string) {
    return this.#withClientName().where('grants.id', '=', grantId).executeTakeFirst()
  }

  inVault(vaultId: string) {
    return this.#withClientName().where('grants.vault_id', '=', vaultId).orderBy('grants.created_at').execute()
  }

  /** Records the approval: wraps, grant and request in one transaction, logged. */
  async approve(grant: NewGrant, actor: string): Promise<void> {
    await inVault(this.#db, grant.vaultId, async (trx) => {
      const records = await vaultRecords(
        trx,
        grant.vaultId,
        grant.wraps.map((w) => w.record_id),
      )
      for (const wrap of grant.wraps) {
        const record = records.get(wrap.record_id)
        if (record === undefined || !grant.types.has(record.record_type) || record.latest_version !== wrap.version) {
          throw new HttpProblem('forbidden', 'a wrap is for a record the grant does not cover')
        }
        // [SUP-VER-03]: a replaced record is never shared as current.
        if (record.superseded_by !== null) throw new HttpProblem('superseded', 'a newer version replaced a record')
      }
      await addGrantWraps(trx, grant.vaultId, grant.id, grant.wraps)
      await this.#insert(trx, grant)
      const updated = await trx
        .updateTable('auth_requests')
        .set({ status: 'approved', grant_id: grant.id })
        .where('id', '=', grant.requestId)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      await pauseFor('approval-in-transaction')
      if (Number(updated.numUpdatedRows) !== 1) throw new HttpProblem('conflict', 'the request was already answered')
      await this.#log.append(
        trx,
        grant.vaultId,
        'request_approved',
        actor,
        {
          request_id: grant.requestId,
          grant_id: grant.id,
          client_name: grant.clientName,
          record_types: [...grant.types],
          expires_at: grant.expiresAt,
          ...(grant.startsAt === undefined ? {} : { starts_at: grant.startsAt }),
        },
        leaves.grantApproved(grant.requestId, grant.id, grant.receipt),
      )
    })
  }

  async #insert(trx: Trx, grant: NewGrant) {
    await trx
      .insertInto('grants')
      .values({
        id: grant.id,
        vault_id: grant.vaultId,
        client_id: grant.clientId,
        request_id: grant.requestId,
        receipt: grant.receipt,
        authorization_details: JSON.stringify(grant.details),
        expires_at: grant.expiresAt,
        status: 'active',
        created_at: this.#clock(),
        revoked_at: null,
        starts_at: grant.startsAt ?? null,
      })
      .execute()
  }

  /** Revokes at once: its tokens die and its wraps go (security.md D7). False if there is no such grant. */
  revoke(vaultId: string, grantId: string, actor: string): Promise<boolean> {
    const now = this.#clock()
    return inVault(this.#db, vaultId, async (trx) => {
      const row = await trx
        .selectFrom('grants')
        .select(['status', 'client_id'])
        .where('id', '=', grantId)
        .where('vault_id', '=', vaultId)
        .executeTakeFirst()
      if (row === undefined) return false
      if (row.status === 'revoked') return true
      await trx.updateTable('grants').set({ status: 'revoked', revoked_at: now }).where('id', '=', grantId).execute()
      await trx.updateTable('tokens').set({ revoked: 1 }).where('grant_id', '=', grantId).execute()
      await deleteGrantWraps(trx, grantId)
      await pauseFor('revocation-in-transaction')
      await this.#log.append(
        trx,
        vaultId,
        'grant_revoked',
        actor,
        { grant_id: grantId, client_id: row.client_id },
        leaves.grantRevoked(grantId),
      )
      return true
    })
  }
}
