import { concat, randomBytes } from './bytes.js'
import { KEY_LENGTH } from './constants.js'
import type { EnvelopeHeader } from './envelope-header.js'
import { EnvelopeOpener, type OpenOptions } from './envelope-opener.js'
import { type DigestedSealSummary, EnvelopeSealer, type SealOptions } from './envelope-sealer.js'

export interface SealedEnvelope extends DigestedSealSummary {
  readonly ciphertext: Uint8Array
}

export interface OpenedEnvelope {
  readonly header: EnvelopeHeader
  readonly metadata: Uint8Array
  readonly plaintext: Uint8Array
}

/**
 * Encrypts a small record in one call. For anything that may be large (scans, PDFs), use
 * {@link createEnvelopeEncryptStream}: memory then stays at one 64 KiB chunk.
 *
 * @example
 * const dek = generateDataKey()
 * const sealed = sealEnvelope({ dek, context, metadata: utf8('{"contentType":"application/json"}'), plaintext })
 * // upload sealed.ciphertext; sign a manifest from sealed (see signManifest)
 */
export function sealEnvelope(
  options: Omit<SealOptions, 'digest'> & { readonly plaintext: Uint8Array },
): SealedEnvelope {
  return sealEnvelopeWithSalt(options, randomBytes(KEY_LENGTH))
}

/**
 * @internal Seals with a given salt, to reproduce test vectors. Not exported from the package:
 * a salt reused with a reused DEK repeats the keystream.
 */
export function sealEnvelopeWithSalt(
  options: Omit<SealOptions, 'digest'> & { readonly plaintext: Uint8Array },
  salt: Uint8Array,
): SealedEnvelope {
  const sealer = new EnvelopeSealer({ ...options, digest: true }, salt)
  const parts = [sealer.start(), ...sealer.push(options.plaintext)]
  const { finalChunk, summary } = sealer.finish()
  parts.push(finalChunk)
  return { ...(summary as DigestedSealSummary), ciphertext: concat(...parts) }
}

/** Decrypts a whole envelope in one call, or throws a {@link HoldallCryptoError} and returns nothing. */
export function openEnvelope(ciphertext: Uint8Array, options: OpenOptions): OpenedEnvelope {
  const opener = new EnvelopeOpener(options)
  const parts = opener.push(ciphertext)
  parts.push(opener.finish())
  const header = opener.header as EnvelopeHeader
  const metadata = opener.metadata as Uint8Array
  return { header, metadata, plaintext: concat(...parts) }
}
