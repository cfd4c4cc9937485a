import type { NonceStore } from '../auth/dpop-nonces.js'
import type { Db } from '../db/database.js'

/** The scope under which nonces sit in the one-time-id table; no key thumbprint looks like it. */
const SCOPE = 'dpop-nonce'

/**
 * DPoP nonces in the table of one-time ids (`dpop_jti`), which every instance on the database
 * shares and the app sweeps by `expires_at`: a nonce is a row (scope, nonce, expiry).
 */
export class DatabaseNonceStore implements NonceStore {
  readonly #db: Db

  constructor(db: Db) {
    this.#db = db
  }

  async remember(nonce: string, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('dpop_jti')
      .values({ jkt: SCOPE, jti: nonce, expires_at: expiresAt })
      .onConflict((c) => c.doNothing())
      .execute()
  }

  async expiry(nonce: string): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('dpop_jti')
      .select('expires_at')
      .where('jkt', '=', SCOPE)
      .where('jti', '=', nonce)
      .executeTakeFirst()
    return row === undefined ? undefined : Number(row.expires_at)
  }
}
