import { describe, expect, it } from 'vitest'
import {
  createDeviceChainGenesis,
  deviceChainMember,
  deviceChainSafetyCode,
  nextDeviceChainEntry,
  normaliseSafetyCode,
  parseDeviceChainEntry,
  safetyCodeMatches,
  verifyDeviceChain,
} from '../src/device-chain.js'
import { generateId } from '../src/key-hierarchy.js'
import { generateDeviceKeys, keyThumbprint } from '../src/keys.js'
import { fromHex, hex } from './helpers.js'
import { loadVectors } from './vectors.js'

interface ChainVectors {
  vaultId: string
  devices: { name: string; seed: string; signingKey: string; agreementKey: string }[]
  valid: {
    entries: string[]
    hashes: string[]
    root: string
    safetyCode: string
    head: { seq: number; hash: string }
    members: string[]
  }
  invalid: {
    name: string
    entries: string[]
    root?: string
    knownHead?: { seq: number; hash: string }
    error: string
  }[]
}

describe('device chain vectors (protocol-spec/vectors/holdall/device-chain.json)', () => {
  const v = loadVectors<ChainVectors>('holdall/device-chain.json')
  const vaultId = fromHex(v.vaultId)

  it('[CRY-CHAIN-01] verifies the valid chain: hashes, root, head, members and safety code', () => {
    const chain = verifyDeviceChain(v.valid.entries.map(fromHex), { vaultId, root: fromHex(v.valid.root) })
    expect(chain.entries.map((e) => hex(e.hash))).toEqual(v.valid.hashes)
    expect(hex(chain.root)).toBe(v.valid.root)
    expect({ seq: chain.head.seq, hash: hex(chain.head.hash) }).toEqual(v.valid.head)
    expect(chain.members.map((m) => hex(m.signingKey))).toEqual(v.valid.members)
    expect(deviceChainSafetyCode(chain.root)).toBe(v.valid.safetyCode)
  })

  it('[CRY-CHAIN-01] reproduces the entries byte for byte from the seeds', () => {
    const [a] = v.devices
    const genesis = createDeviceChainGenesis(vaultId, {
      signingSecretKey: fromHex(a?.seed as string),
      agreementPublicKey: fromHex(a?.agreementKey as string),
    })
    expect(hex(genesis)).toBe(v.valid.entries[0])
  })

  it('[CRY-CHAIN-03] accepts the chain against a head seen earlier (it only grew)', () => {
    const entries = v.valid.entries.map(fromHex)
    const earlier = verifyDeviceChain(entries.slice(0, 2), { vaultId })
    expect(() => verifyDeviceChain(entries, { vaultId, knownHead: earlier.head })).not.toThrow()
  })

  for (const bad of v.invalid) {
    it(`[CRY-CHAIN-02] refuses: ${bad.name}`, () => {
      expect(() =>
        verifyDeviceChain(bad.entries.map(fromHex), {
          vaultId,
          ...(bad.root === undefined ? {} : { root: fromHex(bad.root) }),
          ...(bad.knownHead === undefined
            ? {}
            : { knownHead: { seq: bad.knownHead.seq, hash: fromHex(bad.knownHead.hash) } }),
        }),
      ).toThrow(expect.objectContaining({ code: bad.error }))
    })
  }
})

describe('device chain, built as a holder builds it', () => {
  it('[CRY-CHAIN-01] a member adds and removes devices; members follow; a removed one cannot sign', () => {
    const vaultId = generateId()
    const [a, b, c] = [generateDeviceKeys(), generateDeviceKeys(), generateDeviceKeys()] as const
    const entries = [
      createDeviceChainGenesis(vaultId, {
        signingSecretKey: a.signing.secretKey,
        agreementPublicKey: a.agreement.publicKey,
      }),
    ]
    const add = (signer: typeof a, subject: typeof a) => {
      const chain = verifyDeviceChain(entries, { vaultId })
      entries.push(
        nextDeviceChainEntry(
          chain,
          {
            operation: 'add',
            subjectSigningKey: subject.signing.publicKey,
            subjectAgreementKey: subject.agreement.publicKey,
          },
          signer.signing.secretKey,
        ),
      )
    }
    add(a, b)
    const before = verifyDeviceChain(entries, { vaultId })
    entries.push(
      nextDeviceChainEntry(
        before,
        { operation: 'remove', subjectSigningKey: a.signing.publicKey },
        b.signing.secretKey,
      ),
    )
    const after = verifyDeviceChain(entries, { vaultId, root: before.root, knownHead: before.head })
    expect(after.members.map((m) => hex(m.signingKey))).toEqual([hex(b.signing.publicKey)])
    expect(deviceChainMember(after, keyThumbprint(b.signing.publicKey, 'Ed25519'))).toBeDefined()
    expect(deviceChainMember(after, keyThumbprint(a.signing.publicKey, 'Ed25519'))).toBeUndefined()
    add(a, c) // the removed device A signs the addition of C
    expect(() => verifyDeviceChain(entries, { vaultId })).toThrow(
      expect.objectContaining({ code: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER' }),
    )
  })

  it('[CRY-CHAIN-02] refuses to remove the last device, and a removal carrying an agreement key', () => {
    const vaultId = generateId()
    const a = generateDeviceKeys()
    const genesis = createDeviceChainGenesis(vaultId, {
      signingSecretKey: a.signing.secretKey,
      agreementPublicKey: a.agreement.publicKey,
    })
    const chain = verifyDeviceChain([genesis], { vaultId })
    const removal = nextDeviceChainEntry(
      chain,
      { operation: 'remove', subjectSigningKey: a.signing.publicKey },
      a.signing.secretKey,
    )
    expect(() => verifyDeviceChain([genesis, removal], { vaultId })).toThrow(
      expect.objectContaining({ code: 'DEVICE_CHAIN_MEMBERSHIP_INVALID' }),
    )
    const withKey = removal.slice()
    withKey[90] = 1
    expect(() => parseDeviceChainEntry(withKey)).toThrow(expect.objectContaining({ code: 'DEVICE_CHAIN_MALFORMED' }))
    const unknownOperation = removal.slice()
    unknownOperation[53] = 3
    expect(() => parseDeviceChainEntry(unknownOperation)).toThrow(
      expect.objectContaining({ code: 'DEVICE_CHAIN_MALFORMED' }),
    )
  })
})

describe('safety codes', () => {
  it('[CRY-CHAIN-04] 16 Crockford symbols of the root; typed forms are forgiven, other roots are not', () => {
    const root = fromHex('00443214c74254b635cf84653a56d7c675be77df'.padEnd(64, '0'))
    const code = deviceChainSafetyCode(root)
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/)
    expect(code).toBe('0123456789ABCDEF')
    expect(normaliseSafetyCode('0i23 4567-89ab cdef')).toBe(code)
    expect(safetyCodeMatches(root, '0123 4567 89AB CDEF')).toBe(true)
    expect(safetyCodeMatches(root, '0123 4567 89AB CDEG')).toBe(false)
    expect(safetyCodeMatches(root, '0123 4567 89AB CDE')).toBe(false)
    expect(safetyCodeMatches(root, '0123 4567 89AB CDEU')).toBe(false)
  })
})
