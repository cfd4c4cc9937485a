/** The protocol version this package describes. Discovery lists the versions a host speaks. */
export const PROTOCOL_VERSION = 1
export const SUPPORTED_PROTOCOL_VERSIONS = [PROTOCOL_VERSION] as const

/** Byte formats of protocol version 1 (protocol-spec/spec/03-cryptography.md). */
export const ENVELOPE_FORMAT_VERSION = 1
export const ENVELOPE_SUITE = 1
export const ENVELOPE_CHUNK_SIZE = 65_536
export const OWNER_WRAP_LENGTH = 72
export const HPKE_WRAP_LENGTH = 80
export const MANIFEST_LENGTH = 256
/** A device chain entry (spec 3.8.1), and the most a vault's chain may hold. */
export const DEVICE_CHAIN_ENTRY_LENGTH = 214
export const DEVICE_CHAIN_MAX_ENTRIES = 1024
export const ID_LENGTH = 16
export const DIGEST_LENGTH = 32

/**
 * The request header in which a client names the protocol version it speaks (chapter 6). A host
 * answers a version it does not speak with 400 `unsupported_version`; no header means version 1,
 * so stock OAuth libraries work unchanged.
 */
export const PROTOCOL_VERSION_HEADER = 'holdall-version'
