import {
  consistencyPathRanges,
  consistencyProof,
  inclusionPathRanges,
  inclusionProof,
  leafHash,
  type NodeId,
  type NodeReader,
  nodesCompletedByAppend,
  nodesForRanges,
  rangeNodes,
  treeRoot,
} from '@holdall/log'
import type { Db } from '../db/database.js'
import type { Trx } from '../db/transactions.js'

type Reader = Db | Trx

/**
 * Each vault's verifiable log (spec chapter 8): entries in their canonical bytes, and the hash of
 * every perfect subtree the log has completed. An append reads the left siblings it joins and
 * writes the leaf and the subtrees it completes (under two rows on average, log2 n at most); a
 * root or proof reads the O(log n) subtrees it needs in one query.
 *
 * `append` runs inside the transaction that changes the vault and holds its lock
 * (db/transactions.ts), like the access log's, so the entry and its change commit together and
 * two instances never append at the same index. Not yet wired to the routes: see spec 8.8.
 */
export class VerifiableLog {
  readonly #db: Db

  constructor(db: Db) {
    this.#db = db
  }

  /** Appends one canonical entry; returns its index. */
  async append(trx: Trx, vaultId: string, entry: Uint8Array): Promise<number> {
    const index = await this.size(vaultId, trx)
    const leaf = leafHash(entry)
    // The left siblings an append joins: one per trailing one bit of the index.
    const siblings: NodeId[] = []
    for (let level = 0, position = index; position % 2 === 1; level++, position = Math.floor(position / 2))
      siblings.push({ level, index: position - 1 })
    const read = await this.#reader(trx, vaultId, siblings)
    const completed = nodesCompletedByAppend(index, leaf, read)
    await trx.insertInto('log_leaves').values({ vault_id: vaultId, idx: index, entry }).execute()
    await trx
      .insertInto('log_nodes')
      .values(completed.map((n) => ({ vault_id: vaultId, level: n.level, idx: n.index, hash: n.hash })))
      .execute()
    return index
  }

  async size(vaultId: string, db: Reader = this.#db): Promise<number> {
    const row = await db
      .selectFrom('log_leaves')
      .select(({ fn }) => fn.max('idx').as('last'))
      .where('vault_id', '=', vaultId)
      .executeTakeFirst()
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1
  }

  async root(vaultId: string, size: number): Promise<Uint8Array> {
    const read = await this.#reader(this.#db, vaultId, size === 0 ? [] : rangeNodes({ start: 0, end: size }))
    return treeRoot(read, size)
  }

  async entries(vaultId: string, start: number, end: number): Promise<Uint8Array[]> {
    const rows = await this.#db
      .selectFrom('log_leaves')
      .select('entry')
      .where('vault_id', '=', vaultId)
      .where('idx', '>=', start)
      .where('idx', '<', end)
      .orderBy('idx')
      .execute()
    return rows.map((r) => new Uint8Array(r.entry))
  }

  async inclusionProof(vaultId: string, index: number, size: number): Promise<Uint8Array[]> {
    const read = await this.#reader(this.#db, vaultId, nodesForRanges(inclusionPathRanges(index, size)))
    return inclusionProof(read, index, size)
  }

  async consistencyProof(vaultId: string, oldSize: number, newSize: number): Promise<Uint8Array[]> {
    const read = await this.#reader(this.#db, vaultId, nodesForRanges(consistencyPathRanges(oldSize, newSize)))
    return consistencyProof(read, oldSize, newSize)
  }

  /** Reads the given subtrees in one query and serves them to the tree functions. */
  async #reader(db: Reader, vaultId: string, nodes: readonly NodeId[]): Promise<NodeReader> {
    const found = new Map<string, Uint8Array>()
    if (nodes.length > 0) {
      const rows = await db
        .selectFrom('log_nodes')
        .select(['level', 'idx', 'hash'])
        .where('vault_id', '=', vaultId)
        .where((eb) => eb.or(nodes.map((n) => eb.and([eb('level', '=', n.level), eb('idx', '=', n.index)]))))
        .execute()
      for (const row of rows) found.set(`${row.level}/${Number(row.idx)}`, new Uint8Array(row.hash))
    }
    return ({ level, index }) => {
      const hash = found.get(`${level}/${index}`)
      if (hash === undefined) throw new Error(`log node ${level}/${index} of a vault is missing`)
      return hash
    }
  }
}
