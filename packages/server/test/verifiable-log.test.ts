import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompactRange, encodeLogEntry, leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '@holdall/log'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenedDatabase, openDatabase } from '../src/db/database.js'
import { AccessLog } from '../src/repositories/log.js'
import { VerifiableLog } from '../src/repositories/verifiable-log.js'
import { leaves } from '../src/rules/log-entries.js'
import { freshPostgresDatabase, TEST_POSTGRES_URL, testDatabaseKind } from './harness.js'

/*
 * The host's store of each vault's verifiable log, on a real database (both vitest projects),
 * opened twice as two instances would: what it computes must be the tree of @holdall/log, and its
 * proofs must verify.
 */
describe(`[LOG-HASH-01] the verifiable log's rows on ${testDatabaseKind}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'holdall-vlog-'))
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

  const AT = 1_800_000_000_000
  const id = (n: number) => Buffer.alloc(16, n).toString('base64url')
  const leaf = (i: number) => leaves.keyServed(id(i % 7), id(i & 0xff), 1 + (i % 3))
  const entry = (i: number) => encodeLogEntry({ ...leaf(i), at: AT })

  it('[LOG-HOST-01] appends with the access log from two instances, and gives the roots, entries and proofs of the reference tree', async () => {
    const clock = () => AT
    const appenders = [new AccessLog(one.db, clock), new AccessLog(two.db, clock)]
    const logs = [new VerifiableLog(one.db), new VerifiableLog(two.db)]
    const dbs = [one.db, two.db]
    const reference = new MerkleTree()
    const vaultId = 'vault-a'
    for (let i = 0; i < 70; i++) {
      const which = i % 2
      const index = await (dbs[which] as OpenedDatabase['db'])
        .transaction()
        .execute((trx) => (appenders[which] as AccessLog).append(trx, vaultId, 'key_served', 'c', {}, leaf(i)))
      expect(index).toBe(i)
      reference.append(entry(i))
      // Roots asked for part way, from either instance: the node store catches up in steps.
      if (i === 0 || i === 20 || i === 41)
        expect(Buffer.from(await (logs[1 - which] as VerifiableLog).root(vaultId, i + 1)).toString('hex')).toBe(
          Buffer.from(reference.root(i + 1)).toString('hex'),
        )
    }
    // Another vault's log is separate.
    await one.db
      .transaction()
      .execute((trx) => (appenders[0] as AccessLog).append(trx, 'vault-b', 'key_served', 'c', {}, leaf(999)))
    const log = logs[1] as VerifiableLog
    expect(await log.size(vaultId)).toBe(70)
    expect(await log.size('vault-b')).toBe(1)
    expect(await log.size('vault-none')).toBe(0)
    for (const size of [0, 1, 2, 3, 8, 33, 64, 70])
      expect(Buffer.from(await log.root(vaultId, size)).toString('hex')).toBe(
        Buffer.from(reference.root(size)).toString('hex'),
      )
    const range = CompactRange.empty()
    for (const e of await log.entries(vaultId, 0, 70)) range.append(leafHash(e))
    expect(Buffer.from(range.root()).equals(Buffer.from(reference.root()))).toBe(true)
    for (const [index, size] of [
      [0, 1],
      [5, 70],
      [69, 70],
      [31, 33],
    ] as const) {
      const proof = await log.inclusionProof(vaultId, index, size)
      expect(proof.map((h) => Buffer.from(h).toString('hex'))).toEqual(
        reference.inclusionProof(index, size).map((h) => Buffer.from(h).toString('hex')),
      )
      verifyInclusion(leafHash(entry(index)), index, size, proof, reference.root(size))
    }
    for (const [from, to] of [
      [0, 70],
      [1, 70],
      [37, 70],
      [64, 70],
      [69, 70],
      [70, 70],
      [3, 33],
    ] as const)
      verifyConsistency(
        from,
        to,
        reference.root(from),
        reference.root(to),
        await log.consistencyProof(vaultId, from, to),
      )
  })
})
