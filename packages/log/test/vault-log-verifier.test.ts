import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { signCheckpoint, vaultLogOrigin } from '../src/checkpoint.js'
import { encodeLogEntry } from '../src/entries.js'
import { HoldallLogError } from '../src/errors.js'
import { MerkleTree } from '../src/merkle-tree.js'
import { noteVerifierKey } from '../src/signed-note.js'
import { MemoryVaultLogStore, VaultLogVerifier } from '../src/vault-log-verifier.js'
import { utf8 } from './helpers.js'

const seed = sha256(utf8('vault log verifier test key'))
const signer = { name: 'holdall.example/log', secretKey: seed }
const origin = vaultLogOrigin('https://holdall.example', 'vault-one')
const trust = { origin, keys: [noteVerifierKey(signer.name, ed25519.getPublicKey(seed))] }

function host() {
  const tree = new MerkleTree()
  const entries: Uint8Array[] = []
  return {
    tree,
    entries,
    grow(n: number, salt = 0) {
      for (let i = 0; i < n; i++) {
        const e = encodeLogEntry({
          type: 'grant_revoked',
          at: tree.size + salt,
          grantId: new Uint8Array(16).fill(tree.size & 0xff),
        })
        entries.push(e)
        tree.append(e)
      }
    },
    checkpoint: (size = tree.size) => signCheckpoint({ origin, size, rootHash: tree.root(size) }, [signer]),
  }
}

describe('[LOG-CLIENT-03] a device keeps its verified state and, once contradicted, the evidence', () => {
  it('follows an honest host across restarts (state in a store)', async () => {
    const store = new MemoryVaultLogStore()
    const h = host()
    await new VaultLogVerifier(store, trust).beginEmpty()
    h.grow(5)
    await new VaultLogVerifier(store, trust).sync({ checkpoint: h.checkpoint(), entries: h.entries.slice(0) })
    h.grow(3)
    // A new verifier over the same store (the app restarted) continues from size 5.
    const next = await new VaultLogVerifier(store, trust).sync({
      checkpoint: h.checkpoint(),
      entries: h.entries.slice(5),
    })
    expect(next.size).toBe(8)
    expect(await new VaultLogVerifier(store, trust).alarm()).toBeUndefined()
  })

  it('saves a fork as an alarm with both signed checkpoints, and refuses every later sync', async () => {
    const store = new MemoryVaultLogStore()
    const honest = host()
    honest.grow(10)
    const verifier = new VaultLogVerifier(store, trust)
    await verifier.sync({ checkpoint: honest.checkpoint(), consistencyProof: [] })
    const forked = host()
    forked.grow(10, 1) // the same size, other entries
    await expect(verifier.sync({ checkpoint: forked.checkpoint(), consistencyProof: [] })).rejects.toMatchObject({
      code: 'LOG_FORKED',
    })
    const alarm = await new VaultLogVerifier(store, trust).alarm()
    expect(alarm).toMatchObject({
      code: 'LOG_FORKED',
      evidence: { trusted: honest.checkpoint(), presented: forked.checkpoint() },
    })
    // Even the honest history is no longer followed: the device stops trusting this log.
    honest.grow(2)
    const later = new VaultLogVerifier(store, trust).sync({
      checkpoint: honest.checkpoint(),
      consistencyProof: honest.tree.consistencyProof(10),
    })
    await expect(later).rejects.toMatchObject({ code: 'LOG_UNTRUSTED', evidence: alarm?.evidence })
    expect((await new VaultLogVerifier(store, trust).trusted())?.size).toBe(10)
  })

  it('saves shrinks and failed proofs as alarms, but not an unsigned or malformed note', async () => {
    const h = host()
    h.grow(20)
    for (const [name, update, code] of [
      ['shrink', { checkpoint: h.checkpoint(19), consistencyProof: [] }, 'LOG_SHRUNK'],
      [
        'truncated proof',
        { checkpoint: h.checkpoint(20), consistencyProof: h.tree.consistencyProof(15).slice(1) },
        'LOG_PROOF_TRUNCATED',
      ],
    ] as const) {
      const store = new MemoryVaultLogStore()
      const verifier = new VaultLogVerifier(store, trust)
      if (name === 'shrink') await verifier.sync({ checkpoint: h.checkpoint(20), consistencyProof: [] })
      else await verifier.sync({ checkpoint: h.checkpoint(15), consistencyProof: [] })
      await expect(verifier.sync(update)).rejects.toMatchObject({ code })
      expect((await verifier.alarm())?.code, name).toBe(code)
    }
    const store = new MemoryVaultLogStore()
    const verifier = new VaultLogVerifier(store, trust)
    await verifier.sync({ checkpoint: h.checkpoint(15), consistencyProof: [] })
    const impostor = signCheckpoint({ origin, size: 20, rootHash: h.tree.root() }, [
      { name: signer.name, secretKey: sha256(utf8('x')) },
    ])
    const error = await verifier
      .sync({ checkpoint: impostor, consistencyProof: h.tree.consistencyProof(15) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HoldallLogError)
    expect((error as HoldallLogError).code).toBe('LOG_NOTE_UNVERIFIED')
    expect(await verifier.alarm()).toBeUndefined()
    expect(
      (await verifier.sync({ checkpoint: h.checkpoint(), consistencyProof: h.tree.consistencyProof(15) })).size,
    ).toBe(20)
  })
})
