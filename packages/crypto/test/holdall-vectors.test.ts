import { describe, expect, it } from 'vitest'
import { concat, u32be } from '../src/bytes.js'
import { LABELS } from '../src/constants.js'
import { openEnvelope, sealEnvelopeWithSalt } from '../src/envelope.js'
import { recordBinding } from '../src/envelope-header.js'
import { deriveEnvelopeKeys } from '../src/envelope-keys.js'
import { EnvelopeOpener } from '../src/envelope-opener.js'
import { deriveInboxKeyPair, deriveKeyEncryptionKey, deriveVaultKeyCheck } from '../src/key-hierarchy.js'
import { generateAgreementKeyPair, keyThumbprint } from '../src/keys.js'
import { manifestHash, signManifest, verifyManifest } from '../src/manifest.js'
import {
  signDeviceWrapStatement,
  signInboxKeyStatement,
  verifyDeviceWrapStatement,
  verifyInboxKeyStatement,
} from '../src/statements.js'
import {
  hpkeWrap,
  unwrapAsDevice,
  unwrapAsGrantee,
  unwrapFromEpoch,
  unwrapFromInbox,
  wrapToEpochWithNonce,
} from '../src/wraps.js'
import { expectSameBytes, fromHex, hex } from './helpers.js'
import { loadVectors } from './vectors.js'

/*
 * protocol-spec/vectors/holdall/*.json, checked both ways: sealing with the recorded "random"
 * inputs reproduces the recorded bytes, and opening the recorded bytes gives the inputs back.
 * Regenerate with `npx tsx scripts/generate-vectors.ts` only when the format changes on purpose.
 */

interface ContextJson {
  vaultId: string
  recordId: string
  version: number
  keyEpoch: number
}
const toContext = (c: ContextJson) => ({ ...c, vaultId: fromHex(c.vaultId), recordId: fromHex(c.recordId) })
const pattern = (length: number) => Uint8Array.from({ length }, (_, i) => i % 251)

interface EnvelopeVectors {
  valid: {
    name: string
    dek: string
    salt: string
    context: ContextJson
    metadata: string
    plaintext: { hex: string } | { pattern: string; length: number }
    derived: Record<
      'headerSha256' | 'payloadKey' | 'noncePrefix' | 'commitment' | 'metadataKey' | 'metadataNonce',
      string
    >
    header: string
    ciphertextLength: number
    ciphertextSha256: string
    ciphertext?: string
  }[]
  invalid: {
    name: string
    dek: string
    expect: ContextJson
    expectedCiphertextSha256?: string
    expectedCommitment?: string
    ciphertext: string
    error: string
  }[]
}

describe('Holdall envelope vectors', () => {
  const vectors = loadVectors<EnvelopeVectors>('holdall/envelope.json')

  it('has the cases the spec promises', () => {
    expect(vectors.valid.length).toBeGreaterThanOrEqual(5)
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(25)
  })

  for (const v of vectors.valid) {
    it(`seals and opens: ${v.name}`, () => {
      const plaintext = 'hex' in v.plaintext ? fromHex(v.plaintext.hex) : pattern(v.plaintext.length)
      const dek = fromHex(v.dek)
      const context = toContext(v.context)
      const sealed = sealEnvelopeWithSalt({ dek, context, metadata: fromHex(v.metadata), plaintext }, fromHex(v.salt))
      expect(hex(sealed.header.bytes)).toBe(v.header)
      const keys = deriveEnvelopeKeys(dek, sealed.header.bytes, fromHex(v.salt))
      expect(hex(keys.payloadKey)).toBe(v.derived.payloadKey)
      expect(hex(keys.noncePrefix)).toBe(v.derived.noncePrefix)
      expect(hex(keys.commitment)).toBe(v.derived.commitment)
      expect(hex(keys.metadataKey)).toBe(v.derived.metadataKey)
      expect(hex(keys.metadataNonce)).toBe(v.derived.metadataNonce)
      expect(sealed.ciphertextLength).toBe(v.ciphertextLength)
      expect(hex(sealed.ciphertextSha256)).toBe(v.ciphertextSha256)
      const ciphertext = v.ciphertext === undefined ? sealed.ciphertext : fromHex(v.ciphertext)
      if (v.ciphertext !== undefined) expect(hex(sealed.ciphertext)).toBe(v.ciphertext)
      const opened = openEnvelope(ciphertext, {
        dek,
        expect: context,
        expectedCiphertextSha256: fromHex(v.ciphertextSha256),
      })
      expectSameBytes(opened.plaintext, plaintext)
      expect(hex(opened.metadata)).toBe(v.metadata)
    })
  }

  for (const v of vectors.invalid) {
    it(`refuses, releasing nothing: ${v.name}`, () => {
      const opener = new EnvelopeOpener({
        dek: fromHex(v.dek),
        expect: toContext(v.expect),
        ...(v.expectedCiphertextSha256 === undefined
          ? {}
          : { expectedCiphertextSha256: fromHex(v.expectedCiphertextSha256) }),
        ...(v.expectedCommitment === undefined ? {} : { expectedCommitment: fromHex(v.expectedCommitment) }),
      })
      const released: Uint8Array[] = []
      let code: string | undefined
      try {
        released.push(...opener.push(fromHex(v.ciphertext)))
        released.push(opener.finish())
      } catch (error) {
        code = (error as { code?: string }).code
      }
      expect(code).toBe(v.error)
      expect(released).toEqual([])
    })
  }
})

describe('Holdall key vectors', () => {
  const v = loadVectors<{
    vaultRootKey: string
    vaultId: string
    keyEncryptionKeys: { epoch: number; kek: string }[]
    vaultKeyCheck: string
    inboxKeys: { epoch: number; secretKey: string; publicKey: string }[]
    thumbprints: { crv: 'Ed25519' | 'X25519'; publicKey: string; thumbprint: string }[]
  }>('holdall/keys.json')
  const vrk = fromHex(v.vaultRootKey)
  const vaultId = fromHex(v.vaultId)

  it('derives the KEKs, the key check and the inbox keys', () => {
    for (const k of v.keyEncryptionKeys) expect(hex(deriveKeyEncryptionKey(vrk, vaultId, k.epoch))).toBe(k.kek)
    expect(hex(deriveVaultKeyCheck(vrk, vaultId))).toBe(v.vaultKeyCheck)
    for (const k of v.inboxKeys) {
      const pair = deriveInboxKeyPair(vrk, vaultId, k.epoch)
      expect(hex(pair.secretKey)).toBe(k.secretKey)
      expect(hex(pair.publicKey)).toBe(k.publicKey)
    }
  })

  it('computes RFC 7638 thumbprints', () => {
    for (const t of v.thumbprints) expect(hex(keyThumbprint(fromHex(t.publicKey), t.crv))).toBe(t.thumbprint)
  })
})

describe('Holdall wrap vectors', () => {
  const v = loadVectors<{
    context: ContextJson
    owner: { kek: string; dek: string; nonce: string; aad: string; epoch: number; wrap: string }
    hpke: {
      purpose: 'grant' | 'inbox' | 'device'
      info: string
      aad: string
      grantId?: string
      epoch?: number
      plaintext: string
      ikmE: string
      recipientSecretKey: string
      recipientPublicKey: string
      wrap: string
    }[]
  }>('holdall/wraps.json')
  const context = toContext(v.context)

  it('reproduces and opens the owner wrap', () => {
    const kek = fromHex(v.owner.kek)
    expect(
      hex(concat(new TextEncoder().encode(LABELS.ownerWrap), recordBinding(context), u32be(context.keyEpoch))),
    ).toBe(v.owner.aad)
    const owner = { ...context, epoch: v.owner.epoch }
    expect(hex(wrapToEpochWithNonce(fromHex(v.owner.dek), kek, owner, fromHex(v.owner.nonce)))).toBe(v.owner.wrap)
    expect(hex(unwrapFromEpoch(fromHex(v.owner.wrap), kek, owner))).toBe(v.owner.dek)
  })

  for (const w of v.hpke) {
    it(`reproduces and opens the ${w.purpose} HPKE wrap`, async () => {
      const label = new TextDecoder().decode(fromHex(w.info))
      const reproduced = await hpkeWrap(
        fromHex(w.plaintext),
        fromHex(w.recipientPublicKey),
        label,
        fromHex(w.aad),
        fromHex(w.ikmE),
      )
      expect(hex(reproduced)).toBe(w.wrap)
      const sk = fromHex(w.recipientSecretKey)
      const wrapped = fromHex(w.wrap)
      const opened =
        w.purpose === 'grant'
          ? await unwrapAsGrantee(wrapped, sk, { grantId: fromHex(w.grantId as string), ...context })
          : w.purpose === 'inbox'
            ? await unwrapFromInbox(wrapped, sk, { ...context, epoch: w.epoch as number })
            : await unwrapAsDevice(wrapped, sk, { vaultId: context.vaultId, epoch: context.keyEpoch })
      expect(hex(opened)).toBe(w.plaintext)
    })
  }
})

describe('Holdall manifest vectors', () => {
  const v = loadVectors<{
    signer: { seed: string; publicKey: string; keyId: string }
    valid: {
      fields: ContextJson & {
        recordTypeCode: number
        commitment: string
        ciphertextSha256: string
        ciphertextLength: number
        previousManifestHash: string
        authorKeyId: string
        createdAt: number
      }
      manifest: string
      manifestHash: string
    }[]
    invalid: { name: string; manifest: string; error: string }[]
  }>('holdall/manifest.json')
  const publicKey = fromHex(v.signer.publicKey)

  for (const m of v.valid) {
    it(`signs and verifies version ${m.fields.version}`, () => {
      const fields = {
        ...toContext(m.fields),
        recordTypeCode: m.fields.recordTypeCode,
        commitment: fromHex(m.fields.commitment),
        ciphertextSha256: fromHex(m.fields.ciphertextSha256),
        ciphertextLength: m.fields.ciphertextLength,
        previousManifestSha256: fromHex(m.fields.previousManifestHash),
        authorKeyId: fromHex(m.fields.authorKeyId),
        createdAt: m.fields.createdAt,
      }
      const signed = signManifest(fields, fromHex(v.signer.seed))
      expect(hex(signed.bytes)).toBe(m.manifest)
      expect(hex(manifestHash(verifyManifest(fromHex(m.manifest), publicKey)))).toBe(m.manifestHash)
    })
  }

  for (const m of v.invalid) {
    it(`refuses: ${m.name}`, () => {
      expect(() => verifyManifest(fromHex(m.manifest), publicKey)).toThrow(expect.objectContaining({ code: m.error }))
    })
  }
})

describe('Holdall key statement vectors', () => {
  const v = loadVectors<{
    signer: { seed: string; publicKey: string }
    inboxKey: { vaultId: string; epoch: number; inboxPublicKey: string; signature: string }
    deviceWrap: {
      vaultId: string
      epoch: number
      recipientDeviceKeyId: string
      recipientSigningPublicKey: string
      recipientAgreementSecretKey: string
      recipientAgreementPublicKey: string
      wrap: string
      signature: string
    }
  }>('holdall/statements.json')
  const signer = fromHex(v.signer.publicKey)

  it('[CRY-STMT-01] reproduces and verifies the inbox key statement, and refuses another key', () => {
    const statement = {
      vaultId: fromHex(v.inboxKey.vaultId),
      epoch: v.inboxKey.epoch,
      inboxPublicKey: fromHex(v.inboxKey.inboxPublicKey),
    }
    expect(hex(signInboxKeyStatement(statement, fromHex(v.signer.seed)))).toBe(v.inboxKey.signature)
    expect(() => verifyInboxKeyStatement(statement, fromHex(v.inboxKey.signature), signer)).not.toThrow()
    const otherKey = generateAgreementKeyPair().publicKey
    expect(() =>
      verifyInboxKeyStatement({ ...statement, inboxPublicKey: otherKey }, fromHex(v.inboxKey.signature), signer),
    ).toThrow(expect.objectContaining({ code: 'STATEMENT_INVALID' }))
    expect(() => verifyInboxKeyStatement({ ...statement, epoch: 1 }, fromHex(v.inboxKey.signature), signer)).toThrow(
      expect.objectContaining({ code: 'STATEMENT_INVALID' }),
    )
  })

  it('[CRY-STMT-02] reproduces and verifies the device wrap statement, and refuses a swapped wrap', async () => {
    const statement = {
      vaultId: fromHex(v.deviceWrap.vaultId),
      epoch: v.deviceWrap.epoch,
      recipientDeviceKeyId: fromHex(v.deviceWrap.recipientDeviceKeyId),
      wrap: fromHex(v.deviceWrap.wrap),
    }
    expect(hex(signDeviceWrapStatement(statement, fromHex(v.signer.seed)))).toBe(v.deviceWrap.signature)
    expect(() => verifyDeviceWrapStatement(statement, fromHex(v.deviceWrap.signature), signer)).not.toThrow()
    // The recipient device key id is the device id: the thumbprint of its Ed25519 key (3.8).
    expect(hex(keyThumbprint(fromHex(v.deviceWrap.recipientSigningPublicKey), 'Ed25519'))).toBe(
      v.deviceWrap.recipientDeviceKeyId,
    )
    const asX25519 = {
      ...statement,
      recipientDeviceKeyId: keyThumbprint(fromHex(v.deviceWrap.recipientAgreementPublicKey), 'X25519'),
    }
    expect(() => verifyDeviceWrapStatement(asX25519, fromHex(v.deviceWrap.signature), signer)).toThrow(
      expect.objectContaining({ code: 'STATEMENT_INVALID' }),
    )
    const swapped = { ...statement, wrap: new Uint8Array(80) }
    expect(() => verifyDeviceWrapStatement(swapped, fromHex(v.deviceWrap.signature), signer)).toThrow(
      expect.objectContaining({ code: 'STATEMENT_INVALID' }),
    )
    const vrk = await unwrapAsDevice(statement.wrap, fromHex(v.deviceWrap.recipientAgreementSecretKey), {
      vaultId: statement.vaultId,
      epoch: statement.epoch,
    })
    expect(hex(vrk)).toBe(loadVectors<{ vaultRootKey: string }>('holdall/keys.json').vaultRootKey)
  })
})
