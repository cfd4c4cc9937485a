import { utf8 } from '../src/bytes.js'
import type { RecordContext } from '../src/envelope-header.js'
import { generateDataKey, generateId } from '../src/key-hierarchy.js'

/**
 * A fresh record context. It also carries `epoch` (= keyEpoch), so the same object serves as an
 * owner-wrap or inbox-wrap context in tests.
 */
export function newContext(overrides: Partial<RecordContext> = {}): RecordContext & { epoch: number } {
  const context = { vaultId: generateId(), recordId: generateId(), version: 1, keyEpoch: 0, ...overrides }
  return { ...context, epoch: context.keyEpoch }
}

export { generateDataKey, utf8 }

/** Deterministic bytes of any length, for plaintexts (getRandomValues caps at 64 KiB a call). */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}

/** Splits `bytes` at the given cut points (sorted, deduplicated, clamped). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let start = 0
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point))
    start = point
  }
  return pieces
}

export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part)
  return new Uint8Array(Buffer.concat(parts))
}

export function streamOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[i++]
      if (piece === undefined) controller.close()
      else controller.enqueue(piece.slice())
    },
  })
}

/** Byte equality that stays fast on megabytes (vitest's deep equality walks every element). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
    )
  )
    return
  let index = 0
  while (index < Math.min(actual.length, expected.length) && actual[index] === expected[index]) index++
  throw new Error(`bytes differ: lengths ${actual.length} vs ${expected.length}, first difference at ${index}`)
}
