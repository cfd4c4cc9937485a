import { describe, expect, it } from 'vitest'
import {
  combineRecoveryShares,
  deriveRecoveryMember,
  deriveVaultKeyCheck,
  formatRecoveryKitCode,
  generateAgreementKeyPair,
  generateId,
  generateVaultRootKey,
  parseRecoveryKitCode,
  parseRecoveryShare,
  recoveryKitCodeTypos,
  recoveryKitProof,
  splitRecoveryShares,
  unwrapRecoveryShare,
  verifyDeviceChain,
  wrapRecoveryShare,
} from '../src/index.js'
import { loadVectors } from './vectors.js'

const setup = async () => {
  const vaultId = generateId()
  const vrk = generateVaultRootKey()
  const shares = await splitRecoveryShares(vrk, vaultId, 3)
  return { vaultId, vrk, shares, check: deriveVaultKeyCheck(vrk, vaultId) }
}

describe('recovery shares (spec 9.3)', () => {
  it('[REC-SHARE-01] every pair of the three shares rebuilds the VRK, and the share says its vault and epoch', async () => {
    const { vaultId, vrk, shares, check } = await setup()
    for (const pair of [
      [shares.kit, shares.worker],
      [shares.kit, shares.host],
      [shares.worker, shares.host],
    ]) {
      const got = await combineRecoveryShares(pair, { vaultId, check })
      expect(Buffer.from(got.vaultRootKey)).toEqual(Buffer.from(vrk))
      expect(got.epoch).toBe(3)
    }
    expect(shares.kit.length).toBe(55)
    expect(parseRecoveryShare(shares.worker)).toMatchObject({ holder: 'worker', epoch: 3 })
  })

  it('[REC-SHARE-02] attack case 32: a damaged worker share fails the check alone and is named when three are offered', async () => {
    const { vaultId, vrk, shares, check } = await setup()
    const bad = shares.worker.slice()
    bad[30] = (bad[30] as number) ^ 1
    await expect(combineRecoveryShares([shares.kit, bad], { vaultId, check })).rejects.toMatchObject({
      code: 'RECOVERY_FAILED',
    })
    const got = await combineRecoveryShares([bad, shares.kit, shares.host], { vaultId, check })
    expect(Buffer.from(got.vaultRootKey)).toEqual(Buffer.from(vrk))
    expect(got.used).toEqual(['kit', 'host'])
    expect(got.rejected).toEqual(['worker'])
  })

  it('[REC-SHARE-03] a share of another vault, of another epoch, or the same holder twice is refused', async () => {
    const a = await setup()
    const b = await setup()
    await expect(combineRecoveryShares([a.shares.kit, b.shares.host], a)).rejects.toMatchObject({
      code: 'RECOVERY_SHARE_INVALID',
    })
    const later = await splitRecoveryShares(a.vrk, a.vaultId, 4)
    await expect(combineRecoveryShares([a.shares.kit, later.host], a)).rejects.toMatchObject({
      code: 'RECOVERY_SHARE_INVALID',
    })
    await expect(combineRecoveryShares([a.shares.kit, a.shares.kit], a)).rejects.toMatchObject({
      code: 'RECOVERY_SHARE_INVALID',
    })
    await expect(combineRecoveryShares([a.shares.kit], a)).rejects.toMatchObject({ code: 'RECOVERY_FAILED' })
  })

  it('[REC-KIT-01] the kit code round-trips in 23 groups of five, and every single mistyped symbol is found in its own group', async () => {
    const { shares } = await setup()
    const code = formatRecoveryKitCode(shares.kit)
    expect(code.split(' ')).toHaveLength(23)
    expect(code.split(' ').every((g) => g.length === 5)).toBe(true)
    expect(Buffer.from(parseRecoveryKitCode(code.toLowerCase()))).toEqual(Buffer.from(shares.kit))
    expect(recoveryKitCodeTypos(code)).toEqual([])
    const symbols = code.replace(/ /g, '')
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    for (let at = 0; at < symbols.length; at++) {
      for (const other of alphabet) {
        if (other === symbols[at]) continue
        const wrong = symbols.slice(0, at) + other + symbols.slice(at + 1)
        expect(recoveryKitCodeTypos(wrong), `symbol ${at} as ${other}`).toEqual([Math.floor(at / 5) + 1])
      }
      expect(() =>
        parseRecoveryKitCode(symbols.slice(0, at) + (symbols[at] === 'A' ? 'B' : 'A') + symbols.slice(at + 1)),
      ).toThrow(expect.objectContaining({ code: 'RECOVERY_SHARE_INVALID' }))
    }
    // Two neighbours swapped inside a group's data, and two groups swapped, fail too.
    for (let at = 0; at < symbols.length - 1; at++) {
      if (at % 5 >= 3 || symbols[at] === symbols[at + 1]) continue
      const swapped = symbols.slice(0, at) + symbols[at + 1] + symbols[at] + symbols.slice(at + 2)
      expect(recoveryKitCodeTypos(swapped), `swap at ${at}`).toEqual([Math.floor(at / 5) + 1])
    }
    const groups = code.split(' ')
    expect(recoveryKitCodeTypos([groups[1], groups[0], ...groups.slice(2)].join(' '))).toEqual([1, 2])
    expect(recoveryKitCodeTypos(symbols.slice(1))).toBeUndefined()
    expect(recoveryKitProof(shares.kit)).toHaveLength(32)
    expect(() => recoveryKitProof(shares.host)).toThrow()
  })

  it('[REC-SHARE-04] a sealed share opens only with the device key and recovery it was sealed for', async () => {
    const { vaultId, shares } = await setup()
    const device = generateAgreementKeyPair()
    const other = generateAgreementKeyPair()
    const recoveryId = generateId()
    const sealed = await wrapRecoveryShare(shares.host, device.publicKey, { vaultId, recoveryId })
    expect(sealed).toHaveLength(103)
    expect(Buffer.from(await unwrapRecoveryShare(sealed, device.secretKey, { vaultId, recoveryId }))).toEqual(
      Buffer.from(shares.host),
    )
    await expect(unwrapRecoveryShare(sealed, other.secretKey, { vaultId, recoveryId })).rejects.toMatchObject({
      code: 'WRAP_OPEN_FAILED',
    })
    await expect(
      unwrapRecoveryShare(sealed, device.secretKey, { vaultId, recoveryId: generateId() }),
    ).rejects.toMatchObject({ code: 'WRAP_OPEN_FAILED' })
  })

  it('[REC-MEMBER-01] the recovery member changes with the epoch', async () => {
    const { vaultId, vrk } = await setup()
    const a = deriveRecoveryMember(vrk, vaultId, 1)
    const b = deriveRecoveryMember(vrk, vaultId, 2)
    expect(Buffer.from(a.signingPublicKey)).not.toEqual(Buffer.from(b.signingPublicKey))
    expect(Buffer.from(deriveRecoveryMember(vrk, vaultId, 1).signingPublicKey)).toEqual(Buffer.from(a.signingPublicKey))
  })
})

interface RecoveryVectors {
  vaultId: string
  epoch: number
  vaultRootKey: string
  check: string
  shares: { kit: string; worker: string; host: string }
  kitCode: string
  kitProof: string
  recoveryMember: { epoch: number; signingKey: string; agreementKey: string }
  sealedShare: { recipientSecretKey: string; recoveryId: string; sealed: string; share: 'host' }
  invalid: { name: string; shares: string[]; error: string }[]
  mistypedKitCode: { code: string; error: string; wrongGroups: number[] }
  deviceChain: { entries: string[]; root: string; members: string[] }
}

describe('recovery vectors (protocol-spec/vectors/holdall/recovery.json)', () => {
  const v = loadVectors<RecoveryVectors>('holdall/recovery.json')
  const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'))
  const expected = { vaultId: bytes(v.vaultId), check: bytes(v.check) }

  it('[REC-SHARE-01][REC-SHARE-02] every pair of the three shares rebuilds the VRK, whose check is the one given', async () => {
    expect(Buffer.from(deriveVaultKeyCheck(bytes(v.vaultRootKey), bytes(v.vaultId))).toString('hex')).toBe(v.check)
    const { kit, worker, host } = v.shares
    for (const pair of [
      [kit, worker],
      [kit, host],
      [worker, host],
    ]) {
      const got = await combineRecoveryShares(pair.map(bytes), expected)
      expect(Buffer.from(got.vaultRootKey).toString('hex')).toBe(v.vaultRootKey)
    }
  })

  it('[REC-KIT-01][REC-MEMBER-01] kit code, kit proof, recovery member and sealed share reproduce', async () => {
    expect(formatRecoveryKitCode(bytes(v.shares.kit))).toBe(v.kitCode)
    expect(Buffer.from(recoveryKitProof(bytes(v.shares.kit))).toString('hex')).toBe(v.kitProof)
    const member = deriveRecoveryMember(bytes(v.vaultRootKey), bytes(v.vaultId), v.recoveryMember.epoch)
    expect(Buffer.from(member.signingPublicKey).toString('hex')).toBe(v.recoveryMember.signingKey)
    expect(Buffer.from(member.agreementPublicKey).toString('hex')).toBe(v.recoveryMember.agreementKey)
    const opened = await unwrapRecoveryShare(bytes(v.sealedShare.sealed), bytes(v.sealedShare.recipientSecretKey), {
      vaultId: bytes(v.vaultId),
      recoveryId: bytes(v.sealedShare.recoveryId),
    })
    expect(Buffer.from(opened).toString('hex')).toBe(v.shares.host)
  })

  it('[REC-SHARE-03] every invalid case is refused with its code', async () => {
    for (const c of v.invalid)
      await expect(combineRecoveryShares(c.shares.map(bytes), expected), c.name).rejects.toMatchObject({
        code: c.error,
      })
    expect(() => parseRecoveryKitCode(v.mistypedKitCode.code)).toThrow(
      expect.objectContaining({ code: v.mistypedKitCode.error }),
    )
    expect(recoveryKitCodeTypos(v.mistypedKitCode.code)).toEqual(v.mistypedKitCode.wrongGroups)
  })

  it('[REC-MEMBER-01] the removal, rotation and recovery entries of the device chain verify, ending with N and member 2', () => {
    const chain = verifyDeviceChain(v.deviceChain.entries.map(bytes), { vaultId: bytes(v.vaultId) })
    expect(Buffer.from(chain.root).toString('hex')).toBe(v.deviceChain.root)
    expect(chain.members.map((m) => Buffer.from(m.signingKey).toString('hex'))).toEqual(v.deviceChain.members)
  })
})
