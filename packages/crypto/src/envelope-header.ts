import { concat, readU16be, readU32be, u16be, u32be, utf8 } from './bytes.js'
import {
  ENVELOPE_FORMAT_VERSION,
  ENVELOPE_LOG2_CHUNK,
  ENVELOPE_MAGIC,
  ENVELOPE_SUITE,
  HEADER_LENGTH,
  ID_LENGTH,
  KEY_LENGTH,
  METADATA_BLOCK,
  METADATA_MAX_PADDED,
} from './constants.js'
import { HoldallCryptoError } from './errors.js'

/** What a record version is: the binding every envelope, wrap and manifest carries. */
export interface RecordContext {
  readonly vaultId: Uint8Array
  readonly recordId: Uint8Array
  /** 1 for the first version, then +1 for each new version. */
  readonly version: number
  /** The key epoch whose KEK wraps this version's DEK. */
  readonly keyEpoch: number
}

export interface EnvelopeHeader extends RecordContext {
  /** Length of the padded metadata plaintext (a multiple of 256). */
  readonly metadataLength: number
  readonly salt: Uint8Array
  /** The exact 82 header bytes, hashed into the key schedule. */
  readonly bytes: Uint8Array
}

const MAGIC = utf8(ENVELOPE_MAGIC)

/*
 * Header layout (82 bytes, big-endian integers), spec section "Envelope header":
 *   0  magic "HLDR"      4   format version (1)   5  suite (1)   6  log2 chunk size (16)
 *   7  reserved (0)      8   vault_id[16]        24  record_id[16]
 *  40  version u32      44   key_epoch u32       48  metadata_length u16   50  salt[32]
 */
export function encodeHeader(context: RecordContext, metadataLength: number, salt: Uint8Array): EnvelopeHeader {
  assertRecordContext(context)
  if (salt.length !== KEY_LENGTH) throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'salt must be 32 bytes')
  assertMetadataLength(metadataLength)
  const bytes = concat(
    MAGIC,
    Uint8Array.of(ENVELOPE_FORMAT_VERSION, ENVELOPE_SUITE, ENVELOPE_LOG2_CHUNK, 0),
    context.vaultId,
    context.recordId,
    u32be(context.version),
    u32be(context.keyEpoch),
    u16be(metadataLength),
    salt,
  )
  return { ...pickContext(context), metadataLength, salt: salt.slice(), bytes }
}

/**
 * Parses exactly {@link HEADER_LENGTH} bytes; refuses anything but format 1, suite 1, 64 KiB chunks.
 * The checks run in the order of spec 3.5.6 steps 1-4, so every implementation reports the same class.
 */
export function parseHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.length !== HEADER_LENGTH) throw new HoldallCryptoError('ENVELOPE_TRUNCATED', 'envelope header is short')
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'not a Holdall envelope')
  }
  if (bytes[4] !== ENVELOPE_FORMAT_VERSION) {
    throw new HoldallCryptoError('ENVELOPE_UNSUPPORTED', 'unsupported envelope format version')
  }
  if (bytes[5] !== ENVELOPE_SUITE) throw new HoldallCryptoError('ENVELOPE_UNSUPPORTED', 'unsupported envelope suite')
  if (bytes[6] !== ENVELOPE_LOG2_CHUNK) throw new HoldallCryptoError('ENVELOPE_UNSUPPORTED', 'unsupported chunk size')
  // After the version checks, so that a future format that uses this byte reads as UNSUPPORTED.
  if (bytes[7] !== 0) throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'reserved header byte is not zero')
  const version = readU32be(bytes, 40)
  if (version === 0) throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'record version 0 is not valid')
  const metadataLength = readU16be(bytes, 48)
  assertMetadataLength(metadataLength)
  const copy = bytes.slice()
  return {
    vaultId: copy.slice(8, 24),
    recordId: copy.slice(24, 40),
    version,
    keyEpoch: readU32be(bytes, 44),
    metadataLength,
    salt: copy.slice(50, 82),
    bytes: copy,
  }
}

export function assertRecordContext(context: RecordContext): void {
  if (context.vaultId.length !== ID_LENGTH || context.recordId.length !== ID_LENGTH) {
    throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'vault and record ids must be 16 bytes')
  }
  if (!isU32(context.version) || context.version === 0) {
    throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'version must be a u32 of at least 1')
  }
  if (!isU32(context.keyEpoch)) throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'key epoch must be a u32')
}

/** The 28-byte binding `vault_id ‖ record_id ‖ version` used by every wrap of a DEK. */
export function recordBinding(context: Pick<RecordContext, 'vaultId' | 'recordId' | 'version'>): Uint8Array {
  return concat(context.vaultId, context.recordId, u32be(context.version))
}

export function pickContext(context: RecordContext): RecordContext {
  return {
    vaultId: context.vaultId.slice(),
    recordId: context.recordId.slice(),
    version: context.version,
    keyEpoch: context.keyEpoch,
  }
}

function assertMetadataLength(length: number): void {
  if (length < METADATA_BLOCK || length > METADATA_MAX_PADDED || length % METADATA_BLOCK !== 0) {
    throw new HoldallCryptoError('ENVELOPE_MALFORMED', 'metadata length must be a multiple of 256 in 256..16384')
  }
}

function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff
}
