import { ed25519 } from '@noble/curves/ed25519.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MANIFEST_LENGTH } from '../src/constants.js'
import { openEnvelope, sealEnvelope } from '../src/envelope.js'
import { EnvelopeOpener } from '../src/envelope-opener.js'
import { generateDataKey, generateId } from '../src/key-hierarchy.js'
import { generateAgreementKeyPair, generateSigningKeyPair, keyThumbprint } from '../src/keys.js'
import {
  assertManifestSuccessor,
  type ManifestFields,
  manifestHash,
  NO_PREVIOUS_MANIFEST,
  openOptionsFromManifest,
  parseManifest,
  signManifest,
  type VerifiedManifest,
  verifyManifest,
} from '../src/manifest.js'
import { unwrapAsGrantee, wrapToGrantee } from '../src/wraps.js'
import { newContext, utf8 } from './helpers.js'

const author = generateSigningKeyPair()
const authorKeyId = keyThumbprint(author.publicKey, 'Ed25519')
const context = newContext()

function write(version: number, previous: VerifiedManifest | undefined, body = `version ${version}`): VerifiedManifest {
  const sealed = sealEnvelope({
    dek: generateDataKey(),
    context: { ...context, version },
    metadata: new Uint8Array(0),
    plaintext: utf8(body),
  })
  const fields: ManifestFields = {
    ...sealed.header,
    recordTypeCode: 1,
    commitment: sealed.commitment,
    ciphertextSha256: sealed.ciphertextSha256,
    ciphertextLength: sealed.ciphertextLength,
    previousManifestSha256: previous === undefined ? NO_PREVIOUS_MANIFEST : manifestHash(previous),
    authorKeyId,
    createdAt: 1_795_000_000_000 + version,
  }
  return verifyManifest(signManifest(fields, author.secretKey).bytes, author.publicKey)
}

const codeOf = (fn: () => unknown) => {
  try {
    fn()
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe('signed manifests', () => {
  const v1 = write(1, undefined)
  const v2 = write(2, v1)

  it('are 224 bytes, parse back to their fields and verify under the author key', () => {
    expect(v1.bytes.length).toBe(MANIFEST_LENGTH)
    const verified = verifyManifest(v1.bytes, author.publicKey)
    expect(verified.version).toBe(1)
    expect(verified.recordId).toEqual(context.recordId)
    expect(verified.createdAt).toBe(v1.createdAt)
    expect(parseManifest(v2.bytes).previousManifestSha256).toEqual(manifestHash(v1))
  })

  it('[CRY-MAN-02] refuse another key, even one that claims the same key id', () => {
    const other = generateSigningKeyPair()
    expect(codeOf(() => verifyManifest(v1.bytes, other.publicKey))).toBe('MANIFEST_SIGNATURE_INVALID')
    expect(codeOf(() => signManifest({ ...v1 }, other.secretKey))).toBe('MANIFEST_MALFORMED')
  })

  it('[CRY-MAN-02] refuse any single bit flip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MANIFEST_LENGTH * 8 - 1 }), (bit) => {
        const tampered = v2.bytes.slice()
        tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7))
        expect(['MANIFEST_SIGNATURE_INVALID', 'MANIFEST_MALFORMED']).toContain(
          codeOf(() => verifyManifest(tampered, author.publicKey)),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('[CRY-SIG-01] [case 38] refuse a signature with a non-canonical S (S + L), which lenient verifiers accept', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const forged = v1.bytes.slice()
    const sig = forged.subarray(160 + 32, 224)
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[i] as number)
    s += L
    for (let i = 0; i < 32; i++) {
      sig[i] = Number(s & 0xffn)
      s >>= 8n
    }
    expect(codeOf(() => verifyManifest(forged, author.publicKey))).toBe('MANIFEST_SIGNATURE_INVALID')
  })

  it('[CRY-MAN-01] refuse wrong lengths, versions (format 1 included), algorithms and record type code 0', () => {
    expect(codeOf(() => parseManifest(v1.bytes.subarray(0, 223)))).toBe('MANIFEST_MALFORMED')
    for (const edits of [
      [[0, 0]],
      [[4, 1]],
      [[4, 3]],
      [[5, 2]],
      [
        [6, 0],
        [7, 0],
      ],
    ] as const) {
      const bad = v1.bytes.slice()
      for (const [offset, value] of edits) bad[offset] = value
      expect(codeOf(() => parseManifest(bad))).toBe('MANIFEST_MALFORMED')
    }
  })

  it('[CRY-MAN-06] sign the record type code, so a changed type breaks the signature', () => {
    expect(parseManifest(v1.bytes).recordTypeCode).toBe(1)
    const relabelled = v1.bytes.slice()
    relabelled[7] = 3
    expect(parseManifest(relabelled).recordTypeCode).toBe(3)
    expect(codeOf(() => verifyManifest(relabelled, author.publicKey))).toBe('MANIFEST_SIGNATURE_INVALID')
    const wide = signManifest({ ...v1, recordTypeCode: 0x1234 }, author.secretKey)
    expect(verifyManifest(wide.bytes, author.publicKey).recordTypeCode).toBe(0x1234)
    for (const code of [0, 0x10000, 1.5, -1]) {
      expect(codeOf(() => signManifest({ ...v1, recordTypeCode: code }, author.secretKey))).toBe('MANIFEST_MALFORMED')
    }
  })

  it('[CRY-MAN-04] link versions so a replayed or forked version is caught', () => {
    expect(() => assertManifestSuccessor(v1, v2)).not.toThrow()
    const v3 = write(3, v2)
    expect(codeOf(() => assertManifestSuccessor(v1, v3))).toBe('MANIFEST_CHAIN_BROKEN')
    expect(codeOf(() => assertManifestSuccessor(v2, v1))).toBe('MANIFEST_CHAIN_BROKEN')
    const fork = write(2, v1, 'a different version 2')
    expect(codeOf(() => assertManifestSuccessor(fork, v3))).toBe('MANIFEST_CHAIN_BROKEN')
  })

  it('[CRY-MAN-01] require a previous link exactly when the version is above 1', () => {
    expect(codeOf(() => signManifest({ ...v2, previousManifestSha256: NO_PREVIOUS_MANIFEST }, author.secretKey))).toBe(
      'MANIFEST_MALFORMED',
    )
    expect(codeOf(() => signManifest({ ...v1, previousManifestSha256: manifestHash(v1) }, author.secretKey))).toBe(
      'MANIFEST_MALFORMED',
    )
  })

  it('[CRY-SIG-02] sign the Holdall context string, so a manifest signature is no signature over the bare body', () => {
    const body = v1.bytes.subarray(0, 160)
    expect(ed25519.verify(v1.signature, body, author.publicKey)).toBe(false)
  })
})

describe('manifests and envelopes together', () => {
  const dek = generateDataKey()
  const v1Context = { ...context, version: 1 }
  const sealed = sealEnvelope({
    dek,
    context: v1Context,
    metadata: new Uint8Array(0),
    plaintext: utf8('Sertraline 50 mg'),
  })
  const manifest = signManifest(
    {
      ...sealed.header,
      recordTypeCode: 1,
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId,
      createdAt: 1_795_000_000_000,
    },
    author.secretKey,
  )

  it('[CRY-MAN-05] a manifest signed from the seal summary matches the finished envelope', () => {
    const verified = verifyManifest(manifest.bytes, author.publicKey)
    expect(openEnvelope(sealed.ciphertext, openOptionsFromManifest(verified, dek)).plaintext).toEqual(
      utf8('Sertraline 50 mg'),
    )
  })

  const verified = verifyManifest(manifest.bytes, author.publicKey)

  it('[CRY-ENV-09][CRY-MAN-03] an envelope under a DEK the author did not use is refused at the commitment, before any plaintext', async () => {
    // What a malicious host can do with HPKE Base: make its own DEK, envelope and grant wrap.
    const grantee = generateAgreementKeyPair()
    const hostDek = generateDataKey()
    const forged = sealEnvelope({
      dek: hostDek,
      context: v1Context,
      metadata: utf8('{"title":"x"}'),
      plaintext: utf8('Diazepam'),
    })
    const grantContext = { grantId: generateId(), ...v1Context }
    const forgedWrap = await wrapToGrantee(hostDek, grantee.publicKey, grantContext)
    const unwrapped = await unwrapAsGrantee(forgedWrap, grantee.secretKey, grantContext)
    const opener = new EnvelopeOpener(openOptionsFromManifest(verified, unwrapped))
    expect(() => opener.push(forged.ciphertext)).toThrow(
      expect.objectContaining({ code: 'ENVELOPE_COMMITMENT_MISMATCH' }),
    )
    expect(opener.metadata).toBeUndefined()
  })

  it('[CRY-MAN-03] an envelope that is not the one the manifest names is refused', () => {
    const other = sealEnvelope({
      dek,
      context: v1Context,
      metadata: new Uint8Array(0),
      plaintext: utf8('Sertraline 100 mg'),
    })
    // Same DEK, fresh salt: a different commitment, refused before decryption.
    expect(codeOf(() => openEnvelope(other.ciphertext, openOptionsFromManifest(verified, dek)))).toBe(
      'ENVELOPE_COMMITMENT_MISMATCH',
    )
    const v2 = sealEnvelope({
      dek,
      context: { ...context, version: 2 },
      metadata: new Uint8Array(0),
      plaintext: utf8('x'),
    })
    expect(codeOf(() => openEnvelope(v2.ciphertext, openOptionsFromManifest(verified, dek)))).toBe(
      'ENVELOPE_CONTEXT_MISMATCH',
    )
  })
})
