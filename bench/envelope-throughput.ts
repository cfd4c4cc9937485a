/**
 * Streaming envelope encryption and decryption of 64 MiB, against raw one-shot noble
 * XChaCha20-Poly1305 on the same buffer, in one process and interleaved rounds so that both
 * see the same machine state. Prints one JSON object on stdout.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  createEnvelopeDecryptStream,
  createEnvelopeEncryptStream,
  generateDataKey,
  generateId,
} from '../packages/crypto/src/index.js'

const SIZE = 64 * 1024 * 1024
const PIECE = 1024 * 1024
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

const plaintext = new Uint8Array(SIZE)
for (let i = 0; i < SIZE; i += 65_536) crypto.getRandomValues(plaintext.subarray(i, i + 65_536))
const key = generateDataKey()
const nonce = crypto.getRandomValues(new Uint8Array(24))
const dek = generateDataKey()
const context = { vaultId: generateId(), recordId: generateId(), version: 1, keyEpoch: 0 }
const metadata = new TextEncoder().encode('{"contentType":"application/pdf"}')

function pieces(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.subarray(offset, offset + PIECE))
      offset += PIECE
    },
  })
}

async function drain(stream: ReadableStream<Uint8Array>, keep: boolean): Promise<Uint8Array[]> {
  const kept: Uint8Array[] = []
  const reader = stream.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return kept
    if (keep) kept.push(value)
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

const time = async (fn: () => unknown) => {
  const start = performance.now()
  await fn()
  return (performance.now() - start) / 1000
}
const mibps = (seconds: number) => SIZE / 1024 / 1024 / seconds

// One ciphertext for the decrypt runs, made once.
const envelope = concat(
  await drain(pieces(plaintext).pipeThrough(createEnvelopeEncryptStream({ dek, context, metadata })), true),
)
const rawCiphertext = xchacha20poly1305(key, nonce).encrypt(plaintext)

const samples: Record<string, number[]> = {
  rawEncrypt: [],
  rawEncryptSha256: [],
  streamEncrypt: [],
  streamEncryptNoDigest: [],
  rawDecrypt: [],
  rawDecryptSha256: [],
  streamDecrypt: [],
  streamDecryptVerified: [],
}
const digest = sha256(envelope)
for (let round = 0; round < ROUNDS; round++) {
  samples.rawEncrypt?.push(mibps(await time(() => xchacha20poly1305(key, nonce).encrypt(plaintext))))
  samples.rawEncryptSha256?.push(mibps(await time(() => sha256(xchacha20poly1305(key, nonce).encrypt(plaintext)))))
  samples.streamEncrypt?.push(
    mibps(
      await time(() =>
        drain(pieces(plaintext).pipeThrough(createEnvelopeEncryptStream({ dek, context, metadata })), false),
      ),
    ),
  )
  samples.streamEncryptNoDigest?.push(
    mibps(
      await time(() =>
        drain(
          pieces(plaintext).pipeThrough(createEnvelopeEncryptStream({ dek, context, metadata, digest: false })),
          false,
        ),
      ),
    ),
  )
  samples.rawDecrypt?.push(mibps(await time(() => xchacha20poly1305(key, nonce).decrypt(rawCiphertext))))
  samples.rawDecryptSha256?.push(
    mibps(
      await time(() => {
        sha256(rawCiphertext)
        xchacha20poly1305(key, nonce).decrypt(rawCiphertext)
      }),
    ),
  )
  samples.streamDecrypt?.push(
    mibps(
      await time(() =>
        drain(pieces(envelope).pipeThrough(createEnvelopeDecryptStream({ dek, expect: context })), false),
      ),
    ),
  )
  samples.streamDecryptVerified?.push(
    mibps(
      await time(() =>
        drain(
          pieces(envelope).pipeThrough(
            createEnvelopeDecryptStream({ dek, expect: context, expectedCiphertextSha256: digest }),
          ),
          false,
        ),
      ),
    ),
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
// Ratios per round, then the median: both sides of each ratio ran back to back.
const ratio = (a: string, b: string) =>
  median((samples[a] as number[]).map((x, i) => x / ((samples[b] as number[])[i] as number)))
console.log(
  JSON.stringify({
    sizeBytes: SIZE,
    pieceBytes: PIECE,
    rounds: ROUNDS,
    mibPerSecond: medians,
    samples,
    ratios: {
      encryptStreamNoDigestVsRawOneShot: ratio('streamEncryptNoDigest', 'rawEncrypt'),
      encryptStreamVsRawOneShotPlusSha256: ratio('streamEncrypt', 'rawEncryptSha256'),
      encryptStreamVsRawOneShot: ratio('streamEncrypt', 'rawEncrypt'),
      decryptStreamVsRawOneShot: ratio('streamDecrypt', 'rawDecrypt'),
      decryptVerifiedStreamVsRawOneShotPlusSha256: ratio('streamDecryptVerified', 'rawDecryptSha256'),
    },
  }),
)
