import { randomBytes } from 'node:crypto'
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleTree,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '@holdall/log'
import { describe, expect, it } from 'vitest'
import { type LogTail, LogTails } from '../src/services/log-tails.js'

/*
 * The in-memory tail a read's proof is made from (spec 8.7.1): the same roots and proofs as the
 * whole tree, from a frontier and the leaves appended since; a gap in the leaves it is given is
 * never papered over.
 */
const entries = (n: number) => Array.from({ length: n }, () => new Uint8Array(randomBytes(50)))

function tailOf(tree: MerkleTree, start: number): LogTails {
  const tails = new LogTails()
  tails.watch('v')
  tails.seed('v', start, tree.node)
  return tails
}

describe('the log tail', () => {
  it('[LOG-HOST-08] gives the same roots, inclusion and consistency proofs as the whole tree', () => {
    const all = entries(300)
    const whole = new MerkleTree()
    for (const e of all) whole.append(e)
    for (const start of [0, 1, 7, 64, 100, 255]) {
      const prefix = new MerkleTree()
      for (const e of all.slice(0, start)) prefix.append(e)
      const tails = tailOf(prefix, start)
      tails.feed(
        'v',
        all.slice(start).map((entry, i) => ({ index: start + i, entry })),
      )
      const tail = tails.get('v') as LogTail
      expect(tail.end).toBe(300)
      for (const size of [start + 1, 200, 300].filter((n) => n > start && n <= 300)) {
        expect(Buffer.from(treeRootOf(tail, size))).toEqual(Buffer.from(whole.root(size)))
        for (const index of [start, size - 1]) {
          const proof = inclusion(tail, index, size)
          expect(proof.map((h) => Buffer.from(h))).toEqual(whole.inclusionProof(index, size).map((h) => Buffer.from(h)))
          verifyInclusion(leaf(whole, index), index, size, proof, whole.root(size))
        }
        if (start > 0) {
          const proof = consistency(tail, start, size)
          verifyConsistency(start, size, whole.root(start), whole.root(size), proof)
        }
      }
    }
  })

  it('[LOG-HOST-08] holds leaves given out of order until the gap fills, and never skips a gap', () => {
    const all = entries(20)
    const prefix = new MerkleTree()
    for (const e of all.slice(0, 10)) prefix.append(e)
    const tails = tailOf(prefix, 10)
    tails.feed('v', [{ index: 12, entry: all[12] as Uint8Array }])
    expect(tails.get('v')?.end).toBe(10)
    tails.feed('v', [{ index: 10, entry: all[10] as Uint8Array }])
    expect(tails.get('v')?.end).toBe(11)
    tails.feed('v', [{ index: 11, entry: all[11] as Uint8Array }])
    expect(tails.get('v')?.end).toBe(13)
    // An index below the end (a leaf it already has) changes nothing.
    tails.feed('v', [{ index: 5, entry: new Uint8Array(50) }])
    expect(tails.get('v')?.end).toBe(13)
  })

  it('drops its older half when long, and still proves its newer leaves', () => {
    const all = entries(9000)
    const whole = new MerkleTree()
    for (const e of all) whole.append(e)
    const tails = tailOf(new MerkleTree(), 0)
    tails.feed(
      'v',
      all.map((entry, index) => ({ index, entry })),
    )
    const tail = tails.get('v') as LogTail
    expect(tail.start).toBeGreaterThan(0)
    expect(tail.end).toBe(9000)
    expect(Buffer.from(treeRootOf(tail, 9000))).toEqual(Buffer.from(whole.root()))
    const proof = inclusion(tail, 8999, 9000)
    verifyInclusion(leaf(whole, 8999), 8999, 9000, proof, whole.root())
    // A leaf before its start is not in it: the host goes to its database instead.
    expect(() => inclusion(tail, 0, 9000)).toThrow(RangeError)
  })
})

const treeRootOf = (tail: LogTail, size: number) => treeRoot(tail.read, size)
const inclusion = (tail: LogTail, index: number, size: number) => inclusionProof(tail.read, index, size)
const consistency = (tail: LogTail, from: number, size: number) => consistencyProof(tail.read, from, size)
const leaf = (tree: MerkleTree, index: number) => tree.node({ level: 0, index }) ?? leafHash(new Uint8Array())
