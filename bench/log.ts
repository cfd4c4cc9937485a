/**
 * The verifiable log (spec chapter 8): what appending, proving and a client's sync cost, against
 * raw SHA-256 of the same bytes measured in the same process and run. CPU time is the process's
 * user + system time (process.cpuUsage) over many repetitions; each figure is the median of
 * rounds. Prints tables and writes bench/results/log-<timestamp>.json.
 *
 *   npx tsx bench/log.ts                 sizes up to 1,000,000 entries
 *   npx tsx bench/log.ts --quick         sizes up to 100,000
 */
import { parseArgs } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  advanceByEntries,
  advanceByProof,
  CompactRange,
  consistencyPathRanges,
  decodeLogEntry,
  encodeLogEntry,
  inclusionPathRanges,
  leafHash,
  MerkleTree,
  nodesForRanges,
  noteVerifierKey,
  signCheckpoint,
  trustCheckpoint,
  vaultLogOrigin,
} from '../packages/log/src/index.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } })
const ROUNDS = 7
const sizes = values.quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
/** CPU microseconds per call of `fn`, median over rounds of `reps` calls. */
function cpuMicros(reps: number, fn: (i: number) => void): number {
  const rounds: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage()
    for (let i = 0; i < reps; i++) fn(i)
    const used = process.cpuUsage(start)
    rounds.push((used.user + used.system) / reps)
  }
  return median(rounds)
}

// Entries as a host writes them: key_served entries of the real size (50 bytes).
const id = (n: number) => {
  const out = new Uint8Array(16)
  new DataView(out.buffer).setUint32(12, n)
  return out
}
const entry = (i: number) =>
  encodeLogEntry({ type: 'key_served', at: 1_800_000_000_000 + i, grantId: id(i % 97), recordId: id(i), version: 1 })

const largest = sizes[sizes.length - 1] as number
const entries: Uint8Array[] = []
for (let i = 0; i < largest + 8_000; i++) entries.push(entry(i))
const entryBytes = (entries[0] as Uint8Array).length

// Baselines: one SHA-256 of an entry, and of a 65-byte node input.
const node65 = new Uint8Array(65)
const shaEntry = cpuMicros(20_000, (i) => sha256(entries[i] as Uint8Array))
const shaNode = cpuMicros(20_000, () => sha256(node65))

// ---- append and prove, at growing sizes ----------------------------------------------------------
const tree = new MerkleTree()
const growth = []
for (const size of sizes) {
  while (tree.size < size) tree.append(entries[tree.size] as Uint8Array)
  const p = size - 1
  const inclusionHashes = nodesForRanges(inclusionPathRanges(Math.floor(size / 3), size)).length
  const consistencyHashes = nodesForRanges(consistencyPathRanges(size - 1_000 + 1, size)).length
  const inclusion = cpuMicros(2_000, (i) => tree.inclusionProof((i * 7919) % size, size))
  const consistency = cpuMicros(2_000, (i) => tree.consistencyProof(1 + ((i * 7919) % p), size))
  growth.push({ size, inclusion, consistency, inclusionHashes, consistencyHashes })
}
// Appending onto a log of each size: 7 rounds of 1,000 appends (the log grows by 7,000 at most).
const appendAt = []
for (const size of sizes) {
  const hostTree = new MerkleTree()
  const clientRange = CompactRange.empty()
  for (let i = 0; i < size; i++) {
    const leaf = tree.node({ level: 0, index: i })
    hostTree.appendLeafHash(leaf)
    clientRange.append(leaf)
  }
  const treeMicros = cpuMicros(1_000, () => hostTree.append(entries[hostTree.size] as Uint8Array))
  const rangeMicros = cpuMicros(1_000, () => clientRange.append(leafHash(entries[clientRange.size] as Uint8Array)))
  appendAt.push({ size, treeMicros, rangeMicros })
}

// ---- a client's sync: 100,000 entries, trusted checkpoint 1,000 entries old ----------------------
const VAULT = 100_000
const OLD = VAULT - 1_000
const seed = sha256(new TextEncoder().encode('bench log key'))
const signer = { name: 'holdall.example/log', secretKey: seed }
const origin = vaultLogOrigin('https://holdall.example', 'benchvault')
const trust = { origin, keys: [noteVerifierKey(signer.name, ed25519.getPublicKey(seed))] }
const oldNote = signCheckpoint({ origin, size: OLD, rootHash: tree.root(OLD) }, [signer])
const newNote = signCheckpoint({ origin, size: VAULT, rootHash: tree.root(VAULT) }, [signer])
const proof = tree.consistencyProof(OLD, VAULT)
const fresh = entries.slice(OLD, VAULT)
const byProofState = trustCheckpoint(oldNote, trust)
const byEntriesRange = CompactRange.empty()
for (let i = 0; i < OLD; i++) byEntriesRange.append(tree.node({ level: 0, index: i }))
const byEntriesState = { ...byProofState, range: byEntriesRange }

const syncByProof = cpuMicros(50, () => advanceByProof(byProofState, newNote, proof, trust))
const syncByEntries = cpuMicros(50, () => advanceByEntries(byEntriesState, newNote, fresh, trust))
const decode1000 = cpuMicros(50, () => {
  for (const e of fresh) decodeLogEntry(e)
})
const checkpointOnly = cpuMicros(50, () => trustCheckpoint(newNote, trust))
const sha1000 = cpuMicros(50, () => {
  for (const e of fresh) sha256(e)
})

const figures = {
  machine: machine(),
  entryBytes,
  baseline: { sha256EntryMicros: shaEntry, sha256NodeMicros: shaNode },
  growth,
  appendAt,
  sync: {
    vaultEntries: VAULT,
    behind: VAULT - OLD,
    consistencyProofHashes: proof.length,
    byProofMs: syncByProof / 1_000,
    byEntriesMs: syncByEntries / 1_000,
    decodeEntriesMs: decode1000 / 1_000,
    verifyCheckpointMs: checkpointOnly / 1_000,
    rawSha256OfTheEntriesMs: sha1000 / 1_000,
  },
}

console.log(
  `machine: node ${figures.machine.node}, ${figures.machine.cpus} cores, load ${figures.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
)
console.log(
  `\nBaselines: SHA-256 of one ${entryBytes}-byte entry ${shaEntry.toFixed(2)} µs, of a 65-byte node input ${shaNode.toFixed(2)} µs (CPU)`,
)
console.log('\nAppending 1,000 entries onto a log of each size (CPU µs per entry)')
console.table(
  appendAt.map((a) => ({
    'log size': a.size.toLocaleString('en-GB'),
    'MerkleTree (host, keeps every node) µs': a.treeMicros.toFixed(2),
    'compact range (client) µs': a.rangeMicros.toFixed(2),
    'tree / raw SHA-256 of the entry': (a.treeMicros / shaEntry).toFixed(2),
  })),
)
console.log('Proofs from a log of each size (CPU µs per proof; hashes = stored subtree hashes it needs)')
console.table(
  growth.map((g) => ({
    'log size': g.size.toLocaleString('en-GB'),
    'log2 n': Math.log2(g.size).toFixed(1),
    'inclusion µs': g.inclusion.toFixed(1),
    'inclusion hashes': g.inclusionHashes,
    'consistency µs': g.consistency.toFixed(1),
    'consistency hashes (from n - 999)': g.consistencyHashes,
    'inclusion / SHA-256 of a node': (g.inclusion / shaNode).toFixed(1),
  })),
)
console.log(
  `A client's sync: ${VAULT.toLocaleString('en-GB')} entries, trusted checkpoint ${(VAULT - OLD).toLocaleString('en-GB')} entries old (CPU ms, goal < 100)`,
)
console.table([
  {
    step: 'verify the new checkpoint only (strict Ed25519, note and text checks)',
    ms: (checkpointOnly / 1_000).toFixed(2),
    'vs raw SHA-256 of the 1,000 entries': (checkpointOnly / sha1000).toFixed(2),
  },
  {
    step: `sync by consistency proof (${proof.length} hashes), checkpoint included`,
    ms: (syncByProof / 1_000).toFixed(2),
    'vs raw SHA-256 of the 1,000 entries': (syncByProof / sha1000).toFixed(2),
  },
  {
    step: 'sync by the 1,000 entries into the compact range, checkpoint included',
    ms: (syncByEntries / 1_000).toFixed(2),
    'vs raw SHA-256 of the 1,000 entries': (syncByEntries / sha1000).toFixed(2),
  },
  {
    step: 'decode the 1,000 entries (to show them)',
    ms: (decode1000 / 1_000).toFixed(2),
    'vs raw SHA-256 of the 1,000 entries': (decode1000 / sha1000).toFixed(2),
  },
  {
    step: 'baseline: raw SHA-256 of the same 1,000 entries',
    ms: (sha1000 / 1_000).toFixed(2),
    'vs raw SHA-256 of the 1,000 entries': '1.00',
  },
])
writeResults('log', figures)
