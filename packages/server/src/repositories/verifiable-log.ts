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
  type StoredNode,
  treeRoot,
} from '@holdall/log'
import type { Db } from '../db/database.js'

/** A vault whose access log began before canonical entries (migration 0005): it has no Merkle log. */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError'
}

/** Leaves hashed into nodes per round trip when the node store catches up with the log. */
const CATCH_UP_BATCH = 4096
/** Rows per INSERT of nodes (four values each, well under SQLite's and PostgreSQL's limits). */
const INSERT_BATCH = 500

/**
 * Each vault's verifiable log (spec chapter 8). Its leaves are the access log's rows: row `seq`
 * carries the canonical entry (spec 8.3) that is leaf `seq`, written by the access log's own
 * INSERT in the transaction of the event it records (repositories/log.ts). So appending to the
 * Merkle log costs an event no statement of its own, and the read path keeps its bound.
 *
 * The hash of every completed perfect subtree is kept in `log_nodes`, filled in when a root or a
 * proof is first asked for at a size beyond what is stored: the leaves fix the tree, so these rows
 * are derived data that any instance may write (the same bytes; a duplicate is ignored). After
 * that, a root or a proof reads the O(log n) subtrees it needs in one query.
 */
export class VerifiableLog {
  readonly #db: Db
  /** Per vault, a size up to which this instance has seen every node stored (they are never removed). */
  readonly #storedUpTo = new Map<string, number>()

  constructor(db: Db) {
    this.#db = db
  }

  /** The number of leaves the vault's log has (its committed access-log rows). */
  async size(vaultId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('access_log')
      .select(({ fn }) => fn.max('seq').as('last'))
      .where('vault_id', '=', vaultId)
      .executeTakeFirst()
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1
  }

  async root(vaultId: string, size: number): Promise<Uint8Array> {
    await this.#catchUp(vaultId, size)
    const read = await this.#reader(vaultId, size === 0 ? [] : rangeNodes({ start: 0, end: size }))
    return treeRoot(read, size)
  }

  /** The canonical entries [start, end), which the caller has checked are in the log. */
  async entries(vaultId: string, start: number, end: number): Promise<Uint8Array[]> {
    const rows = await this.#db
      .selectFrom('access_log')
      .select('entry')
      .where('vault_id', '=', vaultId)
      .where('seq', '>=', start)
      .where('seq', '<', end)
      .orderBy('seq')
      .execute()
    if (rows.length !== end - start) throw new LogUnavailableError('the log has fewer entries than asked for')
    return rows.map((r) => {
      if (r.entry === null) throw new LogUnavailableError('this vault began before its log had entries')
      return new Uint8Array(r.entry)
    })
  }

  async inclusionProof(vaultId: string, index: number, size: number): Promise<Uint8Array[]> {
    await this.#catchUp(vaultId, size)
    const read = await this.#reader(vaultId, nodesForRanges(inclusionPathRanges(index, size)))
    return inclusionProof(read, index, size)
  }

  async consistencyProof(vaultId: string, oldSize: number, newSize: number): Promise<Uint8Array[]> {
    await this.#catchUp(vaultId, newSize)
    const read = await this.#reader(vaultId, nodesForRanges(consistencyPathRanges(oldSize, newSize)))
    return consistencyProof(read, oldSize, newSize)
  }

  /** An inclusion proof and a consistency proof into the same tree, from one read of the nodes. */
  async inclusionAndConsistency(
    vaultId: string,
    index: number,
    size: number,
    from: number | undefined,
  ): Promise<{ readonly inclusion: Uint8Array[]; readonly consistency: Uint8Array[] | undefined }> {
    await this.#catchUp(vaultId, size)
    const ranges = [
      ...inclusionPathRanges(index, size),
      ...(from === undefined ? [] : consistencyPathRanges(from, size)),
    ]
    const read = await this.#reader(vaultId, nodesForRanges(ranges))
    return {
      inclusion: inclusionProof(read, index, size),
      consistency: from === undefined ? undefined : consistencyProof(read, from, size),
    }
  }

  /** The given subtrees of the tree of `size` leaves (which the caller has checked exist), from one read. */
  async nodes(vaultId: string, size: number, nodes: readonly NodeId[]): Promise<NodeReader> {
    await this.#catchUp(vaultId, size)
    return this.#reader(vaultId, nodes)
  }

  /** Stores the nodes of leaves [stored, size): from the stored frontier, one batch of leaves at a time. */
  async #catchUp(vaultId: string, size: number): Promise<void> {
    if ((this.#storedUpTo.get(vaultId) ?? 0) >= size) return
    await this.#catchUpFromDatabase(vaultId, size)
    if (this.#storedUpTo.size >= 10_000) this.#storedUpTo.clear()
    this.#storedUpTo.set(vaultId, size)
  }

  async #catchUpFromDatabase(vaultId: string, size: number): Promise<void> {
    const row = await this.#db
      .selectFrom('log_nodes')
      .select(({ fn }) => fn.max('idx').as('last'))
      .where('vault_id', '=', vaultId)
      .where('level', '=', 0)
      .executeTakeFirst()
    let stored = row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1
    if (stored >= size) return
    const known = new Map<string, Uint8Array>()
    const frontier = stored === 0 ? [] : rangeNodes({ start: 0, end: stored })
    const frontierRead = await this.#reader(vaultId, frontier)
    try {
      for (const node of frontier) known.set(`${node.level}/${node.index}`, frontierRead(node))
    } catch {
      // Derived rows someone removed: start again from the leaves, which fix the tree.
      known.clear()
      stored = 0
    }
    const read: NodeReader = ({ level, index }) => {
      const hash = known.get(`${level}/${index}`)
      if (hash === undefined) throw new Error(`log node ${level}/${index} of a vault is missing`)
      return hash
    }
    while (stored < size) {
      const end = Math.min(size, stored + CATCH_UP_BATCH)
      const leaves = await this.entries(vaultId, stored, end)
      const completed: StoredNode[] = []
      for (const [offset, entry] of leaves.entries()) {
        for (const node of nodesCompletedByAppend(stored + offset, leafHash(entry), read)) {
          known.set(`${node.level}/${node.index}`, node.hash)
          completed.push(node)
        }
      }
      // Parents first, leaves last: a level-0 row is what marks a leaf's nodes as stored.
      completed.sort((a, b) => b.level - a.level)
      for (let i = 0; i < completed.length; i += INSERT_BATCH) {
        await this.#db
          .insertInto('log_nodes')
          .values(
            completed
              .slice(i, i + INSERT_BATCH)
              .map((n) => ({ vault_id: vaultId, level: n.level, idx: n.index, hash: n.hash })),
          )
          .onConflict((c) => c.doNothing())
          .execute()
      }
      stored = end
    }
  }

  /** Reads the given subtrees in one query and serves them to the tree functions. */
  async #reader(vaultId: string, nodes: readonly NodeId[]): Promise<NodeReader> {
    const found = new Map<string, Uint8Array>()
    if (nodes.length > 0) {
      const rows = await this.#db
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
