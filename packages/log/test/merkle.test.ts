import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CompactRange } from '../src/compact-range.js'
import { EMPTY_ROOT, leafHash, nodeHash } from '../src/hashing.js'
import {
  consistencyProof,
  inclusionProof,
  MerkleTree,
  nodesCompletedByAppend,
  nodesForRanges,
  treeRoot,
} from '../src/merkle-tree.js'
import { rootFromInclusionProof, verifyConsistency, verifyInclusion } from '../src/proofs.js'
import { consistencyPathRanges, inclusionPathRanges, splitPoint } from '../src/tree-shape.js'
import { codeOf, fromHex, hex } from './helpers.js'

/*
 * Published values, used as data: the RFC 6962 test tree of the Certificate Transparency
 * reference implementations, as kept by transparency-dev/merkle (testonly/constants.go and
 * proof/verify_test.go, Apache-2.0), the tree Go's checksum database tests also use. Our own
 * generator must reproduce every one of them; nobody else could check a log that disagreed.
 */
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(fromHex)
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]
/** Complete subtree hashes by level (testonly.NodeHashes). */
const CT_NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
]
/** Inclusion proofs (0-based leaf index here; the Go file counts from 1). */
const CT_INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
]
const CT_CONSISTENCY: { from: number; to: number; proof: string[] }[] = [
  { from: 1, to: 1, proof: [] },
  {
    from: 1,
    to: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    from: 6,
    to: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    from: 2,
    to: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    from: 6,
    to: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]

const ctTree = () => {
  const tree = new MerkleTree()
  for (const leaf of CT_LEAVES) tree.append(leaf)
  return tree
}
const root = (size: number) => fromHex(CT_ROOTS[size] as string)
const hashes = (list: string[]) => list.map(fromHex)
const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456')

describe('[LOG-HASH-01] RFC 9162 hashing reproduces the published CT test tree', () => {
  it('the empty root is SHA-256 of nothing, a leaf is SHA-256(0x00 ‖ d), a node SHA-256(0x01 ‖ l ‖ r)', () => {
    expect(hex(EMPTY_ROOT)).toBe(CT_ROOTS[0])
    expect(hex(leafHash(CT_LEAVES[0] as Uint8Array))).toBe(CT_ROOTS[1])
    expect(hex(nodeHash(leafHash(CT_LEAVES[0] as Uint8Array), leafHash(CT_LEAVES[1] as Uint8Array)))).toBe(CT_ROOTS[2])
  })

  it('gives the published root for every size 0 to 8, from the tree and from a compact range', () => {
    const tree = ctTree()
    const range = CompactRange.empty()
    expect(hex(range.root())).toBe(CT_ROOTS[0])
    for (let size = 0; size <= 8; size++) expect(hex(tree.root(size)), `size ${size}`).toBe(CT_ROOTS[size])
    CT_LEAVES.forEach((leaf, i) => {
      range.append(leafHash(leaf))
      expect(hex(range.root()), `compact range of size ${i + 1}`).toBe(CT_ROOTS[i + 1])
    })
  })

  it('stores the published hash of every complete subtree', () => {
    const tree = ctTree()
    for (const [level, row] of CT_NODES.entries())
      for (const [index, expected] of row.entries()) expect(hex(tree.node({ level, index }))).toBe(expected)
  })

  it('splits trees where RFC 9162 does: the largest power of two below n, not the midpoint', () => {
    const cases: [number, number][] = [
      [2, 1],
      [3, 2],
      [5, 4],
      [8, 4],
      [9, 8],
      [1000, 512],
      [2 ** 40, 2 ** 39],
      [2 ** 52 + 1, 2 ** 52],
    ]
    for (const [n, k] of cases) expect(splitPoint(n)).toBe(k)
  })
})

describe('[LOG-PROOF-01] inclusion proofs (RFC 9162 2.1.3)', () => {
  it('generates and verifies the published proofs', () => {
    const tree = ctTree()
    for (const { index, size, proof } of CT_INCLUSION) {
      expect(tree.inclusionProof(index, size).map(hex), `${index} in ${size}`).toEqual(proof)
      expect(() =>
        verifyInclusion(leafHash(CT_LEAVES[index] as Uint8Array), index, size, hashes(proof), root(size)),
      ).not.toThrow()
    }
  })

  it('refuses every corruption of a published proof (the probes of transparency-dev/merkle)', () => {
    for (const { index, size, proof } of CT_INCLUSION.filter((p) => p.proof.length > 0)) {
      const leaf = leafHash(CT_LEAVES[index] as Uint8Array)
      const good = hashes(proof)
      const probes: [string, () => void, string[]][] = [
        [
          'index - 1',
          () => verifyInclusion(leaf, index - 1, size, good, root(size)),
          ['LOG_PROOF_MALFORMED', 'LOG_PROOF_MISMATCH', 'LOG_PROOF_TRUNCATED', 'LOG_PROOF_EXTENDED'],
        ],
        [
          'index + 1',
          () => verifyInclusion(leaf, index + 1, size, good, root(size)),
          ['LOG_PROOF_MALFORMED', 'LOG_PROOF_MISMATCH', 'LOG_PROOF_TRUNCATED', 'LOG_PROOF_EXTENDED'],
        ],
        [
          'index ^ 2',
          () => verifyInclusion(leaf, index ^ 2, size, good, root(size)),
          ['LOG_PROOF_MALFORMED', 'LOG_PROOF_MISMATCH', 'LOG_PROOF_TRUNCATED', 'LOG_PROOF_EXTENDED'],
        ],
        ['size * 2', () => verifyInclusion(leaf, index, size * 2, good, root(size)), ['LOG_PROOF_TRUNCATED']],
        [
          'size / 2',
          () => verifyInclusion(leaf, index, Math.floor(size / 2), good, root(size)),
          ['LOG_PROOF_MALFORMED', 'LOG_PROOF_EXTENDED'],
        ],
        ['wrong leaf', () => verifyInclusion(someHash, index, size, good, root(size)), ['LOG_PROOF_MISMATCH']],
        ['empty root', () => verifyInclusion(leaf, index, size, good, EMPTY_ROOT), ['LOG_PROOF_MISMATCH']],
        ['random root', () => verifyInclusion(leaf, index, size, good, someHash), ['LOG_PROOF_MISMATCH']],
        [
          'trailing root',
          () => verifyInclusion(leaf, index, size, [...good, root(size)], root(size)),
          ['LOG_PROOF_EXTENDED'],
        ],
        [
          'preceding root',
          () => verifyInclusion(leaf, index, size, [root(size), ...good], root(size)),
          ['LOG_PROOF_EXTENDED'],
        ],
        [
          'trailing garbage',
          () => verifyInclusion(leaf, index, size, [...good, new Uint8Array(0)], root(size)),
          ['LOG_PROOF_MALFORMED'],
        ],
        [
          'removed component',
          () => verifyInclusion(leaf, index, size, good.slice(0, -1), root(size)),
          ['LOG_PROOF_TRUNCATED'],
        ],
        [
          'inserted component',
          () => verifyInclusion(leaf, index, size, [good[0] as Uint8Array, someHash, ...good.slice(1)], root(size)),
          ['LOG_PROOF_EXTENDED'],
        ],
      ]
      good.forEach((_, i) => {
        const flipped = good.map((h) => h.slice())
        const target = flipped[i] as Uint8Array
        target[0] = (target[0] as number) ^ 8
        probes.push([
          `bit 3 of proof[${i}]`,
          () => verifyInclusion(leaf, index, size, flipped, root(size)),
          ['LOG_PROOF_MISMATCH'],
        ])
      })
      for (const [name, probe, codes] of probes) expect(codes, `${index} in ${size}: ${name}`).toContain(codeOf(probe))
    }
  })

  it('refuses an index outside the tree and the empty tree', () => {
    expect(codeOf(() => rootFromInclusionProof(someHash, 0, 0, []))).toBe('LOG_PROOF_MALFORMED')
    expect(codeOf(() => rootFromInclusionProof(someHash, 1, 1, []))).toBe('LOG_PROOF_MALFORMED')
    expect(codeOf(() => rootFromInclusionProof(someHash, -1, 4, []))).toBe('LOG_PROOF_MALFORMED')
    expect(codeOf(() => rootFromInclusionProof(someHash, 0.5, 4, []))).toBe('LOG_PROOF_MALFORMED')
    expect(codeOf(() => verifyInclusion(someHash, 0, 1, [], someHash))).toBe('none')
    expect(codeOf(() => verifyInclusion(someHash, 0, 1, [], new Uint8Array(0)))).toBe('LOG_PROOF_MALFORMED')
  })
})

describe('[LOG-PROOF-02] consistency proofs (RFC 9162 2.1.4)', () => {
  it('generates and verifies the published proofs', () => {
    const tree = ctTree()
    for (const { from, to, proof } of CT_CONSISTENCY) {
      expect(tree.consistencyProof(from, to).map(hex), `${from} to ${to}`).toEqual(proof)
      expect(() => verifyConsistency(from, to, root(from), root(to), hashes(proof))).not.toThrow()
    }
  })

  it('refuses every corruption of a published proof', () => {
    for (const { from, to, proof } of CT_CONSISTENCY.filter((p) => p.proof.length > 0)) {
      const good = hashes(proof)
      const [r1, r2] = [root(from), root(to)]
      const probes: [string, () => void][] = [
        ['from - 1', () => verifyConsistency(from - 1, to, r1, r2, good)],
        ['from + 1', () => verifyConsistency(from + 1, to, r1, r2, good)],
        ['from ^ 2', () => verifyConsistency(from ^ 2, to, r1, r2, good)],
        ['to * 2', () => verifyConsistency(from, to * 2, r1, r2, good)],
        ['to / 2', () => verifyConsistency(from, Math.floor(to / 2), r1, r2, good)],
        ['wrong old root', () => verifyConsistency(from, to, someHash, r2, good)],
        ['wrong new root', () => verifyConsistency(from, to, r1, someHash, good)],
        ['swapped roots', () => verifyConsistency(from, to, r2, r1, good)],
        ['empty proof', () => verifyConsistency(from, to, r1, r2, [])],
        ['trailing old root', () => verifyConsistency(from, to, r1, r2, [...good, r1])],
        ['trailing new root', () => verifyConsistency(from, to, r1, r2, [...good, r2])],
        ['preceding old root', () => verifyConsistency(from, to, r1, r2, [r1, ...good])],
        ['preceding proof[0]', () => verifyConsistency(from, to, r1, r2, [good[0] as Uint8Array, ...good])],
        ['truncated', () => verifyConsistency(from, to, r1, r2, good.slice(0, -1))],
        ['garbage hash', () => verifyConsistency(from, to, r1, r2, [...good.slice(0, -1), new Uint8Array(31)])],
      ]
      good.forEach((_, i) => {
        const flipped = good.map((h) => h.slice())
        const target = flipped[i] as Uint8Array
        target[0] = (target[0] as number) ^ 16
        probes.push([`bit 4 of proof[${i}]`, () => verifyConsistency(from, to, r1, r2, flipped)])
      })
      for (const [name, probe] of probes) expect(codeOf(probe), `${from} to ${to}: ${name}`).not.toBe('none')
    }
  })

  it('[LOG-PROOF-03] names a truncated or extended proof as such, before any hashing', () => {
    const tree = ctTree()
    const proof = tree.consistencyProof(3, 7)
    expect(codeOf(() => verifyConsistency(3, 7, tree.root(3), tree.root(7), proof.slice(1)))).toBe(
      'LOG_PROOF_TRUNCATED',
    )
    expect(codeOf(() => verifyConsistency(3, 7, tree.root(3), tree.root(7), [...proof, someHash]))).toBe(
      'LOG_PROOF_EXTENDED',
    )
    expect(codeOf(() => verifyConsistency(3, 7, tree.root(3), someHash, proof))).toBe('LOG_PROOF_MISMATCH')
    expect(codeOf(() => verifyConsistency(7, 3, tree.root(7), tree.root(3), proof))).toBe('LOG_PROOF_MALFORMED')
  })

  it('handles the edge sizes as RFC 9162 and transparency-dev/merkle do', () => {
    const r = root(1)
    expect(codeOf(() => verifyConsistency(0, 0, r, r, []))).toBe('none')
    expect(codeOf(() => verifyConsistency(0, 1, EMPTY_ROOT, r, []))).toBe('none')
    expect(codeOf(() => verifyConsistency(1, 1, r, r, []))).toBe('none')
    expect(codeOf(() => verifyConsistency(1, 1, r, root(2), []))).toBe('LOG_PROOF_MISMATCH')
    expect(codeOf(() => verifyConsistency(1, 2, r, root(2), []))).toBe('LOG_PROOF_TRUNCATED')
    expect(codeOf(() => verifyConsistency(0, 1, EMPTY_ROOT, r, [EMPTY_ROOT]))).toBe('LOG_PROOF_EXTENDED')
    expect(codeOf(() => verifyConsistency(1, 1, r, r, [EMPTY_ROOT]))).toBe('LOG_PROOF_EXTENDED')
  })
})

describe('[LOG-PROOF-01] [LOG-PROOF-02] properties over many tree sizes', () => {
  const leaves = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 7))
  const build = (n: number) => {
    const tree = new MerkleTree()
    for (const leaf of leaves(n)) tree.append(leaf)
    return tree
  }

  it('every inclusion and consistency proof verifies in every tree up to 70 leaves', () => {
    const tree = build(70)
    const leafHashes = leaves(70).map(leafHash)
    for (let size = 1; size <= 70; size++) {
      const r = tree.root(size)
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size)
        expect(proof.length).toBe(inclusionPathRanges(index, size).length)
        verifyInclusion(leafHashes[index] as Uint8Array, index, size, proof, r)
      }
      for (let from = 0; from <= size; from++)
        verifyConsistency(from, size, tree.root(from), r, tree.consistencyProof(from, size))
    }
  })

  it('an inclusion proof fails for any other leaf, index or root (fast-check)', () => {
    const tree = build(300)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.nat({ max: 31 }), (size, i, j, bit) => {
        const index = i % size
        const other = j % size
        const proof = tree.inclusionProof(index, size)
        const leaf = tree.node({ level: 0, index })
        const r = tree.root(size)
        expect(codeOf(() => verifyInclusion(leaf, index, size, proof, r))).toBe('none')
        if (other !== index) {
          expect(codeOf(() => verifyInclusion(tree.node({ level: 0, index: other }), index, size, proof, r))).not.toBe(
            'none',
          )
          expect(codeOf(() => verifyInclusion(leaf, other, size, proof, r))).not.toBe('none')
        }
        const badRoot = r.slice()
        badRoot[bit] = (badRoot[bit] as number) ^ 1
        expect(codeOf(() => verifyInclusion(leaf, index, size, proof, badRoot))).toBe('LOG_PROOF_MISMATCH')
        expect(codeOf(() => verifyInclusion(leaf, index, size, [...proof, r], r))).toBe('LOG_PROOF_EXTENDED')
        if (proof.length > 0)
          expect(codeOf(() => verifyInclusion(leaf, index, size, proof.slice(1), r))).toBe('LOG_PROOF_TRUNCATED')
      }),
      { numRuns: 300 },
    )
  })

  it('rewriting any old entry breaks consistency with the honest history (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.nat(), fc.nat(), (n, a, b) => {
        const oldSize = 1 + (a % n)
        const newSize = oldSize + (b % 40)
        const honest = build(newSize)
        const forged = new MerkleTree()
        const target = a % oldSize
        for (const [i, leaf] of leaves(newSize).entries())
          forged.append(i === target ? Uint8Array.of(0xff, ...leaf) : leaf)
        // The forger can only prove consistency with its own old root, never with the honest one.
        const proof = forged.consistencyProof(oldSize, newSize)
        expect(
          codeOf(() => verifyConsistency(oldSize, newSize, honest.root(oldSize), forged.root(newSize), proof)),
        ).not.toBe('none')
        expect(
          codeOf(() => verifyConsistency(oldSize, newSize, forged.root(oldSize), forged.root(newSize), proof)),
        ).toBe('none')
      }),
      { numRuns: 200 },
    )
  })

  it('a compact range gives the tree root at every size, and keeps one hash per set bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), (n) => {
        const range = CompactRange.empty()
        for (const leaf of leaves(n)) range.append(leafHash(leaf))
        expect(hex(range.root())).toBe(hex(build(n).root()))
        expect(range.hashes.length).toBe(n.toString(2).replaceAll('0', '').length)
        expect(hex(CompactRange.fromHashes(n, range.hashes).root())).toBe(hex(range.root()))
      }),
      { numRuns: 60 },
    )
  })

  it('a proof needs O(log n) stored nodes, so a host can fetch them in one query', () => {
    const n = 100_000
    for (const index of [0, 1, 4_095, 50_000, n - 1])
      expect(nodesForRanges(inclusionPathRanges(index, n)).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)))
    for (const from of [1, 999, 99_000, n - 1])
      expect(nodesForRanges(consistencyPathRanges(from, n)).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)))
    const tree = build(1_000)
    const read = tree.node
    expect(consistencyProof(read, 999, 1_000).map(hex)).toEqual(tree.consistencyProof(999).map(hex))
  })
})

describe('[LOG-HASH-01] what a host stores on append', () => {
  it('the rows an append completes build the same tree as MerkleTree, reading only left siblings', () => {
    const rows = new Map<string, Uint8Array>()
    const reads: string[] = []
    const read = ({ level, index }: { level: number; index: number }) => {
      reads.push(`${level}/${index}`)
      const hash = rows.get(`${level}/${index}`)
      if (hash === undefined) throw new Error(`missing ${level}/${index}`)
      return hash
    }
    const reference = new MerkleTree()
    for (let i = 0; i < 300; i++) {
      const leaf = leafHash(Uint8Array.of(i & 0xff, i >> 8))
      reference.appendLeafHash(leaf)
      reads.length = 0
      const completed = nodesCompletedByAppend(i, leaf, read)
      for (const node of completed) rows.set(`${node.level}/${node.index}`, node.hash)
      // One row per trailing one bit of i, plus the leaf; one read per row beyond the leaf.
      expect(completed.length).toBe(1 + (i.toString(2).match(/1*$/)?.[0].length ?? 0))
      expect(reads.length).toBe(completed.length - 1)
    }
    expect(hex(treeRoot(read, 300))).toBe(hex(reference.root()))
    expect(inclusionProof(read, 123, 300).map(hex)).toEqual(reference.inclusionProof(123).map(hex))
  })
})
