import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CHUNK_SIZE, HEADER_LENGTH, SEALED_CHUNK_SIZE } from '../src/constants.js'
import { openEnvelope, sealEnvelope, sealEnvelopeWithSalt } from '../src/envelope.js'
import { EnvelopeOpener } from '../src/envelope-opener.js'
import type { SealOptions } from '../src/envelope-sealer.js'
import {
  createEnvelopeDecryptStream,
  createEnvelopeEncryptStream,
  createEnvelopeEncryptStreamWithSalt,
} from '../src/envelope-stream.js'
import {
  collect,
  expectSameBytes,
  generateDataKey,
  newContext,
  patternBytes,
  splitAt,
  streamOf,
  utf8,
} from './helpers.js'

const metadata = utf8('{"contentType":"application/fhir+json","title":"Medicines on release"}')

/** Lengths the issue names: 0, 1, chunk-1, chunk, chunk+1, several chunks. */
const EDGE_LENGTHS = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17]

async function streamEncrypt(plaintextPieces: Uint8Array[], options: SealOptions & { digest?: true }) {
  const encrypt = createEnvelopeEncryptStream(options)
  const ciphertext = await collect(streamOf(plaintextPieces).pipeThrough(encrypt))
  return { ciphertext, summary: await encrypt.summary }
}

async function streamDecrypt(
  ciphertextPieces: Uint8Array[],
  options: Parameters<typeof createEnvelopeDecryptStream>[0],
) {
  const decrypt = createEnvelopeDecryptStream(options)
  const plaintext = await collect(streamOf(ciphertextPieces).pipeThrough(decrypt))
  return { plaintext, opened: await decrypt.opened }
}

describe('envelope round trip', () => {
  it.each(EDGE_LENGTHS)(
    '[CRY-ENV-03] one-shot seal and open, %i bytes: full chunks then one short final chunk',
    (length) => {
      const dek = generateDataKey()
      const context = newContext()
      const plaintext = patternBytes(length)
      const sealed = sealEnvelope({ dek, context, metadata, plaintext })
      const fullChunks = Math.floor(length / CHUNK_SIZE)
      const finalLength = length - fullChunks * CHUNK_SIZE
      // Exactly one valid chunking per length: full chunks, then one strictly short final chunk.
      expect(sealed.ciphertext.length).toBe(
        HEADER_LENGTH + 32 + 256 + 16 + fullChunks * SEALED_CHUNK_SIZE + finalLength + 16,
      )
      expect(sealed.ciphertextLength).toBe(sealed.ciphertext.length)
      const opened = openEnvelope(sealed.ciphertext, {
        dek,
        expect: context,
        expectedCiphertextSha256: sealed.ciphertextSha256,
      })
      expectSameBytes(opened.plaintext, plaintext)
      expect(opened.metadata).toEqual(metadata)
    },
  )

  it.each(EDGE_LENGTHS)('streams give the same bytes as one-shot, %i bytes', async (length) => {
    const dek = generateDataKey()
    const context = newContext()
    const plaintext = patternBytes(length, 7)
    const salt = patternBytes(32, 3)
    const oneShot = sealEnvelopeWithSalt({ dek, context, metadata, plaintext }, salt)
    const encrypt = createEnvelopeEncryptStreamWithSalt({ dek, context, metadata }, salt)
    const streamed = await collect(streamOf(splitAt(plaintext, [1, 1000, CHUNK_SIZE + 5])).pipeThrough(encrypt))
    expectSameBytes(streamed, oneShot.ciphertext)
    expect(((await encrypt.summary) as { ciphertextSha256?: Uint8Array }).ciphertextSha256).toEqual(
      oneShot.ciphertextSha256,
    )
  })

  it('round-trips any length under any split of input and output', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...EDGE_LENGTHS), fc.integer({ min: 0, max: 4 * CHUNK_SIZE + 3 })),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 600 }),
        async (length, plaintextCuts, ciphertextCuts, meta) => {
          const dek = generateDataKey()
          const context = newContext({ version: 3, keyEpoch: 2 })
          const plaintext = patternBytes(length, length + 1)
          const { ciphertext, summary } = await streamEncrypt(
            splitAt(
              plaintext,
              plaintextCuts.map((c) => c % (length + 1)),
            ),
            { dek, context, metadata: meta },
          )
          const { plaintext: out, opened } = await streamDecrypt(
            splitAt(
              ciphertext,
              ciphertextCuts.map((c) => c % (ciphertext.length + 1)),
            ),
            { dek, expect: context, expectedCiphertextSha256: summary.ciphertextSha256 },
          )
          expectSameBytes(out, plaintext)
          expect(opened.metadata).toEqual(meta)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('[CRY-HIER-01][CRY-ENV-02] gives different ciphertexts for the same plaintext (attack case 14)', () => {
    const context = newContext()
    const plaintext = patternBytes(5000)
    const a = sealEnvelope({ dek: generateDataKey(), context, metadata, plaintext })
    const b = sealEnvelope({ dek: generateDataKey(), context, metadata, plaintext })
    expect(a.ciphertext).not.toEqual(b.ciphertext)
    expect(a.ciphertextSha256).not.toEqual(b.ciphertextSha256)
    expect(a.commitment).not.toEqual(b.commitment)
  })

  it('seals the same bytes with digest: false, and reports no digest', async () => {
    const dek = generateDataKey()
    const context = newContext()
    const salt = patternBytes(32, 9)
    const plaintext = patternBytes(CHUNK_SIZE + 3)
    const oneShot = sealEnvelopeWithSalt({ dek, context, metadata, plaintext }, salt)
    const encrypt = createEnvelopeEncryptStreamWithSalt({ dek, context, metadata, digest: false }, salt)
    expectSameBytes(await collect(streamOf([plaintext]).pipeThrough(encrypt)), oneShot.ciphertext)
    const summary = await encrypt.summary
    expect(summary.ciphertextSha256).toBeUndefined()
    expect(summary.ciphertextLength).toBe(oneShot.ciphertextLength)
  })

  it('decrypts correctly when the caller reuses one buffer for every piece', () => {
    const dek = generateDataKey()
    const context = newContext()
    const plaintext = patternBytes(3 * CHUNK_SIZE + 11)
    const sealed = sealEnvelope({ dek, context, metadata, plaintext })
    const opener = new EnvelopeOpener({ dek, expect: context, expectedCiphertextSha256: sealed.ciphertextSha256 })
    const scratch = new Uint8Array(5000)
    const parts: Uint8Array[] = []
    for (let offset = 0; offset < sealed.ciphertext.length; offset += scratch.length) {
      const n = Math.min(scratch.length, sealed.ciphertext.length - offset)
      scratch.set(sealed.ciphertext.subarray(offset, offset + n))
      parts.push(...opener.push(scratch.subarray(0, n)))
      scratch.fill(0xee) // the caller scribbles on its buffer as soon as push returns
    }
    parts.push(opener.finish())
    expectSameBytes(Buffer.concat(parts), plaintext)
  })

  it('decrypts a source that drips one byte at a time (linear, not quadratic, buffering)', () => {
    const dek = generateDataKey()
    const context = newContext()
    const plaintext = patternBytes(2 * CHUNK_SIZE + 5)
    const sealed = sealEnvelope({ dek, context, metadata, plaintext })
    const opener = new EnvelopeOpener({ dek, expect: context })
    const parts: Uint8Array[] = []
    for (let i = 0; i < sealed.ciphertext.length; i++) parts.push(...opener.push(sealed.ciphertext.subarray(i, i + 1)))
    parts.push(opener.finish())
    expectSameBytes(Buffer.concat(parts), plaintext)
  })

  it('refuses to open without a valid expected context', () => {
    const sealed = sealEnvelope({
      dek: generateDataKey(),
      context: newContext(),
      metadata,
      plaintext: new Uint8Array(1),
    })
    for (const expect_ of [
      undefined,
      { ...newContext(), version: 0 },
      { ...newContext(), vaultId: new Uint8Array(3) },
    ]) {
      expect(() => openEnvelope(sealed.ciphertext, { dek: generateDataKey(), expect: expect_ as never })).toThrow(
        expect.objectContaining({ code: 'ENVELOPE_CONTEXT_MISMATCH' }),
      )
    }
  })

  it('pads metadata to 256-byte blocks and refuses more than 16 KiB', () => {
    const dek = generateDataKey()
    const context = newContext()
    for (const [length, padded] of [
      [0, 256],
      [255, 256],
      [256, 512],
      [16_383, 16_384],
    ] as const) {
      const sealed = sealEnvelope({ dek, context, metadata: new Uint8Array(length), plaintext: new Uint8Array(0) })
      expect(sealed.header.metadataLength).toBe(padded)
      expect(openEnvelope(sealed.ciphertext, { dek, expect: context }).metadata.length).toBe(length)
    }
    expect(() =>
      sealEnvelope({ dek, context, metadata: new Uint8Array(16_384), plaintext: new Uint8Array(0) }),
    ).toThrow(expect.objectContaining({ code: 'ENVELOPE_TOO_LARGE' }))
  })

  it('keeps decrypt memory bounded: no plaintext is held back beyond one chunk', async () => {
    const dek = generateDataKey()
    const context = newContext()
    const plaintext = patternBytes(10 * CHUNK_SIZE + 9)
    const { ciphertext } = await streamEncrypt([plaintext], { dek, context, metadata })
    const decrypt = createEnvelopeDecryptStream({ dek, expect: context })
    const writer = decrypt.writable.getWriter()
    const reader = decrypt.readable.getReader()
    // Feed chunk by chunk: after chunk k+1 arrives, chunk k must already be readable.
    const pieces = splitAt(
      ciphertext,
      Array.from({ length: 11 }, (_, k) => HEADER_LENGTH + 32 + 272 + k * SEALED_CHUNK_SIZE),
    )
    void writer.write(pieces[0] as Uint8Array)
    for (let k = 1; k <= 10; k++) {
      void writer.write(pieces[k] as Uint8Array)
      if (k >= 2) {
        const { value } = await reader.read()
        expect(value?.length).toBe(CHUNK_SIZE)
      }
    }
    void writer.write(pieces[11] as Uint8Array)
    void writer.close()
    let rest = 0
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += value.length
    }
    expect(rest).toBe(CHUNK_SIZE + 9)
  })
})
