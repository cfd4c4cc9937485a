import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, randomBytes } from './bytes.js'
import { sealChunk } from './chunk.js'
import { CHUNK_SIZE, KEY_LENGTH, MAX_CHUNKS } from './constants.js'
import { type EnvelopeHeader, encodeHeader, type RecordContext } from './envelope-header.js'
import { deriveEnvelopeKeys, type EnvelopeKeys } from './envelope-keys.js'
import { HoldallCryptoError } from './errors.js'
import { padMetadata } from './metadata-padding.js'

export interface SealOptions {
  /** A fresh random data key for this record version (see `generateDataKey`). Never reuse one. */
  readonly dek: Uint8Array
  readonly context: RecordContext
  /**
   * Sensitive descriptive data (content type, title, file name), encrypted and padded. Holdall
   * clients put UTF-8 JSON here (`recordMetadataSchema` in @holdall/protocol).
   */
  readonly metadata: Uint8Array
  /**
   * Compute the envelope's SHA-256 while sealing (default true). A manifest needs it; turn it
   * off only for envelopes nobody signs, such as a device's own offline cache, where it would
   * roughly halve throughput.
   */
  readonly digest?: boolean
}

/** What a writer knows once the last byte is out. */
export interface SealSummary {
  readonly header: EnvelopeHeader
  readonly commitment: Uint8Array
  readonly ciphertextLength: number
  readonly plaintextLength: number
  /** Present unless sealing ran with `digest: false`. */
  readonly ciphertextSha256?: Uint8Array
}

/** A summary with the envelope's SHA-256: everything a manifest signs. */
export interface DigestedSealSummary extends SealSummary {
  readonly ciphertextSha256: Uint8Array
}

/**
 * Push-style envelope writer shared by the one-shot and Web Streams APIs. It emits every full
 * chunk as soon as it has 64 KiB, because the final chunk is always shorter than 64 KiB: no
 * look-ahead is needed and memory stays at one chunk.
 */
export class EnvelopeSealer {
  readonly header: EnvelopeHeader
  readonly #keys: EnvelopeKeys
  readonly #metadata: Uint8Array
  readonly #pending = new Uint8Array(CHUNK_SIZE)
  readonly #hash: ReturnType<typeof sha256.create> | undefined
  #filled = 0
  #index = 0
  #ciphertextLength = 0
  #plaintextLength = 0
  #state: 'new' | 'open' | 'done' = 'new'

  /** @param salt only for reproducing test vectors (package-internal); omitted, a random salt is used. */
  constructor(options: SealOptions, salt: Uint8Array = randomBytes(KEY_LENGTH)) {
    if (options.dek.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'data key must be 32 bytes')
    const paddedMetadata = padMetadata(options.metadata)
    this.header = encodeHeader(options.context, paddedMetadata.length, salt)
    this.#keys = deriveEnvelopeKeys(options.dek, this.header.bytes, this.header.salt)
    this.#metadata = paddedMetadata
    this.#hash = options.digest === false ? undefined : sha256.create()
  }

  /** header ‖ commitment ‖ sealed metadata: the first bytes of the envelope. */
  start(): Uint8Array {
    this.#expect('new')
    this.#state = 'open'
    const keys = this.#keys
    const sealedMetadata = xchacha20poly1305(keys.metadataKey, keys.metadataNonce).encrypt(this.#metadata)
    return this.#emit(concat(this.header.bytes, keys.commitment, sealedMetadata))
  }

  /** Accepts plaintext of any length; returns the chunks it completed (possibly none). */
  push(plaintext: Uint8Array): Uint8Array[] {
    this.#expect('open')
    this.#plaintextLength += plaintext.length
    const out: Uint8Array[] = []
    let offset = 0
    if (this.#filled > 0) {
      const n = Math.min(CHUNK_SIZE - this.#filled, plaintext.length)
      this.#pending.set(plaintext.subarray(0, n), this.#filled)
      this.#filled += n
      offset = n
      if (this.#filled < CHUNK_SIZE) return out
      out.push(this.#sealNext(this.#pending, false))
      this.#filled = 0
    }
    // Whole chunks straight from the caller's buffer: no copy.
    while (plaintext.length - offset >= CHUNK_SIZE) {
      out.push(this.#sealNext(plaintext.subarray(offset, offset + CHUNK_SIZE), false))
      offset += CHUNK_SIZE
    }
    if (offset < plaintext.length) {
      this.#pending.set(plaintext.subarray(offset), 0)
      this.#filled = plaintext.length - offset
    }
    return out
  }

  /** Seals the final, always-short chunk (possibly empty) and returns it with the summary. */
  finish(): { finalChunk: Uint8Array; summary: SealSummary } {
    this.#expect('open')
    const finalChunk = this.#sealNext(this.#pending.subarray(0, this.#filled), true)
    this.#pending.fill(0)
    this.#state = 'done'
    return {
      finalChunk,
      summary: {
        header: this.header,
        commitment: this.#keys.commitment.slice(),
        ciphertextLength: this.#ciphertextLength,
        plaintextLength: this.#plaintextLength,
        ...(this.#hash === undefined ? {} : { ciphertextSha256: this.#hash.digest() }),
      },
    }
  }

  #sealNext(plaintext: Uint8Array, last: boolean): Uint8Array {
    if (this.#index >= MAX_CHUNKS) throw new HoldallCryptoError('ENVELOPE_TOO_LARGE', 'too many chunks')
    const sealed = sealChunk(this.#keys.payloadKey, this.#keys.noncePrefix, this.#index, last, plaintext)
    this.#index++
    return this.#emit(sealed)
  }

  #emit(bytes: Uint8Array): Uint8Array {
    this.#hash?.update(bytes)
    this.#ciphertextLength += bytes.length
    return bytes
  }

  #expect(state: 'new' | 'open'): void {
    if (this.#state !== state) throw new Error(`EnvelopeSealer used out of order (state ${this.#state})`)
  }
}
