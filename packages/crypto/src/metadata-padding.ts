import { METADATA_BLOCK, METADATA_MAX_PADDED } from './constants.js'
import { HoldallCryptoError } from './errors.js'

/**
 * ISO/IEC 7816-4 padding (one 0x80 byte, then zeros) up to the next multiple of 256 bytes, so
 * the host sees only a coarse size class for titles and file names. Exactly one padded form
 * exists for each input.
 */
export function padMetadata(metadata: Uint8Array): Uint8Array {
  const padded = Math.ceil((metadata.length + 1) / METADATA_BLOCK) * METADATA_BLOCK
  if (padded > METADATA_MAX_PADDED) {
    throw new HoldallCryptoError('ENVELOPE_TOO_LARGE', `metadata must be under ${METADATA_MAX_PADDED} bytes`)
  }
  const out = new Uint8Array(padded)
  out.set(metadata)
  out[metadata.length] = 0x80
  return out
}

export function unpadMetadata(padded: Uint8Array): Uint8Array {
  // Scans every byte whatever it finds, so the time taken does not depend on where the
  // content ends (spec CRY-ENV-07).
  let end = -1
  let seenNonZero = 0
  for (let i = padded.length - 1; i >= 0; i--) {
    const byte = padded[i] as number
    const first = seenNonZero === 0 && byte !== 0 ? 1 : 0
    end = first === 1 ? i : end
    seenNonZero |= first
  }
  // Only reachable with a valid tag, i.e. if the writer itself padded wrongly.
  if (end < 0 || padded[end] !== 0x80 || padded.length - end > METADATA_BLOCK) {
    throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'metadata padding is invalid')
  }
  return padded.slice(0, end)
}
