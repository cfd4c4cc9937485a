import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { inVault, type Trx } from '../db/transactions.js'

/** What a reservation found: the vault already holds the blob, an upload of it is under way, or the quota is full. */
export type Reservation = 'reserved' | 'held' | 'busy' | 'full'

export interface ReserveLimits {
  /** The vault's quota in bytes. */
  readonly quota: number
  /** How long an upload may hold its reservation (longer than any request may take). */
  readonly leaseMs: number
  /** How long an upload no version or deposit names keeps counting, and being kept. */
  readonly unreferencedTtlMs: number
  /** The process streaming it (host:pid), so a restart can free what a dead process reserved. */
  readonly owner: string
}

/**
 * The envelopes each vault holds and the quota they use: every query on `vault_blobs`, and the
 * only writer of `vaults.used_bytes`. A blob belongs to the vault that uploaded it (the bytes
 * themselves are stored once, content-addressed, by the blob store); a version or deposit may name
 * only a blob its own vault holds, and the vault is charged for it once.
 */
export class BlobRepository {
  readonly #db: Db
  readonly #clock: Clock

  constructor(db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /**
   * Reserves the quota for an upload before a byte of it streams: one conditional update, under
   * the vault's lock, so concurrent uploads can never pass the quota together. Expired uploads of
   * this vault are released first. `freed` are addresses no vault holds any more.
   */
  reserve(
    vaultId: string,
    sha256: string,
    length: number,
    limits: ReserveLimits,
  ): Promise<{ outcome: Reservation; freed: string[] }> {
    const now = this.#clock()
    return inVault(this.#db, vaultId, async (trx) => {
      const freed = await this.#expireVault(trx, vaultId, now)
      const row = await trx
        .selectFrom('vault_blobs')
        .select(['state', 'referenced'])
        .where('vault_id', '=', vaultId)
        .where('sha256', '=', sha256)
        .executeTakeFirst()
      if (row?.state === 'uploading') return { outcome: 'busy', freed }
      if (row !== undefined) {
        // Uploaded again before anything named it: it is kept (and counted) for another period.
        if (Number(row.referenced) === 0) await this.#setExpiry(trx, vaultId, sha256, now + limits.unreferencedTtlMs)
        return { outcome: 'held', freed }
      }
      const charged = await trx
        .updateTable('vaults')
        .set((eb) => ({ used_bytes: eb('used_bytes', '+', length) }))
        .where('id', '=', vaultId)
        .where((eb) => eb(eb('used_bytes', '+', length), '<=', limits.quota))
        .executeTakeFirst()
      if (Number(charged.numUpdatedRows) !== 1) return { outcome: 'full', freed }
      await trx
        .insertInto('vault_blobs')
        .values({
          vault_id: vaultId,
          sha256,
          length,
          state: 'uploading',
          referenced: 0,
          expires_at: now + limits.leaseMs,
          owner: limits.owner,
          created_at: now,
        })
        .execute()
      return { outcome: 'reserved', freed }
    })
  }

  /** The upload arrived whole and checked: the vault holds it, unreferenced until a version names it. */
  async stored(vaultId: string, sha256: string, unreferencedTtlMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('vault_blobs')
      .set({ state: 'stored', expires_at: this.#clock() + unreferencedTtlMs, owner: null })
      .where('vault_id', '=', vaultId)
      .where('sha256', '=', sha256)
      .where('state', '=', 'uploading')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** A refused or broken upload: its reservation and its charge go. */
  async release(vaultId: string, sha256: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('vault_blobs')
        .where('vault_id', '=', vaultId)
        .where('sha256', '=', sha256)
        .where('state', '=', 'uploading')
        .returning(['length'])
        .execute()
      await this.#uncharge(trx, vaultId, gone)
    })
  }

  /**
   * Inside a version's or deposit's transaction: names a blob this vault holds with this length,
   * so it never expires. False when the vault holds no such blob (another vault's included).
   */
  async reference(trx: Trx, vaultId: string, sha256: string, length: number): Promise<boolean> {
    const now = this.#clock()
    const result = await trx
      .updateTable('vault_blobs')
      .set({ referenced: 1, expires_at: null })
      .where('vault_id', '=', vaultId)
      .where('sha256', '=', sha256)
      .where('state', '=', 'stored')
      .where('length', '=', length)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Releases every vault's expired uploads (a few hundred at a time); returns addresses no vault holds any more. */
  async expire(limit = 500): Promise<string[]> {
    const now = this.#clock()
    const due = await this.#db
      .selectFrom('vault_blobs')
      .select(['vault_id'])
      .distinct()
      .where('expires_at', '<=', now)
      .limit(limit)
      .execute()
    const freed: string[] = []
    for (const { vault_id } of due) {
      freed.push(...(await this.#db.transaction().execute((trx) => this.#expireVault(trx, vault_id, now))))
    }
    return freed
  }

  /** Frees the reservations of uploads whose process is gone (`abandoned(owner)`), at start. */
  async releaseAbandoned(abandoned: (owner: string) => boolean): Promise<void> {
    const rows = await this.#db
      .selectFrom('vault_blobs')
      .select(['vault_id', 'sha256', 'owner'])
      .where('owner', 'is not', null)
      .execute()
    for (const row of rows) {
      if (row.owner !== null && abandoned(row.owner)) await this.release(row.vault_id, row.sha256)
    }
  }

  /** Whether no vault holds (or is uploading) this blob: then its bytes may go. */
  async heldByNone(sha256: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('vault_blobs')
      .select('vault_id')
      .where('sha256', '=', sha256)
      .executeTakeFirst()
    return row === undefined
  }

  /** Envelope bytes charged to the vault (uploads under way and unexpired uploads included). */
  async usedBytes(vaultId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('vaults')
      .select('used_bytes')
      .where('id', '=', vaultId)
      .executeTakeFirstOrThrow()
    return Number(row.used_bytes)
  }

  async #expireVault(trx: Trx, vaultId: string, now: number): Promise<string[]> {
    const gone = await trx
      .deleteFrom('vault_blobs')
      .where('vault_id', '=', vaultId)
      .where('expires_at', '<=', now)
      .returning(['sha256', 'length'])
      .execute()
    if (gone.length === 0) return []
    await this.#uncharge(trx, vaultId, gone)
    const shas = gone.map((g) => g.sha256)
    const still = await trx.selectFrom('vault_blobs').select('sha256').where('sha256', 'in', shas).execute()
    const held = new Set(still.map((s) => s.sha256))
    return shas.filter((sha) => !held.has(sha))
  }

  async #setExpiry(trx: Trx, vaultId: string, sha256: string, expiresAt: number): Promise<void> {
    await trx
      .updateTable('vault_blobs')
      .set({ expires_at: expiresAt })
      .where('vault_id', '=', vaultId)
      .where('sha256', '=', sha256)
      .execute()
  }

  async #uncharge(trx: Trx, vaultId: string, gone: readonly { length: number }[]): Promise<void> {
    const bytes = gone.reduce((sum, g) => sum + Number(g.length), 0)
    if (bytes === 0) return
    await trx
      .updateTable('vaults')
      .set((eb) => ({ used_bytes: eb('used_bytes', '-', bytes) }))
      .where('id', '=', vaultId)
      .execute()
  }
}
