import { sha256 } from '@noble/hashes/sha2.js'
import { concat, constantTimeEqual, isAllZero, readU32be, readU64be, u32be, u64be, utf8 } from './bytes.js'
import {
  ID_LENGTH,
  LABELS,
  MANIFEST_ALG_ED25519,
  MANIFEST_BODY_LENGTH,
  MANIFEST_FORMAT_VERSION,
  MANIFEST_LENGTH,
  MANIFEST_MAGIC,
  MAX_RECORD_TYPE_CODE,
  MIN_ENVELOPE_LENGTH,
} from './constants.js'
import { assertRecordContext, type RecordContext } from './envelope-header.js'
import type { OpenOptions } from './envelope-opener.js'
import { HoldallCryptoError } from './errors.js'
import {
  assertSigningPublicKey,
  keyThumbprint,
  sign,
  signingPublicKey,
  verifySignature,
  verifySignatureAsync,
} from './keys.js'

/**
 * What the writer of a record version asserts, signed with its Ed25519 key (security.md D6).
 * AEAD proves only that someone holding the DEK wrote the bytes; the manifest proves who, and
 * the `previousManifestSha256` chain lets a reader notice a host replaying an older version.
 */
export interface ManifestFields extends RecordContext {
  /**
   * The record type's registry code (protocol `RECORD_TYPES[type].code`, 1..65535). Signed, so a
   * host that relabels a record in clear cannot change what its author said it is.
   */
  readonly recordTypeCode: number
  /**
   * The envelope's key commitment. A reader compares it before anything is decrypted, so an
   * envelope made under any other DEK (say, one a host wrapped to a grantee itself) is refused
   * before a byte of plaintext is released.
   */
  readonly commitment: Uint8Array
  /** SHA-256 of the whole envelope: also the host's content address for the blob. */
  readonly ciphertextSha256: Uint8Array
  readonly ciphertextLength: number
  /** {@link manifestHash} of the previous version's manifest; 32 zero bytes for version 1. */
  readonly previousManifestSha256: Uint8Array
  /** RFC 7638 thumbprint of the author's Ed25519 public key. */
  readonly authorKeyId: Uint8Array
  /** Milliseconds since the Unix epoch, as the author's clock saw it. */
  readonly createdAt: number
}

export interface Manifest extends ManifestFields {
  /** The exact 256 bytes: body (192) ‖ signature (64). */
  readonly bytes: Uint8Array
  readonly signature: Uint8Array
}

declare const verified: unique symbol
/** A manifest whose signature has been checked against its author's key by {@link verifyManifest}. */
export type VerifiedManifest = Manifest & { readonly [verified]: true }

const MAGIC = utf8(MANIFEST_MAGIC)
const SIGNING_CONTEXT = concat(utf8(LABELS.manifest), Uint8Array.of(0))
export const NO_PREVIOUS_MANIFEST = new Uint8Array(32)

/*
 * Body layout (192 bytes, big-endian integers):
 *   0 magic "HLDM"   4 format version (2)   5 signature algorithm (1 = Ed25519)   6 record type code u16
 *   8 vault_id[16]  24 record_id[16]       40 version u32   44 key_epoch u32
 *  48 commitment[32]                        80 ciphertext_sha256[32]   112 ciphertext_length u64
 * 120 previous_manifest_sha256[32]        152 author_key_id[32]       184 created_at u64
 * signature = Ed25519(author, "holdall/v1/manifest" ‖ 0x00 ‖ body)
 */
export function signManifest(fields: ManifestFields, secretKey: Uint8Array): Manifest {
  // Derived, not passed in: a mismatched pair would give a manifest that never verifies.
  const publicKey = signingPublicKey(secretKey)
  assertSigningPublicKey(publicKey)
  if (!constantTimeEqual(fields.authorKeyId, keyThumbprint(publicKey, 'Ed25519'))) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'authorKeyId is not the thumbprint of the signing key')
  }
  const body = encodeBody(fields)
  const signature = sign(concat(SIGNING_CONTEXT, body), secretKey)
  return { ...fields, bytes: concat(body, signature), signature }
}

/** Parses the 256 bytes without checking the signature; see {@link verifyManifest}. */
export function parseManifest(bytes: Uint8Array): Manifest {
  if (bytes.length !== MANIFEST_LENGTH) throw new HoldallCryptoError('MANIFEST_MALFORMED', 'manifest must be 256 bytes')
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new HoldallCryptoError('MANIFEST_MALFORMED', 'not a Holdall manifest')
  }
  if (bytes[4] !== MANIFEST_FORMAT_VERSION || bytes[5] !== MANIFEST_ALG_ED25519) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'unsupported manifest version or algorithm')
  }
  const copy = bytes.slice()
  const ciphertextLength = readU64be(copy, 112)
  const createdAt = readU64be(copy, 184)
  if (ciphertextLength === undefined || createdAt === undefined) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'integer out of range')
  }
  const fields: ManifestFields = {
    recordTypeCode: ((copy[6] as number) << 8) | (copy[7] as number),
    vaultId: copy.slice(8, 24),
    recordId: copy.slice(24, 40),
    version: readU32be(copy, 40),
    keyEpoch: readU32be(copy, 44),
    commitment: copy.slice(48, 80),
    ciphertextSha256: copy.slice(80, 112),
    ciphertextLength,
    previousManifestSha256: copy.slice(120, 152),
    authorKeyId: copy.slice(152, 184),
    createdAt,
  }
  checkFields(fields)
  return { ...fields, bytes: copy, signature: copy.slice(MANIFEST_BODY_LENGTH) }
}

/**
 * Parses and verifies a manifest against the author's public key (strict Ed25519), checking that
 * the key is the one the manifest names.
 */
export function verifyManifest(bytes: Uint8Array, authorPublicKey: Uint8Array): VerifiedManifest {
  const { manifest, message, keyMatches } = toVerify(bytes, authorPublicKey)
  if (!keyMatches || !verifySignature(manifest.signature, message, authorPublicKey)) {
    throw new HoldallCryptoError('MANIFEST_SIGNATURE_INVALID', 'manifest signature does not verify')
  }
  return manifest as VerifiedManifest
}

/**
 * {@link verifyManifest} with the same answers, on WebCrypto Ed25519 where the platform has it
 * (a browser checking every manifest of a grant over many records).
 */
export async function verifyManifestAsync(bytes: Uint8Array, authorPublicKey: Uint8Array): Promise<VerifiedManifest> {
  const { manifest, message, keyMatches } = toVerify(bytes, authorPublicKey)
  if (!keyMatches || !(await verifySignatureAsync(manifest.signature, message, authorPublicKey))) {
    throw new HoldallCryptoError('MANIFEST_SIGNATURE_INVALID', 'manifest signature does not verify')
  }
  return manifest as VerifiedManifest
}

function toVerify(bytes: Uint8Array, authorPublicKey: Uint8Array) {
  const manifest = parseManifest(bytes)
  assertSigningPublicKey(authorPublicKey)
  const message = concat(SIGNING_CONTEXT, manifest.bytes.subarray(0, MANIFEST_BODY_LENGTH))
  const keyMatches = constantTimeEqual(manifest.authorKeyId, keyThumbprint(authorPublicKey, 'Ed25519'))
  return { manifest, message, keyMatches }
}

/**
 * Options that tie opening an envelope to its verified manifest: the envelope must be the record
 * version the manifest names, and its SHA-256 (hence its length) must be the one the author
 * signed (spec 3.7.2, CRY-MAN-03).
 */
export function openOptionsFromManifest(manifest: VerifiedManifest, dek: Uint8Array): OpenOptions {
  return {
    dek,
    expect: {
      vaultId: manifest.vaultId,
      recordId: manifest.recordId,
      version: manifest.version,
      keyEpoch: manifest.keyEpoch,
    },
    expectedCommitment: manifest.commitment,
    expectedCiphertextSha256: manifest.ciphertextSha256,
  }
}

/** SHA-256 of the 192-byte body (not of the whole manifest): what the next version's manifest links back to. */
export function manifestHash(manifest: Pick<Manifest, 'bytes'>): Uint8Array {
  return sha256(manifest.bytes.subarray(0, MANIFEST_BODY_LENGTH))
}

/**
 * Checks that `next` directly follows `previous`: same vault and record, version + 1, and a
 * link to the previous manifest's hash. A reader that remembers the newest manifest it has seen
 * detects a host that serves an older version or forks the history.
 */
export function assertManifestSuccessor(previous: VerifiedManifest, next: VerifiedManifest): void {
  const follows =
    constantTimeEqual(previous.vaultId, next.vaultId) &&
    constantTimeEqual(previous.recordId, next.recordId) &&
    next.version === previous.version + 1 &&
    constantTimeEqual(next.previousManifestSha256, manifestHash(previous))
  if (!follows) throw new HoldallCryptoError('MANIFEST_CHAIN_BROKEN', 'manifest does not follow its predecessor')
}

function encodeBody(fields: ManifestFields): Uint8Array {
  checkFields(fields)
  return concat(
    MAGIC,
    Uint8Array.of(
      MANIFEST_FORMAT_VERSION,
      MANIFEST_ALG_ED25519,
      fields.recordTypeCode >> 8,
      fields.recordTypeCode & 0xff,
    ),
    fields.vaultId,
    fields.recordId,
    u32be(fields.version),
    u32be(fields.keyEpoch),
    fields.commitment,
    fields.ciphertextSha256,
    u64be(fields.ciphertextLength),
    fields.previousManifestSha256,
    fields.authorKeyId,
    u64be(fields.createdAt),
  )
}

function checkFields(fields: ManifestFields): void {
  try {
    assertRecordContext(fields)
  } catch (cause) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'manifest record context is invalid', { cause })
  }
  if (
    !Number.isInteger(fields.recordTypeCode) ||
    fields.recordTypeCode < 1 ||
    fields.recordTypeCode > MAX_RECORD_TYPE_CODE
  ) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'manifest record type code is out of range')
  }
  const sizes = [fields.commitment, fields.ciphertextSha256, fields.previousManifestSha256, fields.authorKeyId]
  if (sizes.some((b) => b.length !== 32) || fields.vaultId.length !== ID_LENGTH) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'manifest hash or key id has the wrong length')
  }
  if (
    !isSafeCount(fields.ciphertextLength) ||
    fields.ciphertextLength < MIN_ENVELOPE_LENGTH ||
    !isSafeCount(fields.createdAt)
  ) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'manifest length or time is out of range')
  }
  // Version 1 has no predecessor; every later version must name one.
  if ((fields.version === 1) !== isAllZero(fields.previousManifestSha256)) {
    throw new HoldallCryptoError('MANIFEST_MALFORMED', 'previous-manifest link does not fit the version')
  }
}

function isSafeCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}
