import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { HoldallCryptoError } from './errors.js'

/**
 * chunk nonce (24 bytes) = nonce_prefix (16) ‖ chunk index (7 bytes, big-endian) ‖ last flag (1)
 *
 * The index stops chunks being reordered, dropped or duplicated; the flag stops truncation at a
 * chunk boundary (age STREAM). The prefix is fixed per envelope, so the HChaCha20 subkey is too.
 */
export function chunkNonce(noncePrefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(24)
  nonce.set(noncePrefix, 0)
  const high = Math.floor(index / 2 ** 32)
  const low = index >>> 0
  nonce[16] = (high >>> 16) & 0xff
  nonce[17] = (high >>> 8) & 0xff
  nonce[18] = high & 0xff
  nonce[19] = low >>> 24
  nonce[20] = (low >>> 16) & 0xff
  nonce[21] = (low >>> 8) & 0xff
  nonce[22] = low & 0xff
  nonce[23] = last ? 1 : 0
  return nonce
}

export function sealChunk(
  payloadKey: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  last: boolean,
  plaintext: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(payloadKey, chunkNonce(noncePrefix, index, last)).encrypt(plaintext)
}

export function openChunk(
  payloadKey: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  last: boolean,
  sealed: Uint8Array,
): Uint8Array {
  try {
    return xchacha20poly1305(payloadKey, chunkNonce(noncePrefix, index, last)).decrypt(sealed)
  } catch (cause) {
    throw new HoldallCryptoError('ENVELOPE_AUTH_FAILED', `chunk ${index} failed authentication`, { cause })
  }
}
