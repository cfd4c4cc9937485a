import { concat, constantTimeEqual, isAllZero, readU32be, sha256Bytes, u32be, utf8 } from './bytes.js'
import {
  DEVICE_CHAIN_BODY_LENGTH,
  DEVICE_CHAIN_ENTRY_LENGTH,
  DEVICE_CHAIN_FORMAT_VERSION,
  DEVICE_CHAIN_MAX_ENTRIES,
  ID_LENGTH,
  KEY_LENGTH,
  LABELS,
} from './constants.js'
import { type CryptoErrorCode, HoldallCryptoError } from './errors.js'
import {
  assertAgreementPublicKey,
  assertSigningPublicKey,
  keyThumbprint,
  sign,
  signingPublicKey,
  verifySignature,
} from './keys.js'

/*
 * The device chain (spec 3.8.1): the vault's holder devices as a hash-chained list in which every
 * addition and removal is signed by a device that is already a member. The host stores and serves
 * the entries as opaque bytes; it cannot add a device of its own, because it holds no member's key.
 *
 * The root is the first entry, a self-signed addition of the vault's first device. Its hash (the
 * root fingerprint) names the vault's device list: issuers and services receive it out of band
 * (pairing QR code or safety code) and pin it. Why not a key derived from the VRK: every device
 * that ever held the VRK, a stolen one that was removed included, could derive it for ever and
 * sign itself back in; a member key can be removed.
 *
 *   entry (214 bytes) = body (150) ‖ Ed25519 signature (64)
 *   body   = u8 format (1) ‖ vault_id (16) ‖ u32 seq ‖ previous entry hash (32, zero for seq 0)
 *          ‖ u8 operation (1 add, 2 remove) ‖ subject Ed25519 key (32)
 *          ‖ subject X25519 key (32; all zero for a removal) ‖ signer Ed25519 key (32)
 *   signature = Ed25519(signer, "holdall/v1/device-chain/entry" ‖ 0x00 ‖ body)
 *   entry hash = SHA-256("holdall/v1/device-chain/link" ‖ 0x00 ‖ entry)
 */

export type DeviceChainOperation = 'add' | 'remove'

export interface DeviceChainEntryFields {
  readonly vaultId: Uint8Array
  readonly seq: number
  readonly previousHash: Uint8Array
  readonly operation: DeviceChainOperation
  readonly subjectSigningKey: Uint8Array
  /** The added device's X25519 key; absent for a removal. */
  readonly subjectAgreementKey?: Uint8Array
}

export interface DeviceChainEntry extends DeviceChainEntryFields {
  readonly signerKey: Uint8Array
  readonly signature: Uint8Array
  readonly bytes: Uint8Array
  readonly hash: Uint8Array
}

export interface DeviceChainMember {
  readonly signingKey: Uint8Array
  readonly agreementKey: Uint8Array
  /** RFC 7638 thumbprint of the signing key: the device id receipts and statements name. */
  readonly keyId: Uint8Array
  /** The seq of the entry that added it. */
  readonly addedAt: number
}

export interface DeviceChainHead {
  readonly seq: number
  readonly hash: Uint8Array
}

export interface VerifiedDeviceChain {
  readonly vaultId: Uint8Array
  /** Hash of entry 0: the fingerprint pairing codes carry and readers pin. */
  readonly root: Uint8Array
  readonly head: DeviceChainHead
  /** Current members, in the order they were added. */
  readonly members: readonly DeviceChainMember[]
  readonly entries: readonly DeviceChainEntry[]
}

const OPERATIONS: Record<DeviceChainOperation, number> = { add: 1, remove: 2 }
const ZERO_KEY = new Uint8Array(KEY_LENGTH)

/** Signs an entry. The signer's public key is derived from its secret key and written in. */
export function signDeviceChainEntry(fields: DeviceChainEntryFields, signerSecretKey: Uint8Array): Uint8Array {
  const body = encodeBody(fields, signingPublicKey(signerSecretKey))
  return concat(body, sign(signedMessage(body), signerSecretKey))
}

/** The first entry of a vault's chain: its first device adds itself. */
export function createDeviceChainGenesis(
  vaultId: Uint8Array,
  device: { signingSecretKey: Uint8Array; agreementPublicKey: Uint8Array },
): Uint8Array {
  return signDeviceChainEntry(
    {
      vaultId,
      seq: 0,
      previousHash: ZERO_KEY,
      operation: 'add',
      subjectSigningKey: signingPublicKey(device.signingSecretKey),
      subjectAgreementKey: device.agreementPublicKey,
    },
    device.signingSecretKey,
  )
}

/** The entry that follows `chain`'s head, signed by one of its members. */
export function nextDeviceChainEntry(
  chain: VerifiedDeviceChain,
  change: { operation: DeviceChainOperation; subjectSigningKey: Uint8Array; subjectAgreementKey?: Uint8Array },
  signerSecretKey: Uint8Array,
): Uint8Array {
  return signDeviceChainEntry(
    { vaultId: chain.vaultId, seq: chain.head.seq + 1, previousHash: chain.head.hash, ...change },
    signerSecretKey,
  )
}

/** Parses one entry's structure and checks its signature; membership is the chain's business. */
export function parseDeviceChainEntry(bytes: Uint8Array): DeviceChainEntry {
  if (bytes.length !== DEVICE_CHAIN_ENTRY_LENGTH) fail('DEVICE_CHAIN_MALFORMED', 'entry has the wrong length')
  if (bytes[0] !== DEVICE_CHAIN_FORMAT_VERSION) fail('DEVICE_CHAIN_MALFORMED', 'unsupported entry format')
  const operationByte = bytes[53]
  const operation = operationByte === 1 ? 'add' : operationByte === 2 ? 'remove' : undefined
  if (operation === undefined) fail('DEVICE_CHAIN_MALFORMED', 'unknown operation')
  const body = bytes.slice(0, DEVICE_CHAIN_BODY_LENGTH)
  const subjectAgreement = bytes.slice(86, 118)
  const entry: DeviceChainEntry = {
    vaultId: bytes.slice(1, 17),
    seq: readU32be(bytes, 17),
    previousHash: bytes.slice(21, 53),
    operation,
    subjectSigningKey: bytes.slice(54, 86),
    ...(operation === 'add' ? { subjectAgreementKey: subjectAgreement } : {}),
    signerKey: bytes.slice(118, 150),
    signature: bytes.slice(DEVICE_CHAIN_BODY_LENGTH),
    bytes: bytes.slice(),
    hash: deviceChainEntryHash(bytes),
  }
  try {
    assertSigningPublicKey(entry.subjectSigningKey)
    assertSigningPublicKey(entry.signerKey)
    if (operation === 'add') assertAgreementPublicKey(subjectAgreement)
  } catch (cause) {
    throw new HoldallCryptoError('DEVICE_CHAIN_MALFORMED', 'entry carries an invalid key', { cause })
  }
  if (operation === 'remove' && !isAllZero(subjectAgreement))
    fail('DEVICE_CHAIN_MALFORMED', 'a removal carries no agreement key')
  if (!verifySignature(entry.signature, signedMessage(body), entry.signerKey))
    fail('DEVICE_CHAIN_SIGNATURE_INVALID', 'entry signature does not verify')
  return entry
}

export function deviceChainEntryHash(entryBytes: Uint8Array): Uint8Array {
  return sha256Bytes(concat(utf8(LABELS.deviceChainLink), Uint8Array.of(0), entryBytes))
}

/**
 * Verifies a whole chain from its first entry. Throws a `DEVICE_CHAIN_*` HoldallCryptoError unless
 * every entry is well formed, in order, hash-linked to the one before, and signed by a device that
 * is a member when it is applied; and, when given, the root is the pinned one and the chain
 * contains the head the reader saw before (so it was not truncated, forked or replayed).
 */
export function verifyDeviceChain(
  entries: readonly Uint8Array[],
  expected: { vaultId: Uint8Array; root?: Uint8Array; knownHead?: DeviceChainHead },
): VerifiedDeviceChain {
  if (expected.vaultId.length !== ID_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault id must be 16 bytes')
  if (entries.length === 0 || entries.length > DEVICE_CHAIN_MAX_ENTRIES)
    fail('DEVICE_CHAIN_MALFORMED', 'chain is empty or too long')
  const parsed: DeviceChainEntry[] = []
  const members = new Map<string, DeviceChainMember>()
  const removed = new Set<string>()
  let previousHash: Uint8Array = ZERO_KEY
  for (const [index, bytes] of entries.entries()) {
    const entry = parseDeviceChainEntry(bytes)
    if (!constantTimeEqual(entry.vaultId, expected.vaultId)) fail('DEVICE_CHAIN_MALFORMED', 'entry of another vault')
    if (entry.seq !== index) fail('DEVICE_CHAIN_LINK_BROKEN', 'entries are out of order')
    if (!constantTimeEqual(entry.previousHash, previousHash))
      fail('DEVICE_CHAIN_LINK_BROKEN', 'entry does not link to the one before')
    if (index === 0 && expected.root !== undefined && !constantTimeEqual(entry.hash, expected.root))
      fail('DEVICE_CHAIN_ROOT_MISMATCH', 'the chain does not start at the pinned root')
    const signer = hexOf(entry.signerKey)
    const subject = hexOf(entry.subjectSigningKey)
    if (index === 0) {
      if (entry.operation !== 'add' || signer !== subject)
        fail('DEVICE_CHAIN_SIGNER_NOT_MEMBER', 'the first entry must be a device adding itself')
    } else if (!members.has(signer)) {
      fail('DEVICE_CHAIN_SIGNER_NOT_MEMBER', 'entry signed by a device that is not a member')
    }
    if (entry.operation === 'add') {
      if (members.has(subject) || removed.has(subject))
        fail('DEVICE_CHAIN_MEMBERSHIP_INVALID', 'a device is added twice, or a removed device re-added')
      members.set(subject, {
        signingKey: entry.subjectSigningKey,
        agreementKey: entry.subjectAgreementKey as Uint8Array,
        keyId: keyThumbprint(entry.subjectSigningKey, 'Ed25519'),
        addedAt: entry.seq,
      })
    } else {
      if (!members.has(subject)) fail('DEVICE_CHAIN_MEMBERSHIP_INVALID', 'removal of a device that is not a member')
      if (members.size === 1) fail('DEVICE_CHAIN_MEMBERSHIP_INVALID', 'the last device cannot be removed')
      members.delete(subject)
      removed.add(subject)
    }
    parsed.push(entry)
    previousHash = entry.hash
  }
  const known = expected.knownHead
  if (known !== undefined) {
    const atKnown = parsed[known.seq]
    if (atKnown === undefined || !constantTimeEqual(atKnown.hash, known.hash))
      fail('DEVICE_CHAIN_ROLLBACK', 'the chain is shorter than, or forks from, the head seen before')
  }
  const first = parsed[0] as DeviceChainEntry
  const last = parsed[parsed.length - 1] as DeviceChainEntry
  return {
    vaultId: expected.vaultId.slice(),
    root: first.hash,
    head: { seq: last.seq, hash: last.hash },
    members: [...members.values()],
    entries: parsed,
  }
}

/** The member whose key id (RFC 7638 thumbprint) is `keyId`, if any. */
export function deviceChainMember(chain: VerifiedDeviceChain, keyId: Uint8Array): DeviceChainMember | undefined {
  return chain.members.find((m) => constantTimeEqual(m.keyId, keyId))
}

// ---- the safety code: a root fingerprint a person can read and type -------------------------

/** Crockford's base32: no I, L, O or U, so nothing is misread. */
const SAFETY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** 16 symbols of 5 bits: the first 80 bits of the root. */
export const SAFETY_CODE_LENGTH = 16

/**
 * The safety code of a root fingerprint: its first 80 bits in 16 Crockford base32 symbols, shown
 * as four groups of four. 80 bits, because a host that wanted a forged chain with the same code
 * would have to find a second preimage of it offline (about 2^80 hashes).
 */
export function deviceChainSafetyCode(root: Uint8Array): string {
  if (root.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'root fingerprint must be 32 bytes')
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of root.subarray(0, 10)) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += SAFETY_ALPHABET[(value >> bits) & 31]
    }
    value &= (1 << bits) - 1
  }
  return out
}

/** Reads a typed safety code: case, spaces and dashes ignored; I and L read as 1, O as 0. */
export function normaliseSafetyCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (code.length !== SAFETY_CODE_LENGTH) return undefined
  for (const symbol of code) if (!SAFETY_ALPHABET.includes(symbol)) return undefined
  return code
}

/** Whether a typed safety code names this root (constant time over the code). */
export function safetyCodeMatches(root: Uint8Array, typed: string): boolean {
  const code = normaliseSafetyCode(typed)
  if (code === undefined) return false
  return constantTimeEqual(utf8(deviceChainSafetyCode(root)), utf8(code))
}

function encodeBody(fields: DeviceChainEntryFields, signerKey: Uint8Array): Uint8Array {
  if (fields.vaultId.length !== ID_LENGTH) fail('DEVICE_CHAIN_MALFORMED', 'vault id must be 16 bytes')
  if (!Number.isInteger(fields.seq) || fields.seq < 0 || fields.seq >= DEVICE_CHAIN_MAX_ENTRIES)
    fail('DEVICE_CHAIN_MALFORMED', 'seq out of range')
  if (fields.previousHash.length !== KEY_LENGTH) fail('DEVICE_CHAIN_MALFORMED', 'previous hash must be 32 bytes')
  assertSigningPublicKey(fields.subjectSigningKey)
  const agreement = fields.operation === 'add' ? fields.subjectAgreementKey : ZERO_KEY
  if (agreement === undefined) fail('DEVICE_CHAIN_MALFORMED', 'an addition needs the device agreement key')
  if (fields.operation === 'add') assertAgreementPublicKey(agreement)
  const body = concat(
    Uint8Array.of(DEVICE_CHAIN_FORMAT_VERSION),
    fields.vaultId,
    u32be(fields.seq),
    fields.previousHash,
    Uint8Array.of(OPERATIONS[fields.operation]),
    fields.subjectSigningKey,
    agreement,
    signerKey,
  )
  if (body.length !== DEVICE_CHAIN_BODY_LENGTH) fail('DEVICE_CHAIN_MALFORMED', 'body has the wrong length')
  return body
}

function signedMessage(body: Uint8Array): Uint8Array {
  return concat(utf8(LABELS.deviceChainEntry), Uint8Array.of(0), body)
}

function hexOf(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

function fail(code: CryptoErrorCode, message: string): never {
  throw new HoldallCryptoError(code, message)
}
