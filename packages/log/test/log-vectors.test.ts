import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { openCheckpoint } from '../src/checkpoint.js'
import { decodeLogEntry, encodeLogEntry, type LogEntry } from '../src/entries.js'
import { leafHash } from '../src/hashing.js'
import { MerkleTree } from '../src/merkle-tree.js'
import { verifyConsistency, verifyInclusion } from '../src/proofs.js'
import { formatVerifierKey, noteKeyId, parseVerifierKey, signNote } from '../src/signed-note.js'
import { codeOf, fromHex, hex } from './helpers.js'

/*
 * protocol-spec/vectors/holdall/log.json, checked both ways: our generator reproduces what the
 * file says, and what the file says verifies (or is refused with the stated error) through the
 * public verifiers. Its RFC 6962 tree is also held to the published values (merkle.test.ts).
 */
interface ProofCase {
  index?: number
  size?: number
  from?: number
  to?: number
  proof: string[]
}
interface Vectors {
  tree: { leaves: string[]; leafHashes: string[]; roots: string[]; inclusion: ProofCase[]; consistency: ProofCase[] }
  largerTree: { roots: { size: number; root: string }[]; inclusion: ProofCase[]; consistency: ProofCase[] }
  invalidInclusion: {
    name: string
    leafHash: string
    index: number
    size: number
    root: string
    proof: string[]
    error: string
  }[]
  invalidConsistency: {
    name: string
    from: number
    to: number
    oldRoot: string
    newRoot: string
    proof: string[]
    error: string
  }[]
  entries: { fields: Record<string, unknown>; encoding: string; leafHash: string }[]
  entriesTree: { root: string; keyServed: { index: number; proof: string[] } }
  invalidEntries: { name: string; encoding: string; error: string }[]
  checkpoints: {
    origin: string
    logKey: { name: string; seed: string; publicKey: string; keyId: string; verifierKey: string }
    valid: { name: string; size: number; rootHash: string; note: string }[]
    invalid: { name: string; note: string; error: string }[]
  }
}

const vectors = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'protocol-spec', 'vectors', 'holdall', 'log.json'), 'utf8'),
) as Vectors
const PUBLISHED_ROOT_8 = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'

describe('[LOG-HASH-01] [LOG-PROOF-01] [LOG-PROOF-02] tree vectors', () => {
  const ct = new MerkleTree()
  for (const leaf of vectors.tree.leaves) ct.append(fromHex(leaf))

  it('hold the published RFC 6962 root, and our tree reproduces every hash and proof', () => {
    expect(vectors.tree.roots[8]).toBe(PUBLISHED_ROOT_8)
    vectors.tree.leaves.forEach((leaf, i) => {
      expect(hex(leafHash(fromHex(leaf)))).toBe(vectors.tree.leafHashes[i])
    })
    vectors.tree.roots.forEach((root, size) => {
      expect(hex(ct.root(size))).toBe(root)
    })
    for (const c of vectors.tree.inclusion) {
      const { index = -1, size = -1 } = c
      expect(ct.inclusionProof(index, size).map(hex)).toEqual(c.proof)
      verifyInclusion(
        fromHex(vectors.tree.leafHashes[index] as string),
        index,
        size,
        c.proof.map(fromHex),
        fromHex(vectors.tree.roots[size] as string),
      )
    }
    for (const c of vectors.tree.consistency) {
      const { from = -1, to = -1 } = c
      expect(ct.consistencyProof(from, to).map(hex)).toEqual(c.proof)
      verifyConsistency(
        from,
        to,
        fromHex(vectors.tree.roots[from] as string),
        fromHex(vectors.tree.roots[to] as string),
        c.proof.map(fromHex),
      )
    }
  })

  it('in the larger tree too', () => {
    const big = new MerkleTree()
    const u32 = (i: number) => Uint8Array.of(i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255)
    for (let i = 0; i < 1000; i++) big.append(u32(i))
    for (const { size, root } of vectors.largerTree.roots) expect(hex(big.root(size))).toBe(root)
    for (const c of vectors.largerTree.inclusion) {
      const { index = -1, size = -1 } = c
      expect(big.inclusionProof(index, size).map(hex)).toEqual(c.proof)
      verifyInclusion(leafHash(u32(index)), index, size, c.proof.map(fromHex), big.root(size))
    }
    for (const c of vectors.largerTree.consistency) {
      const { from = -1, to = -1 } = c
      expect(big.consistencyProof(from, to).map(hex)).toEqual(c.proof)
      verifyConsistency(from, to, big.root(from), big.root(to), c.proof.map(fromHex))
    }
  })

  it('[LOG-PROOF-03] refuse every invalid proof with its stated error', () => {
    for (const c of vectors.invalidInclusion)
      expect(
        codeOf(() => verifyInclusion(fromHex(c.leafHash), c.index, c.size, c.proof.map(fromHex), fromHex(c.root))),
        c.name,
      ).toBe(c.error)
    for (const c of vectors.invalidConsistency)
      expect(
        codeOf(() => verifyConsistency(c.from, c.to, fromHex(c.oldRoot), fromHex(c.newRoot), c.proof.map(fromHex))),
        c.name,
      ).toBe(c.error)
  })
})

describe('[LOG-ENTRY-01] [LOG-ENTRY-02] entry vectors', () => {
  const toEntry = (fields: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [
        k,
        typeof v === 'string' && !['type', 'clientId', 'issuerClientId', 'name'].includes(k) ? fromHex(v) : v,
      ]),
    ) as unknown as LogEntry

  it('encode and decode exactly, and the key_served entry is in the entries tree', () => {
    const tree = new MerkleTree()
    for (const vector of vectors.entries) {
      const bytes = encodeLogEntry(toEntry(vector.fields))
      expect(hex(bytes)).toBe(vector.encoding)
      expect(hex(leafHash(bytes))).toBe(vector.leafHash)
      expect(decodeLogEntry(bytes)).toEqual(toEntry(vector.fields))
      tree.append(bytes)
    }
    expect(hex(tree.root())).toBe(vectors.entriesTree.root)
    const { index, proof } = vectors.entriesTree.keyServed
    expect(vectors.entries[index]?.fields.type).toBe('key_served')
    verifyInclusion(
      fromHex(vectors.entries[index]?.leafHash as string),
      index,
      tree.size,
      proof.map(fromHex),
      tree.root(),
    )
  })

  it('refuse every invalid entry with its stated error', () => {
    for (const c of vectors.invalidEntries)
      expect(
        codeOf(() => decodeLogEntry(fromHex(c.encoding))),
        c.name,
      ).toBe(c.error)
  })
})

describe('[LOG-NOTE-02] [LOG-NOTE-03] [LOG-NOTE-04] [LOG-CKPT-01] checkpoint vectors', () => {
  const { logKey, origin } = vectors.checkpoints
  const key = parseVerifierKey(logKey.verifierKey)
  const trust = { origin, keys: [key] }

  it('the log key is the one its seed gives, with the key ID of its name and key', () => {
    expect(hex(ed25519.getPublicKey(fromHex(logKey.seed)))).toBe(logKey.publicKey)
    expect(hex(key.publicKey)).toBe(logKey.publicKey)
    expect(noteKeyId(logKey.name, key.publicKey).toString(16).padStart(8, '0')).toBe(logKey.keyId)
    expect(formatVerifierKey(key)).toBe(logKey.verifierKey)
  })

  it('valid notes verify and give their size and root; the first is reproduced byte for byte', () => {
    for (const v of vectors.checkpoints.valid) {
      const { checkpoint } = openCheckpoint(v.note, trust)
      expect(checkpoint.size, v.name).toBe(v.size)
      expect(hex(checkpoint.rootHash), v.name).toBe(v.rootHash)
    }
    const first = vectors.checkpoints.valid[0] as { note: string }
    const text = first.note.slice(0, first.note.lastIndexOf('\n\n') + 1)
    expect(signNote(text, [{ name: logKey.name, secretKey: fromHex(logKey.seed) }])).toBe(first.note)
    expect(vectors.checkpoints.valid[0]?.rootHash).toBe(PUBLISHED_ROOT_8)
  })

  it("the spec's example checkpoint (8.5) is the first vector, with the vectors' verifier key", () => {
    const chapter = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'protocol-spec', 'spec', '08-verifiable-log.md'),
      'utf8',
    )
    expect(chapter).toContain(vectors.checkpoints.valid[0]?.note.trimEnd())
    expect(chapter).toContain(logKey.verifierKey)
  })

  it('invalid notes are refused with their stated error', () => {
    for (const c of vectors.checkpoints.invalid)
      expect(
        codeOf(() => openCheckpoint(c.note, trust)),
        c.name,
      ).toBe(c.error)
  })
})
