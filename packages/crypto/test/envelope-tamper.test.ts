import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concat } from '../src/bytes.js'
import { sealChunk } from '../src/chunk.js'
import { CHUNK_SIZE, HEADER_LENGTH, SEALED_CHUNK_SIZE } from '../src/constants.js'
import { openEnvelope, sealEnvelope } from '../src/envelope.js'
import type { RecordContext } from '../src/envelope-header.js'
import { deriveEnvelopeKeys } from '../src/envelope-keys.js'
import type { OpenOptions } from '../src/envelope-opener.js'
import { createEnvelopeDecryptStream } from '../src/envelope-stream.js'
import { isHoldallCryptoError } from '../src/errors.js'
import { expectSameBytes, generateDataKey, newContext, patternBytes, streamOf, utf8 } from './helpers.js'

/*
 * Attack cases 1-9 of security.md 5.3 against the envelope. Each tampered envelope must be
 * refused with a stable code by the one-shot API (which then returns nothing) and by the stream,
 * which must never release the plaintext of a tampered chunk nor of anything after it.
 */

const dek = generateDataKey()
const context = newContext({ version: 3, keyEpoch: 1 })
const plaintext = patternBytes(3 * CHUNK_SIZE + 100, 42)
const metadata = utf8('{"contentType":"application/pdf","fileName":"licence.pdf"}')
const sealed = sealEnvelope({ dek, context, metadata, plaintext })
const ciphertext = sealed.ciphertext
const PREAMBLE = HEADER_LENGTH + 32 + 256 + 16
const chunkStart = (k: number) => PREAMBLE + k * SEALED_CHUNK_SIZE
const chunk = (k: number) => ciphertext.slice(chunkStart(k), Math.min(chunkStart(k + 1), ciphertext.length))

interface Outcome {
  code: string | undefined
  released: Uint8Array
}

async function streamOutcome(bytes: Uint8Array, options: OpenOptions, pieceSize = 10_000): Promise<Outcome> {
  const pieces: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize))
  const released: Uint8Array[] = []
  try {
    const reader = streamOf(pieces).pipeThrough(createEnvelopeDecryptStream(options)).getReader()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      released.push(value)
    }
    return { code: undefined, released: concat(...released) }
  } catch (error) {
    return { code: isHoldallCryptoError(error) ? error.code : String(error), released: concat(...released) }
  }
}

function oneShotCode(bytes: Uint8Array, options: OpenOptions): string | undefined {
  try {
    openEnvelope(bytes, options)
    return undefined
  } catch (error) {
    return isHoldallCryptoError(error) ? error.code : String(error)
  }
}

/** Refused by both APIs with `code`; the stream released at most the `authenticChunks` before the damage. */
async function expectRefused(
  bytes: Uint8Array,
  code: string | string[],
  authenticChunks = 0,
  options: Partial<OpenOptions> = {},
) {
  const opts: OpenOptions = { dek, expect: context, ...options }
  const codes = Array.isArray(code) ? code : [code]
  expect(codes).toContain(oneShotCode(bytes, opts))
  const outcome = await streamOutcome(bytes, opts)
  expect(codes).toContain(outcome.code)
  expect(outcome.released.length).toBeLessThanOrEqual(authenticChunks * CHUNK_SIZE)
  expectSameBytes(outcome.released, plaintext.subarray(0, outcome.released.length))
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice()
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
  return copy
}

describe('[CRY-ENV-04][CRY-ENV-05] envelope tampering (security.md 5.3)', () => {
  it('opens untouched', async () => {
    const outcome = await streamOutcome(ciphertext, { dek, expect: context })
    expect(outcome.code).toBeUndefined()
    expectSameBytes(outcome.released, plaintext)
  })

  it('[case 1] refuses a flipped bit in the header, commitment, metadata, a chunk body or a tag', async () => {
    await expectRefused(flipBit(ciphertext, 30 * 8), 'ENVELOPE_CONTEXT_MISMATCH') // record id
    await expectRefused(flipBit(ciphertext, 60 * 8), 'ENVELOPE_COMMITMENT_MISMATCH') // salt
    await expectRefused(flipBit(ciphertext, (HEADER_LENGTH + 5) * 8), 'ENVELOPE_COMMITMENT_MISMATCH')
    await expectRefused(flipBit(ciphertext, (HEADER_LENGTH + 40) * 8), 'ENVELOPE_AUTH_FAILED') // metadata
    await expectRefused(flipBit(ciphertext, (chunkStart(1) + 7) * 8), 'ENVELOPE_AUTH_FAILED', 1) // body of chunk 1
    await expectRefused(flipBit(ciphertext, (chunkStart(2) - 3) * 8), 'ENVELOPE_AUTH_FAILED', 1) // tag of chunk 1
    await expectRefused(flipBit(ciphertext, (ciphertext.length - 1) * 8), 'ENVELOPE_AUTH_FAILED', 3) // final tag
  })

  it('[case 1] refuses any single bit flip anywhere, releasing no tampered plaintext', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length * 8 - 1 }), async (bit) => {
        const tampered = flipBit(ciphertext, bit)
        expect(oneShotCode(tampered, { dek, expect: context })).toMatch(/^ENVELOPE_/)
        const byte = bit >> 3
        const damagedChunk = byte < PREAMBLE ? -1 : Math.floor((byte - PREAMBLE) / SEALED_CHUNK_SIZE)
        const outcome = await streamOutcome(tampered, { dek, expect: context })
        expect(outcome.code).toMatch(/^ENVELOPE_/)
        expect(outcome.released.length).toBeLessThanOrEqual(Math.max(0, damagedChunk) * CHUNK_SIZE)
      }),
      { numRuns: 150 },
    )
  })

  it('[case 2] refuses truncation inside the header, to zero, at chunk boundaries and mid-chunk', async () => {
    await expectRefused(new Uint8Array(0), 'ENVELOPE_TRUNCATED')
    await expectRefused(ciphertext.subarray(0, 40), 'ENVELOPE_TRUNCATED')
    await expectRefused(ciphertext.subarray(0, HEADER_LENGTH + 10), 'ENVELOPE_TRUNCATED')
    await expectRefused(ciphertext.subarray(0, PREAMBLE), 'ENVELOPE_TRUNCATED')
    // Dropping the final chunk leaves a full chunk last, which can never be final.
    await expectRefused(ciphertext.subarray(0, chunkStart(3)), 'ENVELOPE_TRUNCATED', 2)
    await expectRefused(ciphertext.subarray(0, chunkStart(2)), 'ENVELOPE_TRUNCATED', 1)
    // Cutting inside a chunk leaves a short tail that fails as a final chunk.
    await expectRefused(ciphertext.subarray(0, chunkStart(2) + 500), 'ENVELOPE_AUTH_FAILED', 2)
    await expectRefused(ciphertext.subarray(0, ciphertext.length - 1), 'ENVELOPE_AUTH_FAILED', 3)
  })

  it('[case 2] refuses truncation at any length, releasing only chunks that precede the cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: ciphertext.length - 1 }), async (length) => {
        const cut = ciphertext.subarray(0, length)
        expect(['ENVELOPE_TRUNCATED', 'ENVELOPE_AUTH_FAILED']).toContain(oneShotCode(cut, { dek, expect: context }))
        const outcome = await streamOutcome(cut, { dek, expect: context }, 7_000)
        expect(['ENVELOPE_TRUNCATED', 'ENVELOPE_AUTH_FAILED']).toContain(outcome.code)
        const wholeChunksBeforeCut = Math.max(0, Math.floor((length - PREAMBLE) / SEALED_CHUNK_SIZE))
        expect(outcome.released.length).toBeLessThanOrEqual(wholeChunksBeforeCut * CHUNK_SIZE)
        expectSameBytes(outcome.released, plaintext.subarray(0, outcome.released.length))
      }),
      { numRuns: 120 },
    )
  })

  it('[case 4] refuses any reordering, duplication or omission of chunks', async () => {
    const original = [0, 1, 2, 3]
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 6 }), async (order) => {
        fc.pre(order.join() !== original.join())
        const tampered = concat(ciphertext.subarray(0, PREAMBLE), ...order.map((k) => chunk(k)))
        expect(oneShotCode(tampered, { dek, expect: context })).toMatch(/^ENVELOPE_(AUTH_FAILED|TRUNCATED)$/)
        const outcome = await streamOutcome(tampered, { dek, expect: context })
        expect(outcome.code).toMatch(/^ENVELOPE_(AUTH_FAILED|TRUNCATED)$/)
        // Whatever was released is a true prefix of the record, made of the chunks still in place.
        let intact = 0
        while (intact < order.length && order[intact] === intact && intact < 3) intact++
        expect(outcome.released.length).toBeLessThanOrEqual(intact * CHUNK_SIZE)
        expectSameBytes(outcome.released, plaintext.subarray(0, outcome.released.length))
      }),
      { numRuns: 100 },
    )
  })

  it('[case 3] refuses bytes or a whole chunk appended after the final chunk', async () => {
    await expectRefused(concat(ciphertext, Uint8Array.of(0)), 'ENVELOPE_AUTH_FAILED', 3)
    await expectRefused(concat(ciphertext, chunk(0)), 'ENVELOPE_AUTH_FAILED', 3)
    await expectRefused(concat(ciphertext, chunk(3)), 'ENVELOPE_AUTH_FAILED', 3)
  })

  it('[case 4] refuses swapped, duplicated and dropped chunks', async () => {
    const head = ciphertext.subarray(0, PREAMBLE)
    await expectRefused(concat(head, chunk(1), chunk(0), chunk(2), chunk(3)), 'ENVELOPE_AUTH_FAILED')
    await expectRefused(concat(head, chunk(0), chunk(0), chunk(1), chunk(2), chunk(3)), 'ENVELOPE_AUTH_FAILED', 1)
    await expectRefused(concat(head, chunk(0), chunk(2), chunk(3)), 'ENVELOPE_AUTH_FAILED', 1)
    await expectRefused(concat(head, chunk(0), chunk(1), chunk(3)), 'ENVELOPE_AUTH_FAILED', 2)
  })

  it('[case 5] refuses another record, another version or another epoch served in its place', async () => {
    const other: RecordContext = { ...context, recordId: newContext().recordId }
    await expectRefused(ciphertext, 'ENVELOPE_CONTEXT_MISMATCH', 0, { expect: other })
    await expectRefused(ciphertext, 'ENVELOPE_CONTEXT_MISMATCH', 0, { expect: { ...context, version: 4 } })
    await expectRefused(ciphertext, 'ENVELOPE_CONTEXT_MISMATCH', 0, { expect: { ...context, keyEpoch: 2 } })
    // A host that also rewrites the header ids to match is caught by the commitment.
    const relabelled = ciphertext.slice()
    relabelled.set(other.recordId, 24)
    await expectRefused(relabelled, 'ENVELOPE_COMMITMENT_MISMATCH', 0, { expect: other })
    const olderVersion = sealEnvelope({
      dek,
      context: { ...context, version: 2 },
      metadata,
      plaintext: plaintext.subarray(0, 10),
    })
    await expectRefused(olderVersion.ciphertext, 'ENVELOPE_CONTEXT_MISMATCH')
  })

  it('[case 6] refuses a valid header under a different DEK at the commitment, before any chunk', async () => {
    await expectRefused(ciphertext, 'ENVELOPE_COMMITMENT_MISMATCH', 0, { dek: generateDataKey() })
    const foreign = sealEnvelope({ dek: generateDataKey(), context, metadata, plaintext })
    await expectRefused(foreign.ciphertext, 'ENVELOPE_COMMITMENT_MISMATCH')
  })

  it('[case 7] refuses absurd metadata lengths without allocating for them', async () => {
    for (const value of [0xffff, 0, 255, 257, 16_640]) {
      const tampered = ciphertext.slice()
      new DataView(tampered.buffer).setUint16(48, value)
      await expectRefused(tampered, 'ENVELOPE_MALFORMED')
    }
    const longer = ciphertext.slice(0, 2000)
    new DataView(longer.buffer).setUint16(48, 16_384)
    await expectRefused(longer, 'ENVELOPE_TRUNCATED')
  })

  it('[CRY-SUITE-01] [case 8] refuses unknown suites, chunk sizes, format versions and magic; no agility by header', async () => {
    const patch = (offset: number, value: number) => {
      const copy = ciphertext.slice()
      copy[offset] = value
      return copy
    }
    await expectRefused(patch(0, 0x58), 'ENVELOPE_MALFORMED')
    await expectRefused(patch(4, 2), 'ENVELOPE_UNSUPPORTED')
    await expectRefused(patch(5, 0), 'ENVELOPE_UNSUPPORTED')
    await expectRefused(patch(5, 2), 'ENVELOPE_UNSUPPORTED')
    await expectRefused(patch(6, 12), 'ENVELOPE_UNSUPPORTED')
    await expectRefused(patch(6, 20), 'ENVELOPE_UNSUPPORTED')
    await expectRefused(patch(7, 1), 'ENVELOPE_MALFORMED')
    const versionZero = ciphertext.slice()
    new DataView(versionZero.buffer).setUint32(40, 0)
    await expectRefused(versionZero, 'ENVELOPE_MALFORMED')
  })

  it('[case 9] refuses a final chunk of exactly 64 KiB even with a valid tag', async () => {
    // Build the envelope a careless writer would make: one full chunk flagged last.
    const honest = sealEnvelope({ dek, context, metadata, plaintext: new Uint8Array(0) })
    const keys = deriveEnvelopeKeys(dek, honest.header.bytes, honest.header.salt)
    const fullFinal = sealChunk(keys.payloadKey, keys.noncePrefix, 0, true, plaintext.subarray(0, CHUNK_SIZE))
    await expectRefused(concat(honest.ciphertext.subarray(0, PREAMBLE), fullFinal), 'ENVELOPE_TRUNCATED')
  })

  it('refuses a ciphertext whose SHA-256 differs from the manifest, before the final chunk', async () => {
    const otherDigest = new Uint8Array(32)
    await expectRefused(ciphertext, 'ENVELOPE_DIGEST_MISMATCH', 3, { expectedCiphertextSha256: otherDigest })
  })

  it('refuses a wrong-length data key', () => {
    expect(() => openEnvelope(ciphertext, { dek: dek.subarray(0, 31), expect: context })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    )
  })
})
