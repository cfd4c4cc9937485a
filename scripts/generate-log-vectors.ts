/**
 * Writes protocol-spec/vectors/holdall/log.json: the verifiable log (spec chapter 8). Every
 * "random" input comes from a fixed label, so running this again gives a byte-identical file;
 * packages/log/test/log-vectors.test.ts checks the file both ways, and against the values
 * published for the RFC 6962 test tree.
 *
 *   npx tsx scripts/generate-log-vectors.ts           (re)write the file
 *   npx tsx scripts/generate-log-vectors.ts --check   exit 1 if the file differs from what would be written
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { base64Decode, base64Encode } from '../packages/log/src/base64.js'
import { formatCheckpoint, signCheckpoint, vaultLogOrigin } from '../packages/log/src/checkpoint.js'
import { encodeLogEntry, type LogEntry } from '../packages/log/src/entries.js'
import { HoldallLogError } from '../packages/log/src/errors.js'
import { EMPTY_ROOT, leafHash } from '../packages/log/src/hashing.js'
import { MerkleTree } from '../packages/log/src/merkle-tree.js'
import { verifyConsistency, verifyInclusion } from '../packages/log/src/proofs.js'
import { formatVerifierKey, noteVerifierKey, signNote } from '../packages/log/src/signed-note.js'

const path = join(import.meta.dirname, '..', 'protocol-spec', 'vectors', 'holdall', 'log.json')
const hex = bytesToHex
const utf8 = (text: string) => new TextEncoder().encode(text)
function fixed(label: string, length = 32): Uint8Array {
  return sha256(utf8(`holdall test vector: ${label} 0`)).slice(0, length)
}

// ---- the RFC 6962 test tree: every root, inclusion and consistency proof -----------------------
const ctLeaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f']
const ct = new MerkleTree()
for (const leaf of ctLeaves) ct.append(Uint8Array.from(Buffer.from(leaf, 'hex')))
const ctInclusion = []
const ctConsistency = []
for (let size = 1; size <= 8; size++) {
  for (let index = 0; index < size; index++)
    ctInclusion.push({ index, size, proof: ct.inclusionProof(index, size).map(hex) })
  for (let from = 0; from <= size; from++)
    ctConsistency.push({ from, to: size, proof: ct.consistencyProof(from, size).map(hex) })
}

// ---- a larger tree, for the shapes a tree of 8 does not have -----------------------------------
const u32 = (i: number) => {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, i)
  return out
}
const big = new MerkleTree()
for (let i = 0; i < 1000; i++) big.append(u32(i))
const bigSizes = [1, 2, 3, 63, 64, 65, 127, 511, 512, 513, 999, 1000]
const bigInclusion = (
  [
    [0, 1000],
    [999, 1000],
    [512, 1000],
    [511, 513],
    [64, 65],
    [62, 63],
  ] as const
).map(([index, size]) => ({ index, size, proof: big.inclusionProof(index, size).map(hex) }))
const bigConsistency = (
  [
    [1, 1000],
    [999, 1000],
    [512, 1000],
    [513, 1000],
    [100, 999],
    [64, 65],
    [3, 127],
  ] as const
).map(([from, to]) => ({ from, to, proof: big.consistencyProof(from, to).map(hex) }))

// ---- proofs that must be refused, with the error each must give --------------------------------
/** The error code a case gets; the generator stops if a case meant to be refused is accepted. */
function refusal(name: string, run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof HoldallLogError) return error.code
    throw error
  }
  throw new Error(`the invalid vector "${name}" was accepted`)
}
const r = (size: number) => big.root(size)
const incl = big.inclusionProof(300, 1000)
const cons = big.consistencyProof(300, 1000)
const invalidInclusion = [
  // The size and root come together from one signed checkpoint: a proof of the tree of 1000
  // checked against the checkpoint of 999. (Against size 1001 and the root of 1000, a pair no
  // checkpoint holds, this proof would pass: the leaf's path has the same shape in both trees.)
  {
    name: 'wrong tree size (the checkpoint of 999)',
    index: 300,
    size: 999,
    root: r(999),
    proof: incl,
    error: 'LOG_PROOF_MISMATCH',
  },
  { name: 'wrong tree size (half)', index: 300, size: 500, root: r(1000), proof: incl, error: 'LOG_PROOF_EXTENDED' },
  { name: 'wrong root', index: 300, size: 1000, root: r(999), proof: incl, error: 'LOG_PROOF_MISMATCH' },
  { name: 'wrong index', index: 301, size: 1000, root: r(1000), proof: incl, error: 'LOG_PROOF_MISMATCH' },
  {
    name: 'truncated proof',
    index: 300,
    size: 1000,
    root: r(1000),
    proof: incl.slice(0, -1),
    error: 'LOG_PROOF_TRUNCATED',
  },
  {
    name: 'extended proof',
    index: 300,
    size: 1000,
    root: r(1000),
    proof: [...incl, r(1000)],
    error: 'LOG_PROOF_EXTENDED',
  },
  { name: 'index outside the tree', index: 1000, size: 1000, root: r(1000), proof: incl, error: 'LOG_PROOF_MALFORMED' },
  {
    name: 'a hash of 31 bytes',
    index: 300,
    size: 1000,
    root: r(1000),
    proof: [...incl.slice(0, -1), (incl[incl.length - 1] as Uint8Array).subarray(1)],
    error: 'LOG_PROOF_MALFORMED',
  },
]
  .map((c) => ({
    ...c,
    error: ((error) => {
      if (error !== c.error) console.warn(`inclusion "${c.name}": ${error}, not ${c.error}`)
      return error
    })(refusal(c.name, () => verifyInclusion(leafHash(u32(300)), c.index, c.size, c.proof, c.root))),
  }))
  .map((c) => ({
    name: c.name,
    leafHash: hex(leafHash(u32(300))),
    index: c.index,
    size: c.size,
    root: hex(c.root),
    proof: c.proof.map(hex),
    error: c.error,
  }))
const invalidConsistency = [
  {
    name: 'wrong old size',
    from: 301,
    to: 1000,
    oldRoot: r(301),
    newRoot: r(1000),
    proof: cons,
    error: 'LOG_PROOF_TRUNCATED',
  },
  {
    // As for inclusion: size and root come from one checkpoint (here the one of 999).
    name: 'wrong new size (the checkpoint of 999)',
    from: 300,
    to: 999,
    oldRoot: r(300),
    newRoot: r(999),
    proof: cons,
    error: 'LOG_PROOF_MISMATCH',
  },
  {
    name: 'wrong old root',
    from: 300,
    to: 1000,
    oldRoot: r(299),
    newRoot: r(1000),
    proof: cons,
    error: 'LOG_PROOF_MISMATCH',
  },
  {
    name: 'wrong new root',
    from: 300,
    to: 1000,
    oldRoot: r(300),
    newRoot: r(999),
    proof: cons,
    error: 'LOG_PROOF_MISMATCH',
  },
  {
    name: 'truncated proof',
    from: 300,
    to: 1000,
    oldRoot: r(300),
    newRoot: r(1000),
    proof: cons.slice(0, -1),
    error: 'LOG_PROOF_TRUNCATED',
  },
  {
    name: 'extended proof',
    from: 300,
    to: 1000,
    oldRoot: r(300),
    newRoot: r(1000),
    proof: [...cons, r(300)],
    error: 'LOG_PROOF_EXTENDED',
  },
  {
    name: 'empty proof',
    from: 300,
    to: 1000,
    oldRoot: r(300),
    newRoot: r(1000),
    proof: [],
    error: 'LOG_PROOF_TRUNCATED',
  },
  {
    name: 'same size, two roots',
    from: 1000,
    to: 1000,
    oldRoot: r(1000),
    newRoot: r(999),
    proof: [],
    error: 'LOG_PROOF_MISMATCH',
  },
  {
    name: 'old size above new size',
    from: 1000,
    to: 999,
    oldRoot: r(1000),
    newRoot: r(999),
    proof: [],
    error: 'LOG_PROOF_MALFORMED',
  },
].map((c) => {
  const error = refusal(c.name, () => verifyConsistency(c.from, c.to, c.oldRoot, c.newRoot, c.proof))
  if (error !== c.error) console.warn(`consistency "${c.name}": ${error}, not ${c.error}`)
  return { ...c, oldRoot: hex(c.oldRoot), newRoot: hex(c.newRoot), proof: c.proof.map(hex), error }
})

// ---- entries: one of each type ------------------------------------------------------------------
const at = 1_795_430_400_000
const id = (label: string) => fixed(label, 16)
const entries: LogEntry[] = [
  { type: 'device_added', at, deviceKeyId: fixed('device key id'), deviceListLink: fixed('device list link') },
  {
    type: 'device_removed',
    at: at + 1,
    deviceKeyId: fixed('device key id'),
    deviceListLink: fixed('device list link 2'),
  },
  {
    type: 'request_made',
    at: at + 2,
    requestId: id('request id'),
    clientId: 'https://surgery.example/client-metadata.json',
  },
  {
    type: 'grant_approved',
    at: at + 3,
    requestId: id('request id'),
    grantId: id('grant id'),
    receipt: utf8('eyJhbGciOiJFZERTQSIsInR5cCI6ImdyYW50K2p3dCJ9.eyJzY29wZSI6Im1lZGljYXRpb24ifQ.c2lnbmF0dXJl'),
  },
  { type: 'grant_denied', at: at + 4, requestId: id('request id 2') },
  { type: 'key_served', at: at + 5, grantId: id('grant id'), recordId: id('record id'), version: 2 },
  { type: 'grant_revoked', at: at + 6, grantId: id('grant id') },
  { type: 'record_written', at: at + 7, recordId: id('record id'), version: 3, manifestSha256: fixed('manifest 3') },
  {
    type: 'deposit_received',
    at: at + 8,
    recordId: id('deposit record id'),
    issuerClientId: 'https://healthcare.prison.example/client-metadata.json',
    manifestSha256: fixed('deposit manifest'),
    details: fixed('sealed details', 24),
  },
  { type: 'deposit_accepted', at: at + 9, recordId: id('deposit record id') },
  { type: 'host_event', at: at + 10, name: 'device_recovered' },
  {
    type: 'recovery_started',
    at: at + 11,
    recoveryId: id('recovery id'),
    deviceKeyId: fixed('recovering device key id'),
    readyAt: at + 11 + 86_400_000,
    withKit: true,
  },
  { type: 'recovery_cancelled', at: at + 12, recoveryId: id('recovery id'), deviceKeyId: fixed('device key id') },
  { type: 'recovery_share_released', at: at + 13, recoveryId: id('recovery id 2'), holder: 1 },
  {
    type: 'recovery_completed',
    at: at + 14,
    recoveryId: id('recovery id 2'),
    deviceKeyId: fixed('recovering device key id'),
    deviceListLink: fixed('device list link', 36),
  },
]
const entryJson = (entry: LogEntry) =>
  Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v]))
const encodedEntries = entries.map((e) => encodeLogEntry(e))
const served = encodedEntries[5] as Uint8Array
const patch = (bytes: Uint8Array, offset: number, value: number) => {
  const copy = bytes.slice()
  copy[offset] = value
  return copy
}
const invalidEntries = [
  { name: 'one byte appended', encoding: Uint8Array.of(...served, 0), error: 'LOG_ENTRY_MALFORMED' },
  { name: 'last byte removed', encoding: served.slice(0, -1), error: 'LOG_ENTRY_MALFORMED' },
  { name: 'version 0', encoding: patch(served, 2 + 8 + 32 + 3, 0), error: 'LOG_ENTRY_MALFORMED' },
  { name: 'time of 2^53', encoding: patch(patch(served, 3, 0x20), 2, 0), error: 'LOG_ENTRY_MALFORMED' },
  { name: 'details longer than the rest', encoding: patch(served, served.length - 1, 1), error: 'LOG_ENTRY_MALFORMED' },
  {
    name: 'client_id not UTF-8',
    encoding: Uint8Array.from(Buffer.from(`0110${'00'.repeat(8)}${'03'.repeat(16)}0002c328${'00'.repeat(4)}`, 'hex')),
    error: 'LOG_ENTRY_MALFORMED',
  },
  { name: 'reserved recovery type 0x34', encoding: patch(served, 1, 0x34), error: 'LOG_ENTRY_UNSUPPORTED' },
  {
    name: 'recovery share of holder 3',
    encoding: patch(encodedEntries[13] as Uint8Array, 2 + 8 + 16, 3),
    error: 'LOG_ENTRY_MALFORMED',
  },
  { name: 'unknown type 0x15', encoding: patch(served, 1, 0x15), error: 'LOG_ENTRY_UNSUPPORTED' },
  { name: 'format 2', encoding: patch(served, 0, 2), error: 'LOG_ENTRY_UNSUPPORTED' },
].map((c) => ({ ...c, encoding: hex(c.encoding) }))

// A tree of these entries, with the key_served entry's inclusion proof.
const entryTree = new MerkleTree()
for (const bytes of encodedEntries) entryTree.append(bytes)

// ---- checkpoints ---------------------------------------------------------------------------------
const logSeed = fixed('host log key')
const logName = 'holdall.example/log'
const logKey = noteVerifierKey(logName, ed25519.getPublicKey(logSeed))
const nextSeed = fixed('host log key, next')
const nextName = 'holdall.example/log'
const strangerSeed = fixed('a key nobody configured')
const origin = vaultLogOrigin('https://holdall.example', 'Zk3n1T0ypbGqX2mQ0w8YbA')
const signer = { name: logName, secretKey: logSeed }
const ctCheckpoint = { origin, size: 8, rootHash: ct.root(8) }
const note8 = signCheckpoint(ctCheckpoint, [signer])
const entriesNote = signCheckpoint({ origin, size: entryTree.size, rootHash: entryTree.root() }, [signer])
const text8 = formatCheckpoint(ctCheckpoint)

const L = ed25519.Point.Fn.ORDER
const le = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
const toLe = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn))
const { scalar } = ed25519.utils.getExtendedPublicKey(logSeed)
/** A note whose one signature is replaced by `signature` (key ID kept). */
function withSignature(text: string, signature: Uint8Array): string {
  const bytes = new Uint8Array(68)
  new DataView(bytes.buffer).setUint32(0, logKey.keyId)
  bytes.set(signature, 4)
  return `${text}\n\u2014 ${logName} ${base64Encode(bytes)}\n`
}
function signWithR(text: string, encodedR: Uint8Array, rScalar: bigint): Uint8Array {
  const k = le(sha512(new Uint8Array([...encodedR, ...logKey.publicKey, ...utf8(text)]))) % L
  return new Uint8Array([...encodedR, ...toLe((rScalar + k * scalar) % L)])
}
const goodSignature = (base64Decode(note8.split(' ').pop()?.trim() as string) as Uint8Array).subarray(4)
const nonCanonicalIdentity = new Uint8Array(32)
nonCanonicalIdentity[0] = 1
nonCanonicalIdentity[31] = 0x80
const T8 = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
const stranger = signNote(text8, [{ name: logName, secretKey: strangerSeed }])

const validNotes = [
  { name: 'the RFC 6962 test tree at size 8', note: note8 },
  { name: 'the empty log', note: signCheckpoint({ origin, size: 0, rootHash: EMPTY_ROOT }, [signer]) },
  { name: 'the entries above', note: entriesNote },
  {
    name: 'a signature by an unknown key beside a valid one (ignored)',
    note: `${note8}${stranger.slice(stranger.lastIndexOf('\n\n') + 2)}`,
  },
  {
    name: 'during a key rotation: signed by the next key and the current one',
    note: signNote(text8, [
      { name: nextName, secretKey: nextSeed },
      { name: logName, secretKey: logSeed },
    ]),
  },
]
const invalidNotes = [
  { name: 'signed only by an unknown key with the log key name', note: stranger, error: 'LOG_NOTE_UNVERIFIED' },
  {
    name: 'signed only by an unknown key name',
    note: signNote(text8, [{ name: 'someone.example/log', secretKey: strangerSeed }]),
    error: 'LOG_NOTE_UNVERIFIED',
  },
  {
    name: "the log key's signature over another text",
    note: withSignature(text8.replace('\n8\n', '\n9\n'), goodSignature),
    error: 'LOG_NOTE_UNVERIFIED',
  },
  {
    name: 'signature S not reduced (S + L)',
    note: withSignature(
      text8,
      new Uint8Array([...goodSignature.subarray(0, 32), ...toLe(le(goodSignature.subarray(32)) + L)]),
    ),
    error: 'LOG_NOTE_UNVERIFIED',
  },
  {
    name: 'non-canonical R: the identity with the sign bit set (Wycheproof tc 151 shape)',
    note: withSignature(text8, signWithR(text8, nonCanonicalIdentity, 0n)),
    error: 'LOG_NOTE_UNVERIFIED',
  },
  {
    name: 'R with a small-order component',
    note: withSignature(text8, signWithR(text8, ed25519.Point.BASE.multiply(4242n).add(T8).toBytes(), 4242n)),
    error: 'LOG_NOTE_UNVERIFIED',
  },
  {
    name: 'a valid signature and a failing one by the same key',
    note: `${note8}${withSignature(text8, signWithR(text8, nonCanonicalIdentity, 0n)).slice(text8.length + 1)}`,
    error: 'LOG_NOTE_UNVERIFIED',
  },
  { name: 'no blank line before the signatures', note: note8.replace('\n\n', '\n'), error: 'LOG_NOTE_MALFORMED' },
  { name: 'signature line without its newline', note: note8.slice(0, -1), error: 'LOG_NOTE_MALFORMED' },
  {
    name: 'another vault',
    note: signCheckpoint({ ...ctCheckpoint, origin: `${origin}x` }, [signer]),
    error: 'LOG_ORIGIN_MISMATCH',
  },
  {
    name: 'an extension line',
    note: signNote(`${text8}extension\n`, [signer]),
    error: 'LOG_CHECKPOINT_MALFORMED',
  },
  {
    name: 'size with a leading zero',
    note: signNote(text8.replace('\n8\n', '\n08\n'), [signer]),
    error: 'LOG_CHECKPOINT_MALFORMED',
  },
  {
    name: 'root without its padding',
    note: signNote(text8.replace('=\n', '\n'), [signer]),
    error: 'LOG_CHECKPOINT_MALFORMED',
  },
  {
    name: 'size 0 with a root other than the empty tree',
    note: signNote(text8.replace('\n8\n', '\n0\n'), [signer]),
    error: 'LOG_CHECKPOINT_MALFORMED',
  },
]

const vectors = {
  description:
    'Holdall verifiable log (protocol-spec/spec/08-verifiable-log.md). Hex throughout, except notes (text) and base64 inside them. tree: the RFC 6962 test tree of the CT reference implementations, with every inclusion proof (index from 0) and every consistency proof; largerTree: entry i is the 4-byte big-endian i, for i from 0 to 999. Invalid proofs and entries must be refused with the given error. checkpoints: verify each note with the one verifier key given and the origin given; valid ones give the stated size and root.',
  tree: {
    leaves: ctLeaves,
    leafHashes: ctLeaves.map((l) => hex(leafHash(Uint8Array.from(Buffer.from(l, 'hex'))))),
    roots: Array.from({ length: 9 }, (_, size) => hex(ct.root(size))),
    inclusion: ctInclusion,
    consistency: ctConsistency,
  },
  largerTree: {
    entry: '4-byte big-endian index',
    roots: bigSizes.map((size) => ({ size, root: hex(big.root(size)) })),
    inclusion: bigInclusion,
    consistency: bigConsistency,
  },
  invalidInclusion,
  invalidConsistency,
  entries: entries.map((entry, i) => ({
    fields: entryJson(entry),
    encoding: hex(encodedEntries[i] as Uint8Array),
    leafHash: hex(leafHash(encodedEntries[i] as Uint8Array)),
  })),
  entriesTree: {
    root: hex(entryTree.root()),
    keyServed: { index: 5, proof: entryTree.inclusionProof(5).map(hex) },
  },
  invalidEntries,
  checkpoints: {
    origin,
    logKey: {
      name: logName,
      seed: hex(logSeed),
      publicKey: hex(logKey.publicKey),
      keyId: logKey.keyId.toString(16).padStart(8, '0'),
      verifierKey: formatVerifierKey(logKey),
    },
    valid: validNotes.map((v) => {
      const lines = v.note.split('\n')
      return {
        name: v.name,
        size: Number(lines[1]),
        rootHash: hex(Buffer.from(lines[2] as string, 'base64')),
        note: v.note,
      }
    }),
    invalid: invalidNotes,
  },
}

const text = `${JSON.stringify(vectors, null, 2)}\n`
if (process.argv.includes('--check')) {
  if (readFileSync(path, 'utf8') !== text) {
    console.error('stale vector file (run npx tsx scripts/generate-log-vectors.ts): log.json')
    process.exitCode = 1
  } else console.log('log vector file is up to date')
} else {
  writeFileSync(path, text)
  console.log(`wrote ${path}`)
}
