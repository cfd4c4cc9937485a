import type { AuthorizationDetail } from '@holdall/protocol'
import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault } from '../db/transactions.js'
import { sha256Base64url } from '../hashing.js'
import { leaves } from '../rules/log-entries.js'
import type { AccessLog } from './log.js'

export interface NewRequest {
  readonly id: string
  readonly vaultId: string
  readonly clientId: string
  readonly clientName: string
  readonly clientCategory: string
  readonly clientKeys: { signing: unknown; agreement: unknown }
  readonly details: AuthorizationDetail[]
  readonly bindingMessage: string
  readonly expiresAt: number
}

/**
 * Pairing codes and the authorisation requests they open (CIBA), with the idempotency records of
 * the backchannel endpoint: every query on `pairing_codes`, `auth_requests` and `idempotency`.
 */
export class RequestRepository {
  readonly #db: Db
  readonly #log: AccessLog
  readonly #clock: Clock

  constructor(db: Db, log: AccessLog, clock: Clock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
  }

  /** Stores a pairing code by its hash only: the code itself is shown once, to the holder. */
  async addPairingCode(vaultId: string, code: string, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('pairing_codes')
      .values({
        code_hash: sha256Base64url(code),
        vault_id: vaultId,
        expires_at: expiresAt,
        used_at: null,
        created_at: this.#clock(),
      })
      .execute()
  }

  /** The vault a live, unused pairing code opens, marking it used (once, even under races); else undefined. */
  async redeemPairingCode(code: string): Promise<string | undefined> {
    const now = this.#clock()
    const pairing = await this.#db
      .selectFrom('pairing_codes')
      .selectAll()
      .where('code_hash', '=', sha256Base64url(code))
      .executeTakeFirst()
    if (pairing === undefined || pairing.used_at !== null || pairing.expires_at <= now) return undefined
    const used = await this.#db
      .updateTable('pairing_codes')
      .set({ used_at: now })
      .where('code_hash', '=', pairing.code_hash)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    return Number(used.numUpdatedRows) === 1 ? pairing.vault_id : undefined
  }

  async create(request: NewRequest): Promise<void> {
    const now = this.#clock()
    await inVault(this.#db, request.vaultId, async (trx) => {
      await trx
        .insertInto('auth_requests')
        .values({
          id: request.id,
          vault_id: request.vaultId,
          client_id: request.clientId,
          client_name: request.clientName,
          client_category: request.clientCategory,
          client_keys: JSON.stringify(request.clientKeys),
          authorization_details: JSON.stringify(request.details),
          binding_message: request.bindingMessage,
          status: 'pending',
          grant_id: null,
          redeemed_at: null,
          expires_at: request.expiresAt,
          created_at: now,
        })
        .execute()
      await this.#log.append(
        trx,
        request.vaultId,
        'request_created',
        request.clientId,
        {
          request_id: request.id,
          client_name: request.clientName,
          record_types: request.details.flatMap((d) => d.record_types),
        },
        leaves.requestMade(request.id, request.clientId),
      )
    })
  }

  find(vaultId: string, requestId: string) {
    return this.#db
      .selectFrom('auth_requests')
      .selectAll()
      .where('id', '=', requestId)
      .where('vault_id', '=', vaultId)
      .executeTakeFirst()
  }

  /** A request as the client that made it may redeem it. */
  findForClient(requestId: string, clientId: string) {
    return this.#db
      .selectFrom('auth_requests')
      .selectAll()
      .where('id', '=', requestId)
      .where('client_id', '=', clientId)
      .executeTakeFirst()
  }

  pending(vaultId: string) {
    return this.#db
      .selectFrom('auth_requests')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', this.#clock())
      .orderBy('created_at')
      .execute()
  }

  /** Denies a pending, unexpired request, logged in the same transaction. False if it was not open. */
  deny(vaultId: string, requestId: string, actor: string): Promise<boolean> {
    return inVault(this.#db, vaultId, async (trx) => {
      const updated = await trx
        .updateTable('auth_requests')
        .set({ status: 'denied' })
        .where('id', '=', requestId)
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'pending')
        // [API-REQ-04] An expired request stays expired: the service keeps its expired_token.
        .where('expires_at', '>', this.#clock())
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) return false
      await this.#log.append(
        trx,
        vaultId,
        'request_denied',
        actor,
        { request_id: requestId },
        leaves.grantDenied(requestId),
      )
      return true
    })
  }

  /**
   * Claims the one redemption of an approved request (spec API-REQ-07): true for the first
   * caller only. The conditional update is the claim, so two redemptions at once cannot both win.
   */
  async claimRedemption(requestId: string): Promise<boolean> {
    const claimed = await this.#db
      .updateTable('auth_requests')
      .set({ redeemed_at: this.#clock() })
      .where('id', '=', requestId)
      .where('redeemed_at', 'is', null)
      .executeTakeFirst()
    return Number(claimed.numUpdatedRows) === 1
  }

  /** The answer already given to this client for this Idempotency-Key, if any. */
  previousAnswer(clientId: string, key: string) {
    return this.#db
      .selectFrom('idempotency')
      .select(['status', 'body'])
      .where('principal', '=', clientId)
      .where('key', '=', key)
      .executeTakeFirst()
  }

  async rememberAnswer(clientId: string, key: string, body: object): Promise<void> {
    await this.#db
      .insertInto('idempotency')
      .values({
        principal: clientId,
        key,
        request_hash: '',
        status: 200,
        body: JSON.stringify(body),
        created_at: this.#clock(),
      })
      .onConflict((c) => c.doNothing())
      .execute()
  }
}
