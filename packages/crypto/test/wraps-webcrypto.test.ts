import { describe, expect, it } from 'vitest'
import { concat, randomBytes, utf8 } from '../src/bytes.js'
import { deterministicHpkeSuite, x25519Implementation } from '../src/hpke-suite.js'
import { generateDataKey, generateId } from '../src/key-hierarchy.js'
import { generateAgreementKeyPair } from '../src/keys.js'
import { hpkeWrap, unwrapAsGrantee, wrapToGrantee } from '../src/wraps.js'
import { newContext } from './helpers.js'

/*
 * HPKE wraps with X25519 from the platform's WebCrypto where it has it (Node 20+, current
 * browsers) and @noble/curves where it does not: the same bytes either way, so a wrap made on one
 * platform opens on any other and the published vectors hold for both.
 */
describe('[CRY-SUITE-01] HPKE wraps through WebCrypto X25519', () => {
  it('uses WebCrypto X25519 on this platform (Node 20+)', async () => {
    expect(await x25519Implementation()).toBe('webcrypto')
  })

  it('makes byte-for-byte the wraps noble makes, for the same ephemeral seed', async () => {
    for (let i = 0; i < 16; i++) {
      const recipient = generateAgreementKeyPair()
      const secret = generateDataKey()
      const ikmE = randomBytes(32)
      const aad = concat(generateId(), generateId(), randomBytes(i))
      const label = 'holdall/v1/wrap/grant'
      const noble = await hpkeWrap(secret, recipient.publicKey, label, aad, ikmE)
      const suite = deterministicHpkeSuite(ikmE, 'webcrypto')
      const publicKey = await suite.DeserializePublicKey(recipient.publicKey)
      const sealed = await suite.Seal(publicKey, secret, { info: utf8(label), aad })
      expect(concat(sealed.encapsulatedSecret, sealed.ciphertext)).toEqual(noble)
    }
  })

  it('a wrap made through WebCrypto opens with the noble implementation, bound to its grant', async () => {
    const recipient = generateAgreementKeyPair()
    const dek = generateDataKey()
    const context = { grantId: generateId(), ...newContext() }
    const wrapped = await wrapToGrantee(dek, recipient.publicKey, context)
    expect(await unwrapAsGrantee(wrapped, recipient.secretKey, context)).toEqual(dek)
    await expect(unwrapAsGrantee(wrapped, recipient.secretKey, { ...context, grantId: generateId() })).rejects.toThrow()
  })
})
