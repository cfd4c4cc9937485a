import {
  consistencyPathRanges,
  consistencyProof,
  inclusionPathRanges,
  inclusionProof,
  type NodeReader,
  nodesForRanges,
  rangeNodes,
  treeRoot,
} from '@holdall/log'
import type { ReadLogProof } from '@holdall/protocol'
import type { VerifiableLog } from '../repositories/verifiable-log.js'
import { type LogCheckpoints, unavailableAsProblem } from './log-checkpoints.js'
import { type LogTail, LogTails } from './log-tails.js'
import type { CommittedLeaf } from './replay-cache.js'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/**
 * The proof a grantee's read carries of its own `key_served` entries (spec 8.7.1): a signed
 * checkpoint holding them, their inclusion proofs, and the consistency proof from the checkpoint
 * the caller presented. Made after the read's commit, from the vault's tail in memory (the leaves
 * this instance's reads committed, services/log-tails.ts): no statement, and one signature per
 * group commit, as every read of a commit waits one turn and the first signs at the tail's end for
 * all. When the tail cannot make the proof (another instance or a holder write appended between,
 * a caller presenting a checkpoint older than the tail, a host just started), it comes from the
 * database as `/grant/log/key-served` makes it, and the tail starts again at the log's size.
 */
export class ReadProofs {
  readonly #log: VerifiableLog
  readonly #checkpoints: LogCheckpoints
  readonly #tails = new LogTails()

  constructor(log: VerifiableLog, checkpoints: LogCheckpoints) {
    this.#log = log
    this.#checkpoints = checkpoints
  }

  /** Leaves a read committed, for the vault's tail. Call for every grantee read, with or without a proof. */
  committed(vaultId: string, leaves: readonly CommittedLeaf[]): void {
    this.#tails.feed(vaultId, leaves)
  }

  /** The proof of `served` (this read's key_served leaves, committed) from `presented` (a size checked by LOG-GOSSIP-01). */
  async prove(vaultId: string, served: readonly CommittedLeaf[], presented: number | undefined): Promise<ReadLogProof> {
    // The other reads of the same group commit give their leaves to the tail first.
    await new Promise((resolve) => setImmediate(resolve))
    const tail = this.#tails.get(vaultId)
    const last = Math.max(-1, ...served.map((s) => s.index))
    if (tail !== undefined && tail.end > last && (presented ?? 0) <= tail.end) {
      try {
        return await this.#fromTail(vaultId, tail, served, last, presented)
      } catch (error) {
        // A subtree the tail does not hold (a presented checkpoint older than the tail): the
        // database has every one, and the tail stays as it is.
        if (!(error instanceof RangeError)) throw error
        return this.#fromDatabase(vaultId, served, presented)
      }
    }
    // No tail yet, or one stopped at a leaf it was not given: start it again where the log is.
    this.#tails.restart(vaultId)
    this.#tails.watch(vaultId)
    return this.#fromDatabase(vaultId, served, presented, true)
  }

  async #fromTail(
    vaultId: string,
    tail: LogTail,
    served: readonly CommittedLeaf[],
    last: number,
    presented: number | undefined,
  ): Promise<ReadLogProof> {
    // A checkpoint already signed that holds these leaves is shared; else one at the tail's end.
    const latest = this.#checkpoints.latest(vaultId)
    const signed =
      latest !== undefined && latest.size > last && latest.size <= tail.end && latest.size >= (presented ?? 0)
        ? latest
        : undefined
    const size = signed?.size ?? tail.end
    const proofs = proofsFrom(tail.read, served, size, presented)
    const { note } = signed ?? (await this.#checkpoints.signComputed(vaultId, size, treeRoot(tail.read, size)))
    return { checkpoint: note, ...proofs }
  }

  async #fromDatabase(
    vaultId: string,
    served: readonly CommittedLeaf[],
    presented: number | undefined,
    seed = false,
  ): Promise<ReadLogProof> {
    const { note, size } = await this.#checkpoints.checkpoint(vaultId)
    const ranges = [
      ...served.flatMap((s) => inclusionPathRanges(s.index, size)),
      ...(presented === undefined ? [] : consistencyPathRanges(presented, size)),
    ]
    const read = await unavailableAsProblem(() =>
      this.#log.nodes(vaultId, size, [
        ...nodesForRanges(ranges),
        ...(!seed || size === 0 ? [] : rangeNodes({ start: 0, end: size })),
      ]),
    )
    const proofs = proofsFrom(read, served, size, presented)
    if (seed) this.#tails.seed(vaultId, size, read)
    return { checkpoint: note, ...proofs }
  }
}

function proofsFrom(
  read: NodeReader,
  served: readonly CommittedLeaf[],
  size: number,
  presented: number | undefined,
): Omit<ReadLogProof, 'checkpoint'> {
  return {
    entries: served.map(({ index, entry }) => ({
      index,
      entry: b64(entry),
      proof: inclusionProof(read, index, size).map(b64),
    })),
    ...(presented === undefined ? {} : { consistency: consistencyProof(read, presented, size).map(b64) }),
  }
}
