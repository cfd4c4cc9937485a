import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { signCheckpoint, vaultLogOrigin } from '../src/checkpoint.js'
import { encodeLogEntry, type LogEntry } from '../src/entries.js'
import { leafHash } from '../src/hashing.js'
import { verifyKeyServed } from '../src/key-served.js'
import {
  adoptCompactRange,
  advanceByEntries,
  advanceByProof,
  emptyTrustedLog,
  type TrustedLog,
  type TrustedLogJson,
  trustCheckpoint,
  trustedLogFromJson,
  trustedLogToJson,
} from '../src/log-verifier.js'
import { MerkleTree } from '../src/merkle-tree.js'
import { noteVerifierKey } from '../src/signed-note.js'
import { rangeNodes } from '../src/tree-shape.js'
import { codeOf, errorOf, hex, utf8 } from './helpers.js'

const seed = sha256(utf8('verifier test log key'))
const signer = { name: 'holdall.example/log', secretKey: seed }
const origin = vaultLogOrigin('https://holdall.example', 'Zk3n1T0ypbGqX2mQ0w8YbA')
const trust = { origin, keys: [noteVerifierKey(signer.name, ed25519.getPublicKey(seed))] }
const id = (n: number) => sha256(Uint8Array.of(n)).subarray(0, 16)

/** An honest host: a tree of entries and checkpoints signed as it grows. */
class Host {
  readonly tree = new MerkleTree()
  readonly entries: Uint8Array[] = []
  append(entry: LogEntry): number {
    const bytes = encodeLogEntry(entry)
    this.entries.push(bytes)
    return this.tree.append(bytes)
  }
  grow(count: number): void {
    for (let i = 0; i < count; i++)
      this.append({
        type: 'request_made',
        at: 1_800_000_000_000 + this.tree.size,
        requestId: id(this.tree.size),
        clientId: 'https://gp.example/m',
      })
  }
  checkpoint(size = this.tree.size): string {
    return signCheckpoint({ origin, size, rootHash: this.tree.root(size) }, [signer])
  }
}

function hostWith(size: number): Host {
  const host = new Host()
  host.grow(size)
  return host
}

describe('[LOG-CLIENT-02] a client moves forward only by proof or by entries', () => {
  it('follows an honest host from empty, by entries and by consistency proofs', () => {
    const host = new Host()
    let byEntries = emptyTrustedLog(origin)
    let byProof: TrustedLog = emptyTrustedLog(origin)
    for (const step of [1, 2, 5, 1, 8, 0, 47]) {
      const from = host.tree.size
      host.grow(step)
      const note = host.checkpoint()
      byEntries = advanceByEntries(byEntries, note, host.entries.slice(from), trust)
      byProof = advanceByProof(byProof, note, host.tree.consistencyProof(byProof.size), trust)
      expect(byEntries.size).toBe(host.tree.size)
      expect(hex(byEntries.rootHash)).toBe(hex(host.tree.root()))
      expect(hex(byProof.rootHash)).toBe(hex(host.tree.root()))
      expect(hex(byEntries.range?.root() ?? new Uint8Array())).toBe(hex(host.tree.root()))
    }
    expect(byProof.checkpoint).toBe(host.checkpoint())
  })

  it('starts from a first checkpoint it verifies (a new device, a service)', () => {
    const host = hostWith(10)
    const first = trustCheckpoint(host.checkpoint(), trust)
    expect(first.size).toBe(10)
    expect(first.range).toBeUndefined()
    host.grow(3)
    expect(advanceByProof(first, host.checkpoint(), host.tree.consistencyProof(10), trust).size).toBe(13)
    expect(codeOf(() => advanceByEntries(first, host.checkpoint(), host.entries.slice(10), trust))).toBe(
      'LOG_STATE_INVALID',
    )
  })

  it('refuses entries that are not the ones the signed root covers', () => {
    const host = hostWith(20)
    const trusted = advanceByEntries(emptyTrustedLog(origin), host.checkpoint(20), host.entries, trust)
    host.grow(5)
    const note = host.checkpoint()
    const fresh = host.entries.slice(20)
    // One entry deleted (a read hidden), replaced, reordered; one too few; one too many.
    const swapped = [fresh[1], fresh[0], ...fresh.slice(2)] as Uint8Array[]
    const replaced = [...fresh.slice(0, 4), encodeLogEntry({ type: 'grant_denied', at: 1, requestId: id(99) })]
    for (const [name, entries] of [
      ['reordered', swapped],
      ['replaced', replaced],
      ['one missing', fresh.slice(1)],
      ['one extra', [...fresh, fresh[0] as Uint8Array]],
    ] as const) {
      const error = errorOf(() => advanceByEntries(trusted, note, entries, trust))
      expect(error.code, name).toBe('LOG_ENTRIES_MISMATCH')
      expect(error.evidence).toEqual({ trusted: trusted.checkpoint, presented: note })
    }
  })

  it('[LOG-PROOF-03] names truncated, extended and wrong consistency proofs, with evidence', () => {
    const host = hostWith(1_000)
    const trusted = trustCheckpoint(host.checkpoint(900), trust)
    const note = host.checkpoint()
    const proof = host.tree.consistencyProof(900)
    expect(codeOf(() => advanceByProof(trusted, note, proof.slice(0, -1), trust))).toBe('LOG_PROOF_TRUNCATED')
    expect(codeOf(() => advanceByProof(trusted, note, [...proof, proof[0] as Uint8Array], trust))).toBe(
      'LOG_PROOF_EXTENDED',
    )
    const flipped = proof.map((h) => h.slice())
    const target = flipped[2] as Uint8Array
    target[5] = (target[5] as number) ^ 1
    const error = errorOf(() => advanceByProof(trusted, note, flipped, trust))
    expect(error.code).toBe('LOG_PROOF_MISMATCH')
    expect(error.evidence).toEqual({ trusted: host.checkpoint(900), presented: note })
    // At the same size, only an empty proof is accepted.
    expect(advanceByProof(trusted, host.checkpoint(900), [], trust)).toBe(trusted)
    expect(codeOf(() => advanceByProof(trusted, host.checkpoint(900), [proof[0] as Uint8Array], trust))).toBe(
      'LOG_PROOF_EXTENDED',
    )
    // A proof for the wrong sizes (from 899) is refused too.
    expect(codeOf(() => advanceByProof(trusted, note, host.tree.consistencyProof(899), trust))).not.toBe('none')
  })
})

describe('[LOG-CLIENT-01] shrinks and forks are refused, with both signed checkpoints as evidence', () => {
  it('refuses a smaller tree', () => {
    const host = hostWith(50)
    const trusted = trustCheckpoint(host.checkpoint(50), trust)
    const older = host.checkpoint(49)
    const error = errorOf(() => advanceByProof(trusted, older, [], trust))
    expect(error.code).toBe('LOG_SHRUNK')
    expect(error.evidence).toEqual({ trusted: trusted.checkpoint, presented: older })
    expect(codeOf(() => advanceByEntries(emptyTrustedLog(origin), host.checkpoint(0), [], trust))).toBe('none')
  })

  it('refuses another root for the same size, and a history rewritten under it', () => {
    const honest = hostWith(30)
    const trusted = trustCheckpoint(honest.checkpoint(), trust)
    // The host deletes entry 7 (a key it served) and appends another to keep the size.
    const forger = new Host()
    for (const [i, entry] of honest.entries.entries())
      if (i !== 7) {
        forger.entries.push(entry)
        forger.tree.append(entry)
      }
    forger.grow(1)
    const fork = forger.checkpoint()
    const error = errorOf(() => advanceByProof(trusted, fork, [], trust))
    expect(error.code).toBe('LOG_FORKED')
    expect(error.evidence).toEqual({ trusted: honest.checkpoint(), presented: fork })
    // Grown further, the rewritten log cannot be proved consistent with what the client saw.
    forger.grow(10)
    const later = forger.checkpoint()
    expect(codeOf(() => advanceByProof(trusted, later, forger.tree.consistencyProof(30), trust))).toBe(
      'LOG_PROOF_MISMATCH',
    )
  })

  it('[LOG-CLIENT-03] keeps its trusted state unchanged after any failure', () => {
    const host = hostWith(12)
    const trusted = advanceByEntries(emptyTrustedLog(origin), host.checkpoint(), host.entries, trust)
    const before = JSON.stringify(trustedLogToJson(trusted))
    host.grow(4)
    expect(codeOf(() => advanceByEntries(trusted, host.checkpoint(), host.entries.slice(13), trust))).toBe(
      'LOG_ENTRIES_MISMATCH',
    )
    expect(codeOf(() => advanceByProof(trusted, host.checkpoint(), [], trust))).toBe('LOG_PROOF_TRUNCATED')
    expect(codeOf(() => advanceByProof(trusted, `${host.checkpoint()}x`, [], trust))).toBe('LOG_NOTE_MALFORMED')
    // The right number of entries, one of them wrong: hashed into a copy of the range, not this one.
    const tampered = [...host.entries.slice(12, 15), encodeLogEntry({ type: 'grant_denied', at: 1, requestId: id(98) })]
    expect(codeOf(() => advanceByEntries(trusted, host.checkpoint(), tampered, trust))).toBe('LOG_ENTRIES_MISMATCH')
    expect(JSON.stringify(trustedLogToJson(trusted))).toBe(before)
    expect(trusted.range?.size).toBe(12)
    // And moving forward makes a new state; the old one still describes size 12.
    const next = advanceByEntries(trusted, host.checkpoint(), host.entries.slice(12), trust)
    expect(next.size).toBe(16)
    expect(JSON.stringify(trustedLogToJson(trusted))).toBe(before)
    expect(trustedLogFromJson(trustedLogToJson(trusted)).size).toBe(12)
  })

  it('refuses a checkpoint for another vault, or state kept for another vault', () => {
    const host = hostWith(3)
    const otherTrust = { ...trust, origin: vaultLogOrigin('https://holdall.example', 'other') }
    expect(codeOf(() => advanceByProof(emptyTrustedLog(origin), host.checkpoint(), [], otherTrust))).toBe(
      'LOG_ORIGIN_MISMATCH',
    )
  })
})

describe('stored state', () => {
  it('round-trips through JSON and refuses parts that disagree', () => {
    const host = hostWith(21)
    const trusted = advanceByEntries(emptyTrustedLog(origin), host.checkpoint(), host.entries, trust)
    const json = trustedLogToJson(trusted)
    const back = trustedLogFromJson(JSON.parse(JSON.stringify(json)))
    expect(trustedLogToJson(back)).toEqual(json)
    host.grow(1)
    expect(advanceByEntries(back, host.checkpoint(), host.entries.slice(21), trust).size).toBe(22)
    const bad: TrustedLogJson[] = [
      { ...json, size: 20 },
      { ...json, rootHash: json.rootHash.replace(/^./, json.rootHash.startsWith('A') ? 'B' : 'A') },
      { ...json, range: (json.range ?? []).slice(1) },
      { ...json, range: [...(json.range ?? [])].reverse() },
      { origin, size: 3, rootHash: json.rootHash },
    ]
    for (const state of bad)
      expect(
        codeOf(() => trustedLogFromJson(state)),
        JSON.stringify(state).slice(0, 80),
      ).not.toBe('none')
  })
})

describe('[LOG-SVC-01] a service checks that the key it is about to use was logged', () => {
  const grantId = id(200)
  const recordId = id(201)
  const host = hostWith(40)
  const index = host.append({ type: 'key_served', at: 1_800_000_000_000, grantId, recordId, version: 2 })
  host.grow(9)
  const served = {
    checkpoint: host.checkpoint(),
    entry: host.entries[index] as Uint8Array,
    index,
    proof: host.tree.inclusionProof(index),
  }
  const expected = { grantId, recordId, version: 2 }

  it('accepts the logged entry with its inclusion proof', () => {
    const { entry } = verifyKeyServed(served, expected, trust)
    expect(entry.type).toBe('key_served')
    expect(hex(leafHash(served.entry))).toBe(hex(host.tree.node({ level: 0, index })))
  })

  it('refuses another grant, record or version, another entry, a missing or wrong proof', () => {
    const other = host.entries[index - 1] as Uint8Array
    const cases: [string, () => unknown, string][] = [
      ['other version', () => verifyKeyServed(served, { ...expected, version: 3 }, trust), 'LOG_ENTRY_UNEXPECTED'],
      ['other grant', () => verifyKeyServed(served, { ...expected, grantId: id(1) }, trust), 'LOG_ENTRY_UNEXPECTED'],
      ['other record', () => verifyKeyServed(served, { ...expected, recordId: id(1) }, trust), 'LOG_ENTRY_UNEXPECTED'],
      [
        'not a key_served entry',
        () => verifyKeyServed({ ...served, entry: other }, expected, trust),
        'LOG_ENTRY_UNEXPECTED',
      ],
      ['no proof', () => verifyKeyServed({ ...served, proof: [] }, expected, trust), 'LOG_PROOF_TRUNCATED'],
      ['wrong index', () => verifyKeyServed({ ...served, index: index + 1 }, expected, trust), 'LOG_PROOF_MISMATCH'],
      ['index outside', () => verifyKeyServed({ ...served, index: 50 }, expected, trust), 'LOG_PROOF_MALFORMED'],
      [
        'older checkpoint',
        () => verifyKeyServed({ ...served, checkpoint: host.checkpoint(45) }, expected, trust),
        'LOG_PROOF_EXTENDED',
      ],
      [
        'before the entry',
        () => verifyKeyServed({ ...served, checkpoint: host.checkpoint(40) }, expected, trust),
        'LOG_PROOF_MALFORMED',
      ],
      [
        'unsigned',
        () => verifyKeyServed({ ...served, checkpoint: served.checkpoint.split('\n\n')[0] as string }, expected, trust),
        'LOG_NOTE_MALFORMED',
      ],
    ]
    for (const [name, run, code] of cases) expect(codeOf(run), name).toBe(code)
  })
})

describe('[LOG-CLIENT-02] a device that began from a checkpoint adopts a compact range only if it gives the trusted root', () => {
  it('takes the subtree hashes of [0, size) from the host, checked against the trusted root', () => {
    const host = hostWith(37)
    const trusted = trustCheckpoint(host.checkpoint(), trust)
    const served = rangeNodes({ start: 0, end: 37 }).map(host.tree.node)
    const withRange = adoptCompactRange(trusted, served)
    host.grow(6)
    expect(advanceByEntries(withRange, host.checkpoint(), host.entries.slice(37), trust).size).toBe(43)
    expect(codeOf(() => adoptCompactRange(trusted, served.slice(1)))).toBe('LOG_PROOF_MALFORMED')
    expect(codeOf(() => adoptCompactRange(trusted, [...served].reverse()))).toBe('LOG_PROOF_MISMATCH')
    expect(codeOf(() => adoptCompactRange(trusted, rangeNodes({ start: 0, end: 36 }).map(host.tree.node)))).not.toBe(
      'none',
    )
  })
})
