import type { EnvelopeHeader } from './envelope-header.js'
import { EnvelopeOpener, type OpenOptions } from './envelope-opener.js'
import { type DigestedSealSummary, EnvelopeSealer, type SealOptions, type SealSummary } from './envelope-sealer.js'

export interface EnvelopeEncryptStream<Summary extends SealSummary = DigestedSealSummary>
  extends TransformStream<Uint8Array, Uint8Array> {
  /** Resolves after the last ciphertext byte is enqueued (what the manifest signs); rejects if sealing fails. */
  readonly summary: Promise<Summary>
}

export interface EnvelopeDecryptStream extends TransformStream<Uint8Array, Uint8Array> {
  /** Settles once the header, commitment and metadata have been checked. */
  readonly opened: Promise<{ header: EnvelopeHeader; metadata: Uint8Array }>
}

/**
 * Encrypts a plaintext stream of any size with memory bounded by one chunk.
 *
 * @example
 * const encrypt = createEnvelopeEncryptStream({ dek, context, metadata })
 * const upload = fetch(url, { method: 'PUT', body: file.stream().pipeThrough(encrypt), duplex: 'half' })
 * const { ciphertextSha256, ciphertextLength } = await encrypt.summary
 */
export function createEnvelopeEncryptStream(
  options: SealOptions & { readonly digest?: true },
): EnvelopeEncryptStream<DigestedSealSummary>
export function createEnvelopeEncryptStream(options: SealOptions): EnvelopeEncryptStream<SealSummary>
export function createEnvelopeEncryptStream(options: SealOptions): EnvelopeEncryptStream<SealSummary> {
  return encryptStreamFor(new EnvelopeSealer(options))
}

/** @internal A stream with a fixed salt, for test vectors only; not exported from the package. */
export function createEnvelopeEncryptStreamWithSalt(
  options: SealOptions,
  salt: Uint8Array,
): EnvelopeEncryptStream<SealSummary> {
  return encryptStreamFor(new EnvelopeSealer(options, salt))
}

function encryptStreamFor(sealer: EnvelopeSealer): EnvelopeEncryptStream<SealSummary> {
  const summary = deferred<SealSummary>()
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      controller.enqueue(sealer.start())
    },
    transform(piece, controller) {
      try {
        for (const sealed of sealer.push(piece)) controller.enqueue(sealed)
      } catch (error) {
        summary.reject(error)
        throw error
      }
    },
    flush(controller) {
      try {
        const { finalChunk, summary: result } = sealer.finish()
        controller.enqueue(finalChunk)
        summary.resolve(result)
      } catch (error) {
        summary.reject(error)
        throw error
      }
    },
  })
  return Object.assign(stream, { summary: summary.promise })
}

/**
 * Decrypts a ciphertext stream with memory bounded by one chunk plus the incoming piece.
 *
 * Each chunk is authentic when it is released, but the document is complete only when the
 * stream closes without error: until then a viewer must label what it shows as unverified
 * (security.md 1.3, "streaming UX pitfall"). Any tampering errors the stream.
 */
export function createEnvelopeDecryptStream(options: OpenOptions): EnvelopeDecryptStream {
  const opener = new EnvelopeOpener(options)
  const opened = deferred<{ header: EnvelopeHeader; metadata: Uint8Array }>()
  const settleOpened = () => {
    if (opener.header !== undefined && opener.metadata !== undefined) {
      opened.resolve({ header: opener.header, metadata: opener.metadata })
    }
  }
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(piece, controller) {
      try {
        const plaintexts = opener.pushTransferred(piece)
        settleOpened()
        for (const plaintext of plaintexts) controller.enqueue(plaintext)
      } catch (error) {
        opened.reject(error)
        throw error
      }
    },
    flush(controller) {
      try {
        const last = opener.finish()
        settleOpened()
        controller.enqueue(last)
      } catch (error) {
        opened.reject(error)
        throw error
      }
    },
  })
  return Object.assign(stream, { opened: opened.promise })
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  // A caller that never awaits it must not see an unhandled rejection: the stream errors too.
  promise.catch(() => {})
  return { promise, resolve, reject }
}
