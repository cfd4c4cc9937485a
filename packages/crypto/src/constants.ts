/**
 * The crypto policy of protocol version 1, in one place. Nothing here is negotiable at run time:
 * the envelope carries a suite byte only so a future version can be told apart and refused, never
 * so a reader can be talked into a weaker algorithm (security.md D3, attack case 8).
 * A test (crypto-policy.test.ts) pins every value.
 */

/** Length of every Holdall identifier (vault, record, grant): 128 random bits. */
export const ID_LENGTH = 16
/** Length of data keys, vault root keys, key-encryption keys and salts. */
export const KEY_LENGTH = 32

export const ENVELOPE_MAGIC = 'HLDR'
export const ENVELOPE_FORMAT_VERSION = 1
/** Suite 1: XChaCha20-Poly1305 chunks, HKDF-SHA256 key schedule, SHA-256 header hash. */
export const ENVELOPE_SUITE = 1
export const ENVELOPE_LOG2_CHUNK = 16
/** Plaintext bytes in every non-final chunk (64 KiB). The final chunk is always shorter. */
export const CHUNK_SIZE = 1 << ENVELOPE_LOG2_CHUNK
export const TAG_LENGTH = 16
/** Ciphertext bytes of every non-final chunk. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_LENGTH
export const HEADER_LENGTH = 82
export const COMMITMENT_LENGTH = 32
/** Encrypted metadata is padded to a multiple of this, so its length says little about titles. */
export const METADATA_BLOCK = 256
export const METADATA_MAX_PADDED = 16_384
/** Chunk counters are 7 bytes; no real record comes near this. */
export const MAX_CHUNKS = 2 ** 53 - 1

export const OWNER_WRAP_LENGTH = 72
export const HPKE_WRAP_LENGTH = 80

export const MANIFEST_MAGIC = 'HLDM'
/**
 * Format 2 puts the record type code in bytes 6-7 (reserved zero in format 1), so the type, and
 * with it the tier and who may receive it, is signed by the author. Format 1 is refused: its type
 * was only the host's clear label (spec 3.7.1, CRY-MAN-06).
 */
export const MANIFEST_FORMAT_VERSION = 2
/** The largest record type code the u16 field can hold; 0 is never a record type. */
export const MAX_RECORD_TYPE_CODE = 0xffff
/** Signature algorithm byte 1: Ed25519 (RFC 8032), verified strictly (no ZIP-215 leniency). */
export const MANIFEST_ALG_ED25519 = 1
export const MANIFEST_BODY_LENGTH = 192
export const SIGNATURE_LENGTH = 64
export const MANIFEST_LENGTH = MANIFEST_BODY_LENGTH + SIGNATURE_LENGTH
/** The smallest envelope: header, commitment, one metadata block, an empty final chunk. */
export const MIN_ENVELOPE_LENGTH = HEADER_LENGTH + COMMITMENT_LENGTH + METADATA_BLOCK + TAG_LENGTH + TAG_LENGTH

/** HPKE (RFC 9180) suite for every public-key wrap: Base mode only. */
export const HPKE_SUITE = {
  mode: 0x00,
  kem: 0x0020, // DHKEM(X25519, HKDF-SHA256)
  kdf: 0x0001, // HKDF-SHA256
  aead: 0x0003, // ChaCha20Poly1305
} as const

/** Domain-separation labels. Every derived key or signed byte string starts from a distinct one. */
export const LABELS = {
  envelope: 'holdall/v1/envelope',
  kek: 'holdall/v1/kek',
  vrkCheck: 'holdall/v1/vrk-check',
  inboxKey: 'holdall/v1/inbox-key',
  ownerWrap: 'holdall/v1/dek-wrap',
  grantWrap: 'holdall/v1/wrap/grant',
  inboxWrap: 'holdall/v1/wrap/inbox',
  deviceWrap: 'holdall/v1/wrap/device',
  manifest: 'holdall/v1/manifest',
  inboxKeyStatement: 'holdall/v1/statement/inbox-key',
  deviceWrapStatement: 'holdall/v1/statement/device-wrap',
  deviceChainEntry: 'holdall/v1/device-chain/entry',
  deviceChainLink: 'holdall/v1/device-chain/link',
  offlineShare: 'holdall/v1/offline-share',
  recoveryMember: 'holdall/v1/recovery/member',
  recoveryShareWrap: 'holdall/v1/wrap/recovery-share',
  recoveryKitProof: 'holdall/v1/recovery/kit-proof',
} as const

/**
 * Offline shares (spec 10.2): the text a QR code carries starts with this prefix (QR alphanumeric
 * symbols only), then base45 of the binary share whose first byte is the format version.
 */
export const OFFLINE_SHARE_PREFIX = 'HLD1:'
export const OFFLINE_SHARE_FORMAT_VERSION = 1
export const OFFLINE_SHARE_MODE_INLINE = 1
export const OFFLINE_SHARE_MODE_LINK = 2
/** Bytes before the body: header fields, holder key, manifest, data key and body length. */
export const OFFLINE_SHARE_FIXED_LENGTH = 367
/** The longest a share may be valid, and the clock skew a reader allows either side. */
export const OFFLINE_SHARE_MAX_LIFETIME_MS = 10 * 60_000
export const OFFLINE_SHARE_CLOCK_SKEW_MS = 2 * 60_000
/** The largest inline body (an envelope): the whole QR text is then at most 2,956 symbols. */
export const OFFLINE_SHARE_MAX_INLINE_BODY = 1_536
/** The longest one-time link in link mode. */
export const OFFLINE_SHARE_MAX_LINK_LENGTH = 512

/** Device chain entries (spec 3.8.1): format version 1, fixed length, at most this many per vault. */
export const DEVICE_CHAIN_FORMAT_VERSION = 1
export const DEVICE_CHAIN_BODY_LENGTH = 150
export const DEVICE_CHAIN_ENTRY_LENGTH = DEVICE_CHAIN_BODY_LENGTH + SIGNATURE_LENGTH
export const DEVICE_CHAIN_MAX_ENTRIES = 1024

/** Recovery shares (spec 9.3): format 1, 55 bytes: header (22) and a Shamir share of the VRK (33). */
export const RECOVERY_SHARE_FORMAT_VERSION = 1
export const RECOVERY_SHARE_LENGTH = 55
/** An HPKE-sealed recovery share: encapsulated key (32), share (55), tag (16). */
export const RECOVERY_SHARE_WRAP_LENGTH = 103
