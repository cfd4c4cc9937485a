import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, utf8 } from './bytes.js'
import { KEY_LENGTH, LABELS } from './constants.js'
import { HoldallCryptoError } from './errors.js'

/** The per-version keys derived from a DEK and the envelope header. */
export interface EnvelopeKeys {
  readonly payloadKey: Uint8Array
  /** First 16 bytes of every chunk nonce. */
  readonly noncePrefix: Uint8Array
  readonly commitment: Uint8Array
  readonly metadataKey: Uint8Array
  readonly metadataNonce: Uint8Array
}

const INFO_PREFIX = utf8(LABELS.envelope)

/**
 * okm = HKDF-SHA256(ikm = DEK, salt = header.salt, info = "holdall/v1/envelope" ‖ SHA-256(header), L = 136)
 *
 * Hashing the whole header into `info` binds vault, record, version, epoch, suite and chunk size
 * to every key (Tink's AAD-in-HKDF idea), so the chunks need no associated data. The 32-byte
 * commitment makes the envelope key-committing: a ciphertext opens under one DEK only (C2SP
 * chunked-encryption; "invisible salamanders").
 */
export function deriveEnvelopeKeys(dek: Uint8Array, headerBytes: Uint8Array, salt: Uint8Array): EnvelopeKeys {
  if (dek.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'data key must be 32 bytes')
  const okm = hkdf(sha256, dek, salt, concat(INFO_PREFIX, sha256(headerBytes)), 136)
  return {
    payloadKey: okm.slice(0, 32),
    noncePrefix: okm.slice(32, 48),
    commitment: okm.slice(48, 80),
    metadataKey: okm.slice(80, 112),
    metadataNonce: okm.slice(112, 136),
  }
}
