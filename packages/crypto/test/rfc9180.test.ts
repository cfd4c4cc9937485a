import { describe, expect, it } from 'vitest'
import { deterministicHpkeSuite, hpkeSuite } from '../src/hpke-suite.js'
import { fromHex, hex } from './helpers.js'
import { loadVectors } from './vectors.js'

/*
 * RFC 9180 test vectors for the one suite Holdall uses: mode 0 (Base), DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, ChaCha20Poly1305. Source and checksum: protocol-spec/vectors/README.md.
 */
interface HpkeVector {
  mode: number
  kem_id: number
  kdf_id: number
  aead_id: number
  info: string
  ikmR: string
  ikmE: string
  skRm: string
  pkRm: string
  enc: string
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[]
  exports: { exporter_context: string; L: number; exported_value: string }[]
}

const [vector] = loadVectors<HpkeVector[]>('rfc9180/rfc9180_base_x25519_sha256_chacha20poly1305.json')
if (vector === undefined) throw new Error('missing RFC 9180 vector')

describe('[CRY-WRAP-03] RFC 9180 vectors, Base mode, suite (0x0020, 0x0001, 0x0003)', () => {
  it('is the suite our wraps use', () => {
    expect([vector.mode, vector.kem_id, vector.kdf_id, vector.aead_id]).toEqual([0, 0x20, 0x01, 0x03])
    expect([hpkeSuite.KEM.id, hpkeSuite.KDF.id, hpkeSuite.AEAD.id]).toEqual([0x20, 0x01, 0x03])
  })

  it('derives the recipient key pair', async () => {
    const pair = await hpkeSuite.DeriveKeyPair(fromHex(vector.ikmR), true)
    expect(hex(await hpkeSuite.SerializePublicKey(pair.publicKey))).toBe(vector.pkRm)
    expect(hex(await hpkeSuite.SerializePrivateKey(pair.privateKey))).toBe(vector.skRm)
  })

  it('reproduces enc, every ciphertext and every export as the sender', async () => {
    const suite = deterministicHpkeSuite(fromHex(vector.ikmE))
    const pkR = await suite.DeserializePublicKey(fromHex(vector.pkRm))
    const { encapsulatedSecret, ctx } = await suite.SetupSender(pkR, { info: fromHex(vector.info) })
    expect(hex(encapsulatedSecret)).toBe(vector.enc)
    for (const e of vector.encryptions) expect(hex(await ctx.Seal(fromHex(e.pt), fromHex(e.aad)))).toBe(e.ct)
    for (const x of vector.exports)
      expect(hex(await ctx.Export(fromHex(x.exporter_context), x.L))).toBe(x.exported_value)
  })

  it('opens every ciphertext as the recipient, and refuses a wrong aad', async () => {
    const skR = await hpkeSuite.DeserializePrivateKey(fromHex(vector.skRm), false)
    const ctx = await hpkeSuite.SetupRecipient(skR, fromHex(vector.enc), { info: fromHex(vector.info) })
    for (const e of vector.encryptions) expect(hex(await ctx.Open(fromHex(e.ct), fromHex(e.aad)))).toBe(e.pt)
    const first = vector.encryptions[0] as HpkeVector['encryptions'][number]
    await expect(
      hpkeSuite.Open(skR, fromHex(vector.enc), fromHex(first.ct), { info: fromHex(vector.info), aad: fromHex('00') }),
    ).rejects.toThrow()
    // The single-shot API our wraps call is sequence 0 of the same context.
    expect(
      hex(
        await hpkeSuite.Open(skR, fromHex(vector.enc), fromHex(first.ct), {
          info: fromHex(vector.info),
          aad: fromHex(first.aad),
        }),
      ),
    ).toBe(first.pt)
  })
})
