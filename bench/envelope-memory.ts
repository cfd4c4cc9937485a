/**
 * Peak RSS growth while streaming 256 MiB, in a fresh process per case so that the peak belongs
 * to that case. Input is made piece by piece (64 KiB, as browser file streams and Node fs
 * streams deliver it) and output is discarded, as a real upload or download would: nothing of
 * size 256 MiB ever exists at once. Prints one JSON object on stdout.
 *
 *   --case encrypt | decrypt | passthrough     passthrough: a TransformStream that only allocates
 *                                              each output piece, the floor for any streaming transform
 *   --gc-every N                               force a full GC every N input pieces (needs --expose-gc),
 *                                              to separate what is retained from what V8 has not yet freed
 */
import { EnvelopeSealer } from '../packages/crypto/src/envelope-sealer.js'
import {
  createEnvelopeDecryptStream,
  createEnvelopeEncryptStream,
  generateDataKey,
  generateId,
} from '../packages/crypto/src/index.js'

const TOTAL = 256 * 1024 * 1024
const PIECE = 65_536
const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1]
}
const benchCase = arg('--case') ?? 'encrypt'
const gcEvery = Number(arg('--gc-every') ?? 0)
const dek = generateDataKey()
const context = { vaultId: generateId(), recordId: generateId(), version: 1, keyEpoch: 0 }
const metadata = new Uint8Array(0)

let pulled = 0
const maybeGc = () => {
  if (gcEvery > 0 && ++pulled % gcEvery === 0) globalThis.gc?.()
}

function plaintextPieces(): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      maybeGc()
      if (sent >= TOTAL) return controller.close()
      controller.enqueue(crypto.getRandomValues(new Uint8Array(PIECE)))
      sent += PIECE
    },
  })
}

/** Ciphertext made on the fly by a sealer, so no 256 MiB buffer ever exists. */
function ciphertextPieces(): ReadableStream<Uint8Array> {
  const sealer = new EnvelopeSealer({ dek, context, metadata })
  let sent = -1
  return new ReadableStream({
    pull(controller) {
      maybeGc()
      if (sent < 0) {
        sent = 0
        return controller.enqueue(sealer.start())
      }
      if (sent >= TOTAL) {
        controller.enqueue(sealer.finish().finalChunk)
        return controller.close()
      }
      for (const chunk of sealer.push(new Uint8Array(PIECE))) controller.enqueue(chunk)
      sent += PIECE
    },
  })
}

function passthrough(): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(piece, controller) {
      controller.enqueue(new Uint8Array(piece.length + 16))
    },
  })
}

globalThis.gc?.()
const before = process.memoryUsage().rss
let peak = before
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss)
}, 2)
const started = performance.now()
const [source, transform] =
  benchCase === 'decrypt'
    ? [ciphertextPieces(), createEnvelopeDecryptStream({ dek, expect: context })]
    : benchCase === 'passthrough'
      ? [plaintextPieces(), passthrough()]
      : [plaintextPieces(), createEnvelopeEncryptStream({ dek, context, metadata })]
let bytes = 0
const reader = source.pipeThrough(transform).getReader()
for (;;) {
  const { value, done } = await reader.read()
  if (done) break
  bytes += value.length
}
clearInterval(sampler)
const seconds = (performance.now() - started) / 1000
peak = Math.max(peak, process.resourceUsage().maxRSS * 1024)
console.log(
  JSON.stringify({
    case: benchCase,
    gcEvery,
    streamedBytes: TOTAL,
    outputBytes: bytes,
    rssBeforeMiB: before / 2 ** 20,
    peakRssMiB: peak / 2 ** 20,
    rssGrowthMiB: (peak - before) / 2 ** 20,
    seconds,
  }),
)
