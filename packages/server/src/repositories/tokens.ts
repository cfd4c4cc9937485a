import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import type { TokenTable } from '../db/schema.js'

export type NewTokenRow = Omit<TokenTable, 'token_hash' | 'kind' | 'expires_at'>

/** An access token with what authenticating it needs: its grant's state or its device's, in one statement. */
export interface AccessTokenRow {
  readonly subject_type: 'device' | 'client'
  readonly subject: string
  readonly vault_id: string
  readonly grant_id: string | null
  readonly jkt: string
  readonly expires_at: number
  readonly revoked: number
  readonly grant_status: 'active' | 'revoked' | null
  readonly grant_expires_at: number | null
  readonly device_status: 'active' | 'removed' | null
}

/** Access and refresh tokens, stored by hash only: every query on `tokens`. */
export class TokenRepository {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async insertPair(
    row: NewTokenRow,
    access: { hash: string; expiresAt: number },
    refresh: { hash: string; expiresAt: number },
  ): Promise<void> {
    await this.#db
      .insertInto('tokens')
      .values([
        { ...row, token_hash: access.hash, kind: 'access', expires_at: access.expiresAt },
        { ...row, token_hash: refresh.hash, kind: 'refresh', expires_at: refresh.expiresAt },
      ])
      .execute()
  }

  access(hash: string): Promise<AccessTokenRow | undefined> {
    return this.#db
      .selectFrom('tokens')
      .leftJoin('grants', 'grants.id', 'tokens.grant_id')
      .leftJoin('devices', (j) => j.onRef('devices.id', '=', 'tokens.subject').on('tokens.subject_type', '=', 'device'))
      .select([
        'tokens.subject_type',
        'tokens.subject',
        'tokens.vault_id',
        'tokens.grant_id',
        'tokens.jkt',
        'tokens.expires_at',
        'tokens.revoked',
        'grants.status as grant_status',
        'grants.expires_at as grant_expires_at',
        'devices.status as device_status',
      ])
      .where('tokens.token_hash', '=', hash)
      .where('tokens.kind', '=', 'access')
      .executeTakeFirst()
  }

  refresh(hash: string) {
    return this.#db
      .selectFrom('tokens')
      .leftJoin('grants', 'grants.id', 'tokens.grant_id')
      .selectAll('tokens')
      .select(['grants.status as grant_status', 'grants.expires_at as grant_expires_at'])
      .where('tokens.token_hash', '=', hash)
      .where('tokens.kind', '=', 'refresh')
      .executeTakeFirst()
  }

  async revokeFamily(family: string): Promise<void> {
    await this.#db.updateTable('tokens').set({ revoked: 1 }).where('family', '=', family).execute()
  }

  /** Marks a refresh token exchanged (the first time only: the grace period runs from then). */
  async markRotated(hash: string, rotatedAt: number | null): Promise<void> {
    await this.#db
      .updateTable('tokens')
      .set({ rotated_at: rotatedAt ?? this.#clock() })
      .where('token_hash', '=', hash)
      .execute()
  }
}
