import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ByteQueue } from './byte-queue.js'
import { constantTimeEqual } from './bytes.js'
import { openChunk } from './chunk.js'
import { COMMITMENT_LENGTH, HEADER_LENGTH, KEY_LENGTH, SEALED_CHUNK_SIZE, TAG_LENGTH } from './constants.js'
import { assertRecordContext, type EnvelopeHeader, parseHeader, type RecordContext } from './envelope-header.js'
import { deriveEnvelopeKeys, type EnvelopeKeys } from './envelope-keys.js'
import { HoldallCryptoError } from './errors.js'
import { unpadMetadata } from './metadata-padding.js'

export interface OpenOptions {
  readonly dek: Uint8Array
  /**
   * The record version the caller means to open. Required: a host that serves record A's
   * ciphertext for record B, or an old version for a new one, is caught here (attack case 5).
   */
  readonly expect: RecordContext
  /**
   * The ciphertext SHA-256 from the signed manifest. When given, the final chunk is withheld
   * until the whole ciphertext is known to match it.
   */
  readonly expectedCiphertextSha256?: Uint8Array
  /**
   * The key commitment from the signed manifest. When given, an envelope made under any other DEK
   * is refused at the commitment, before a byte of plaintext or metadata is released, even if
   * whoever made it also made a valid-looking wrap of that DEK (HPKE Base wraps prove nothing
   * about their sender). Always pass it when the DEK came from an HPKE wrap.
   */
  readonly expectedCommitment?: Uint8Array
}

/**
 * Push-style envelope reader shared by the one-shot and Web Streams APIs. Nothing is decrypted
 * before the header parses, the context matches and the key commitment checks out. A non-final
 * chunk is only opened once more bytes follow it, since a final chunk is always short.
 */
export class EnvelopeOpener {
  readonly #options: OpenOptions
  readonly #queue = new ByteQueue()
  readonly #hash: ReturnType<typeof sha256.create> | undefined
  #header: EnvelopeHeader | undefined
  #keys: EnvelopeKeys | undefined
  #metadata: Uint8Array | undefined
  #index = 0
  #failure: unknown
  #done = false

  constructor(options: OpenOptions) {
    if (!(options.dek instanceof Uint8Array) || options.dek.length !== KEY_LENGTH) {
      throw new HoldallCryptoError('KEY_INVALID', 'data key must be 32 bytes')
    }
    if (options.expect === undefined) {
      throw new HoldallCryptoError('ENVELOPE_CONTEXT_MISMATCH', 'the expected record context is required')
    }
    try {
      assertRecordContext(options.expect)
    } catch (cause) {
      throw new HoldallCryptoError('ENVELOPE_CONTEXT_MISMATCH', 'the expected record context is not valid', { cause })
    }
    for (const value of [options.expectedCiphertextSha256, options.expectedCommitment]) {
      if (value !== undefined && value.length !== 32) {
        throw new HoldallCryptoError('ENVELOPE_CONTEXT_MISMATCH', 'expected digests and commitments are 32 bytes')
      }
    }
    this.#options = options
    this.#hash = options.expectedCiphertextSha256 === undefined ? undefined : sha256.create()
  }

  /** The parsed header, once the preamble has been checked. */
  get header(): EnvelopeHeader | undefined {
    return this.#header
  }

  /** The unpadded metadata, once the preamble has been checked. */
  get metadata(): Uint8Array | undefined {
    return this.#metadata
  }

  /**
   * Accepts ciphertext of any length; returns the plaintext of the chunks it could verify.
   * Whatever it must keep for later (at most one sealed chunk) it copies, so the caller may reuse
   * its buffer as soon as this returns.
   */
  push(ciphertext: Uint8Array): Uint8Array[] {
    return this.#push(ciphertext, true)
  }

  /**
   * @internal For the Web Streams path: a chunk written to a stream belongs to the stream, so
   * nothing needs copying (saves one copy of every byte).
   */
  pushTransferred(ciphertext: Uint8Array): Uint8Array[] {
    return this.#push(ciphertext, false)
  }

  #push(ciphertext: Uint8Array, copyRemainder: boolean): Uint8Array[] {
    this.#guard()
    try {
      this.#hash?.update(ciphertext)
      this.#queue.push(ciphertext)
      if (this.#keys === undefined) this.#readPreamble()
      const out: Uint8Array[] = []
      if (this.#keys === undefined) {
        if (copyRemainder) this.#queue.own()
        return out
      }
      while (this.#queue.length > SEALED_CHUNK_SIZE) {
        const sealed = this.#queue.take(SEALED_CHUNK_SIZE)
        out.push(openChunk(this.#keys.payloadKey, this.#keys.noncePrefix, this.#index++, false, sealed))
      }
      if (copyRemainder) this.#queue.own()
      return out
    } catch (error) {
      this.#failure = error
      throw error
    }
  }

  /** Verifies and returns the final chunk's plaintext; throws if the envelope ended early. */
  finish(): Uint8Array {
    this.#guard()
    try {
      if (this.#keys === undefined) this.#readPreamble()
      const keys = this.#keys
      const remaining = this.#queue.length
      if (keys === undefined || remaining < TAG_LENGTH || remaining >= SEALED_CHUNK_SIZE) {
        throw new HoldallCryptoError('ENVELOPE_TRUNCATED', 'envelope ended without a final chunk')
      }
      const expected = this.#options.expectedCiphertextSha256
      if (this.#hash !== undefined && expected !== undefined && !constantTimeEqual(this.#hash.digest(), expected)) {
        throw new HoldallCryptoError('ENVELOPE_DIGEST_MISMATCH', 'ciphertext does not match the expected digest')
      }
      const plaintext = openChunk(keys.payloadKey, keys.noncePrefix, this.#index++, true, this.#queue.take(remaining))
      this.#done = true
      return plaintext
    } catch (error) {
      this.#failure = error
      throw error
    }
  }

  #readPreamble(): void {
    if (this.#header === undefined) {
      if (this.#queue.length < HEADER_LENGTH) return
      const header = parseHeader(this.#queue.take(HEADER_LENGTH))
      checkContext(header, this.#options.expect)
      this.#header = header
    }
    const header = this.#header
    const sealedMetadataLength = header.metadataLength + TAG_LENGTH
    if (this.#queue.length < COMMITMENT_LENGTH + sealedMetadataLength) return
    const keys = deriveEnvelopeKeys(this.#options.dek, header.bytes, header.salt)
    const commitment = this.#queue.take(COMMITMENT_LENGTH)
    const expected = this.#options.expectedCommitment
    // Both comparisons always run, so timing does not say which one failed.
    const matchesKey = constantTimeEqual(commitment, keys.commitment)
    const matchesManifest = expected === undefined || constantTimeEqual(commitment, expected)
    if (!matchesKey || !matchesManifest) {
      throw new HoldallCryptoError('ENVELOPE_COMMITMENT_MISMATCH', 'key commitment does not match')
    }
    let padded: Uint8Array
    try {
      padded = xchacha20poly1305(keys.metadataKey, keys.metadataNonce).decrypt(this.#queue.take(sealedMetadataLength))
    } catch (cause) {
      throw new HoldallCryptoError('ENVELOPE_AUTH_FAILED', 'metadata failed authentication', { cause })
    }
    this.#metadata = unpadMetadata(padded)
    this.#keys = keys
  }

  #guard(): void {
    // A failed opener stays failed, with the error it first reported.
    if (this.#failure !== undefined) throw this.#failure
    if (this.#done) throw new Error('EnvelopeOpener used after finish')
  }
}

function checkContext(header: EnvelopeHeader, expect: RecordContext): void {
  const same =
    constantTimeEqual(header.vaultId, expect.vaultId) &&
    constantTimeEqual(header.recordId, expect.recordId) &&
    header.version === expect.version &&
    header.keyEpoch === expect.keyEpoch
  if (!same) {
    throw new HoldallCryptoError('ENVELOPE_CONTEXT_MISMATCH', 'envelope is not the expected record version')
  }
}
