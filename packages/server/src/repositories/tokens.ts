import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { prepare, slot } from '../db/prepared.js'
import type { TokenTable } from '../db/schema.js'

export type NewTokenRow = Omit<TokenTable, 'token_hash' | 'kind' | 'expires_at'>

/**
 * An access token with everything authenticating it needs, in one statement: its device's state,
 * or its grant (the whole row, with the client's name and category from the request behind it),
 * so a grantee's route never reads the grant again.
 */
export interface AccessTokenRow {
  readonly subject_type: 'device' | 'client'
  readonly subject: string
  readonly vault_id: string
  readonly grant_id: string | null
  readonly jkt: string
  readonly expires_at: number
  readonly revoked: number
  readonly device_status: 'active' | 'removed' | null
  readonly grant_status: 'active' | 'revoked' | null
  readonly grant_expires_at: number | null
  readonly grant_client_id: string | null
  readonly grant_receipt: string | null
  readonly grant_details: string | null
  readonly grant_created_at: number | null
  readonly grant_starts_at: number | null
  readonly client_name: string | null
  readonly client_category: string | null
  /** The vault's move as this host sees it (spec chapter 12); null: live here as always. */
  readonly move_role: 'export' | 'import' | null
  readonly move_state: 'moving' | 'tombstoned' | 'importing' | 'live' | null
}

function accessQuery(db: Db) {
  return db
    .selectFrom('tokens')
    .leftJoin('grants', 'grants.id', 'tokens.grant_id')
    .leftJoin('auth_requests', 'auth_requests.id', 'grants.request_id')
    .leftJoin('devices', (j) => j.onRef('devices.id', '=', 'tokens.subject').on('tokens.subject_type', '=', 'device'))
    .leftJoin('vault_moves', 'vault_moves.vault_id', 'tokens.vault_id')
    .select([
      'tokens.subject_type',
      'tokens.subject',
      'tokens.vault_id',
      'tokens.grant_id',
      'tokens.jkt',
      'tokens.expires_at',
      'tokens.revoked',
      'devices.status as device_status',
      'grants.status as grant_status',
      'grants.expires_at as grant_expires_at',
      'grants.client_id as grant_client_id',
      'grants.receipt as grant_receipt',
      'grants.authorization_details as grant_details',
      'grants.created_at as grant_created_at',
      'grants.starts_at as grant_starts_at',
      'auth_requests.client_name',
      'auth_requests.client_category',
      'vault_moves.role as move_role',
      'vault_moves.state as move_state',
    ])
    .where('tokens.token_hash', '=', slot('hash'))
    .where('tokens.kind', '=', 'access')
}

/** Access and refresh tokens, stored by hash only: every query on `tokens`. */
export class TokenRepository {
  readonly #db: Db
  readonly #clock: Clock
  readonly #access: ReturnType<typeof prepare<AccessTokenRow>>

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
    this.#access = prepare<AccessTokenRow>(accessQuery(db))
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

  /** The access token with this hash, with its device or grant: one prepared statement. */
  async access(hash: string): Promise<AccessTokenRow | undefined> {
    return (await this.#access(this.#db, { hash }))[0]
  }

  /** What an open event stream re-checks: its token's expiry, revocation and family, and its device's state. */
  stream(hash: string) {
    return this.#db
      .selectFrom('tokens')
      .leftJoin('devices', (j) => j.onRef('devices.id', '=', 'tokens.subject').on('tokens.subject_type', '=', 'device'))
      .select(['tokens.expires_at', 'tokens.revoked', 'tokens.family', 'devices.status as device_status'])
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
