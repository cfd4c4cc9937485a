import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenedDatabase, openDatabase } from '../src/db/database.js'
import { PairingGuesses } from '../src/oauth/pairing-guesses.js'
import { BLOB_CHUNK_BYTES, DatabaseBlobStore } from '../src/services/database-blob-store.js'
import { rateLimitStoreFor } from '../src/services/rate-limit-store.js'
import { DatabaseCounter } from '../src/services/shared-counter.js'
import { WriteQueue } from '../src/services/write-queue.js'
import { freshPostgresDatabase, TEST_POSTGRES_URL, testDatabaseKind } from './harness.js'

/*
 * The pieces several instances share, each opened twice on one database as two instances
 * would open them (on PostgreSQL: two connection pools). Runs in both vitest projects.
 */
describe(`shared state on ${testDatabaseKind}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-shared-'))
  let drop: (() => Promise<void>) | undefined
  let one: OpenedDatabase
  let two: OpenedDatabase

  beforeAll(async () => {
    let databaseUrl: string | undefined
    if (TEST_POSTGRES_URL !== undefined) {
      const fresh = await freshPostgresDatabase(TEST_POSTGRES_URL)
      databaseUrl = fresh.url
      drop = fresh.drop
    }
    one = await openDatabase({ dataDir, databaseUrl })
    two = await openDatabase({ dataDir, databaseUrl })
  })
  afterAll(async () => {
    await one?.db.destroy()
    await two?.db.destroy()
    await drop?.()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('a rate-limit counter counts every hit from two instances, and restarts when its window ends', async () => {
    let now = 1_000_000
    const a = new DatabaseCounter(one.db, () => now)
    const b = new DatabaseCounter(two.db, () => now)
    const hits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).hit('ip:192.0.2.7', 60_000)),
    )
    expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(hits[0]?.resetAt).toBe(1_060_000)
    expect((await a.hit('ip:192.0.2.8', 60_000)).count).toBe(1)
    now += 60_000
    expect(await b.hit('ip:192.0.2.7', 60_000)).toEqual({ count: 1, resetAt: 1_120_000 })
  })

  it('[API-PAIR-01] wrong pairing codes counted on one instance hold the other back, per client and in all', async () => {
    let now = 9_000_000
    const a = new PairingGuesses(new DatabaseCounter(one.db, () => now))
    const b = new PairingGuesses(new DatabaseCounter(two.db, () => now))
    for (let i = 0; i < 10; i++) await (i % 2 === 0 ? a : b).count('https://guesser.example/client')
    expect(await a.tooMany('https://guesser.example/client')).toBe(true)
    expect(await b.tooMany('https://guesser.example/client')).toBe(true)
    expect(await b.tooMany('https://honest.example/client')).toBe(false)
    // Many client ids together: the limit over all clients holds on both instances.
    for (let i = 10; i < 200; i++) await (i % 2 === 0 ? a : b).count(`https://guesser.example/client-${i}`)
    expect(await a.tooMany('https://honest.example/client')).toBe(true)
    expect(await b.tooMany('https://honest.example/client')).toBe(true)
    now += 10 * 60_000
    expect(await a.tooMany('https://guesser.example/client')).toBe(false)
  })

  it('a @fastify/rate-limit store over the counter reports the count and time left from either instance', async () => {
    let now = 5_000_000
    const StoreA = rateLimitStoreFor(new DatabaseCounter(one.db, () => now), () => now)
    const StoreB = rateLimitStoreFor(new DatabaseCounter(two.db, () => now), () => now)
    const incr = (store: InstanceType<typeof StoreA>) =>
      new Promise<{ current: number; ttl: number }>((resolve, reject) =>
        store.incr(
          'route:/oauth/token|ip:192.0.2.9',
          (error, result) => (error ? reject(error) : resolve(result as never)),
          10_000,
          5,
        ),
      )
    const tokenRoute = { routeInfo: { method: 'POST', url: '/oauth/token' } }
    const onA = new StoreA().child(tokenRoute) as InstanceType<typeof StoreA>
    const onB = new StoreB().child(tokenRoute) as InstanceType<typeof StoreA>
    expect(await incr(onA)).toEqual({ current: 1, ttl: 10_000 })
    now += 4_000
    expect(await incr(onB)).toEqual({ current: 2, ttl: 6_000 })
    // The global limit and another route's limit count apart, as the plugin's own stores do.
    expect(await incr(new StoreA())).toMatchObject({ current: 1 })
    const other = new StoreB().child({ routeInfo: { method: 'POST', url: '/vaults' } }) as InstanceType<typeof StoreA>
    expect(await incr(other)).toMatchObject({ current: 1 })
  })

  it('group commit: concurrent writes share transactions, every one is committed, and a failing one fails alone', async () => {
    const queue = new WriteQueue(one.db, { batch: true })
    const vaultId = `vault-${randomBytes(4).toString('hex')}`
    await one.db
      .insertInto('vaults')
      .values({ id: vaultId, key_epoch: 0, inbox_public_jwk: '{}', inbox_statement: 'x', used_bytes: 0, created_at: 1 })
      .execute()
    const writes = Array.from({ length: 50 }, (_, i) =>
      queue.run(async (trx) => {
        if (i === 17) throw new Error('this one fails')
        await trx
          .insertInto('dpop_jti')
          .values({ jkt: vaultId, jti: `jti-${i}`, expires_at: 1 })
          .execute()
        return i
      }),
    )
    const settled = await Promise.allSettled(writes)
    expect(settled.filter((s) => s.status === 'rejected').length).toBe(1)
    expect((settled[17] as PromiseRejectedResult).reason).toMatchObject({ message: 'this one fails' })
    const stored = await two.db.selectFrom('dpop_jti').select('jti').where('jkt', '=', vaultId).execute()
    expect(stored.length).toBe(49)
  })

  it('an envelope stored in the database by one instance streams back whole from the other, in bounded chunks', async () => {
    const body = randomBytes(Math.floor(BLOB_CHUNK_BYTES * 2.5))
    const sha256 = createHash('sha256').update(body).digest('base64url')
    const storeA = new DatabaseBlobStore(one.db)
    const storeB = new DatabaseBlobStore(two.db)
    // Arrives in 64 KiB pieces, as from a socket.
    const pieces = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) =>
      body.subarray(i * 65_536, (i + 1) * 65_536),
    )
    await storeA.write(Readable.from(pieces), sha256, body.length)
    expect(await storeB.size(sha256)).toBe(body.length)
    const chunks = await two.db.selectFrom('blob_chunks').select('idx').execute()
    expect(chunks.length).toBe(3)
    const read: Buffer[] = []
    for await (const piece of storeB.read(sha256)) {
      expect(piece.length).toBeLessThanOrEqual(BLOB_CHUNK_BYTES + 65_536)
      read.push(piece)
    }
    expect(Buffer.concat(read).equals(body)).toBe(true)
    const wrong = randomBytes(4096)
    const otherAddress = createHash('sha256').update('another envelope').digest('base64url')
    await expect(storeA.write(Readable.from([wrong]), otherAddress, wrong.length)).rejects.toMatchObject({
      code: 'envelope_invalid',
    })
    expect((await two.db.selectFrom('blob_chunks').select('idx').execute()).length).toBe(3)
  })
})
