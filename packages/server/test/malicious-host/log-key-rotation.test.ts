import { randomBytes } from 'node:crypto'
import { HolderClient } from '@holdall/client'
import { signingPublicKey } from '@holdall/crypto'
import {
  formatVerifierKey,
  type NoteSigner,
  noteVerifierKey,
  parseNote,
  rotatedKeys,
  signCheckpoint,
  signNote,
} from '@holdall/log'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'

/*
 * Taking up a rotated host log key ([LOG-CLIENT-06], LOG-HOST-07): a client trusts a new key only
 * when a checkpoint that verifies under a key it already trusts carries a valid signature by it.
 * The operator lists a key of its own in discovery, or signs with the new key alone: refused.
 */
const key = (name: string): NoteSigner => ({ name, secretKey: new Uint8Array(randomBytes(32)) })
const verifier = (s: NoteSigner) => noteVerifierKey(s.name, signingPublicKey(s.secretKey))
const origin = 'host.example/vaults/AAAAAAAAAAAAAAAAAAAAAA'
const checkpoint = (signers: NoteSigner[]) =>
  signCheckpoint({ origin, size: 3, rootHash: new Uint8Array(32).fill(5) }, signers)

describe('a rotated host log key', () => {
  const old = key('host.example/log')
  const fresh = key('host.example/log')
  const trust = { origin, keys: [verifier(old)] }

  it('[LOG-CLIENT-06] is taken up from a checkpoint signed by the trusted key and the new one', () => {
    expect(rotatedKeys(checkpoint([old, fresh]), trust, [verifier(old), verifier(fresh)])).toEqual([verifier(fresh)])
  })

  it('[LOG-CLIENT-06] is refused when listed but not signing beside the trusted key, or signing alone', () => {
    const stranger = key('host.example/log')
    // Listed in discovery, not on the checkpoint.
    expect(rotatedKeys(checkpoint([old]), trust, [verifier(stranger)])).toEqual([])
    // On the checkpoint, but the checkpoint has no signature by a trusted key.
    expect(() => rotatedKeys(checkpoint([fresh]), trust, [verifier(fresh)])).toThrow()
    // A signature line naming the listed key that does not verify under it.
    const note = checkpoint([old, fresh])
    const forged = signNote(parseNote(note).text, [old, { ...stranger, name: fresh.name }])
    const listed = { ...verifier(fresh), keyId: verifier(stranger).keyId, publicKey: verifier(fresh).publicKey }
    expect(rotatedKeys(forged, trust, [listed])).toEqual([])
  })

  describe('through the SDK, against a host in rotation', () => {
    let host: Host
    beforeAll(async () => {
      host = await startHost({}, { app: { logKeys: [old, fresh] } })
    })
    afterAll(async () => host?.close())

    it('[LOG-CLIENT-06][LOG-HOST-07] a holder pinned to the old key trusts the new one after a checkpoint both signed', async () => {
      const holder = await HolderClient.createVault(host.url, fetch, { logKeys: [formatVerifierKey(verifier(old))] })
      await holder.putRecord('medication_list', medicationList(), 'Medicines')
      expect((await holder.vaultLog.trust()).keys).toHaveLength(1)
      await holder.vaultLog.sync()
      const keys = (await holder.vaultLog.trust()).keys
      expect(keys.map(formatVerifierKey)).toEqual([
        formatVerifierKey(verifier(old)),
        formatVerifierKey(verifier(fresh)),
      ])
    })

    it('[LOG-CLIENT-06] the operator lists a key of its own in discovery: never trusted', async () => {
      const operator = key('host.example/log')
      const wire: typeof fetch = async (input, init) => {
        const response = await fetch(input, init)
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
        if (!url.endsWith('/.well-known/holdall')) return response
        const body = (await response.json()) as { log_verifier_keys?: string[] }
        body.log_verifier_keys = [...(body.log_verifier_keys ?? []), formatVerifierKey(verifier(operator))]
        const headers = new Headers(response.headers)
        headers.delete('content-length')
        return new Response(JSON.stringify(body), { status: response.status, headers })
      }
      const holder = await HolderClient.createVault(host.url, wire, { logKeys: [formatVerifierKey(verifier(old))] })
      await holder.vaultLog.sync()
      const keys = (await holder.vaultLog.trust()).keys.map(formatVerifierKey)
      expect(keys).not.toContain(formatVerifierKey(verifier(operator)))
      expect(keys).toContain(formatVerifierKey(verifier(fresh)))
    })
  })
})
