import { HoldallLogError } from './errors.js'

/*
 * The canonical encoding of a log entry (spec 8.3). Binary, fixed field order, lengths written
 * out: every entry has exactly one encoding, so the leaf hash a host commits to and the entry a
 * client decodes can never disagree. Layout:
 *
 *   format u8 (= 1) ‖ type u8 ‖ at u64 (milliseconds since 1970, the host's clock) ‖ body ‖
 *   details length u32 ‖ details
 *
 * `details` is opaque to the log: empty, or data only the holder should read, sealed to the
 * holder by the writer. The leaf hash covers the ciphertext, never a plaintext the host holds.
 * Integers are big-endian. Ids are the protocol's 16 raw bytes, key ids 32 (spec 3.3).
 */

export const ENTRY_FORMAT = 1
export const MAX_ENTRY_LENGTH = 65_536
export const MAX_DETAILS_LENGTH = 16_384
export const MAX_STRING_LENGTH = 2_048
export const MAX_DEVICE_LIST_LINK_LENGTH = 1_024
export const MAX_RECEIPT_LENGTH = 32_768

/**
 * Entry type bytes. 0x30 to 0x33 are the recovery events (spec 8.3, chapter 9); 0x34 to 0x3f stay
 * reserved for them. 0x40
 * (`host_event`) names a host event that has no type of its own yet: it keeps the log complete
 * (every access-log event is a leaf) until its type is specified.
 */
export const ENTRY_TYPES = {
  device_added: 0x01,
  device_removed: 0x02,
  request_made: 0x10,
  grant_approved: 0x11,
  grant_denied: 0x12,
  grant_revoked: 0x13,
  key_served: 0x14,
  record_written: 0x20,
  deposit_received: 0x21,
  deposit_accepted: 0x22,
  recovery_started: 0x30,
  recovery_cancelled: 0x31,
  recovery_share_released: 0x32,
  recovery_completed: 0x33,
  host_event: 0x40,
  /** Spec 12.5: the last entry of the log on the host a vault leaves. */
  vault_moved: 0x50,
  /** Spec 12.5: the first entry the receiving host appends, right after `vault_moved`. */
  vault_arrived: 0x51,
} as const

export type LogEntryType = keyof typeof ENTRY_TYPES

interface Common {
  /** When the host appended the entry, in its own clock (ms since 1970): an assertion, not a proof. */
  readonly at: number
  /** Opaque bytes for the holder, usually sealed to them; empty when absent. */
  readonly details?: Uint8Array
}

export type LogEntry =
  | (Common & {
      readonly type: 'device_added' | 'device_removed'
      /** The device's key id (RFC 7638 thumbprint of its Ed25519 key, 32 bytes). */
      readonly deviceKeyId: Uint8Array
      /** Opaque link into the holder-signed device list: the list's format defines it. */
      readonly deviceListLink: Uint8Array
    })
  | (Common & { readonly type: 'request_made'; readonly requestId: Uint8Array; readonly clientId: string })
  | (Common & {
      readonly type: 'grant_approved'
      readonly requestId: Uint8Array
      readonly grantId: Uint8Array
      /** The holder's signed grant receipt, exactly as the holder's device sent it. */
      readonly receipt: Uint8Array
    })
  | (Common & { readonly type: 'grant_denied'; readonly requestId: Uint8Array })
  | (Common & { readonly type: 'grant_revoked'; readonly grantId: Uint8Array })
  | (Common & {
      readonly type: 'key_served'
      readonly grantId: Uint8Array
      readonly recordId: Uint8Array
      readonly version: number
    })
  | (Common & {
      readonly type: 'record_written'
      readonly recordId: Uint8Array
      readonly version: number
      readonly manifestSha256: Uint8Array
    })
  | (Common & {
      readonly type: 'deposit_received'
      readonly recordId: Uint8Array
      readonly issuerClientId: string
      readonly manifestSha256: Uint8Array
    })
  | (Common & { readonly type: 'deposit_accepted'; readonly recordId: Uint8Array })
  | (Common & {
      readonly type: 'recovery_started'
      readonly recoveryId: Uint8Array
      /** The key id of the device the recovery would let in (declared at the start). */
      readonly deviceKeyId: Uint8Array
      /** When the host will let it finish, by the host's clock (ms since 1970). */
      readonly readyAt: number
      /** Started with the printed kit (the shorter wait). */
      readonly withKit: boolean
    })
  | (Common & {
      readonly type: 'recovery_cancelled'
      readonly recoveryId: Uint8Array
      /** The key id of the holder device that stopped it. */
      readonly deviceKeyId: Uint8Array
    })
  | (Common & {
      readonly type: 'recovery_share_released'
      readonly recoveryId: Uint8Array
      /** Whose share: 1 the key worker's organisation, 2 the host's. */
      readonly holder: 1 | 2
    })
  | (Common & {
      readonly type: 'recovery_completed'
      readonly recoveryId: Uint8Array
      readonly deviceKeyId: Uint8Array
      /** The link into the holder-signed device list to the entry that added the device (as `device_added`). */
      readonly deviceListLink: Uint8Array
    })
  | (Common & { readonly type: 'host_event'; readonly name: string })
  | (Common & {
      readonly type: 'vault_moved' | 'vault_arrived'
      readonly moveId: Uint8Array
      /** SHA-256 of the holder's move statement (its compact JWS text). */
      readonly statementSha256: Uint8Array
      /** `vault_moved`: the host it goes to; `vault_arrived`: the host it came from. */
      readonly host: string
    })

const ID = 16
const KEY_ID = 32
const SHA256 = 32

export function encodeLogEntry(entry: LogEntry): Uint8Array {
  const w = new Writer()
  const code = ENTRY_TYPES[entry.type]
  if (code === undefined) throw malformed('unknown entry type')
  w.u8(ENTRY_FORMAT)
  w.u8(code)
  w.u64(entry.at)
  switch (entry.type) {
    case 'device_added':
    case 'device_removed':
      w.fixed(entry.deviceKeyId, KEY_ID)
      w.bytes16(entry.deviceListLink, 1, MAX_DEVICE_LIST_LINK_LENGTH)
      break
    case 'request_made':
      w.fixed(entry.requestId, ID)
      w.string(entry.clientId)
      break
    case 'grant_approved':
      w.fixed(entry.requestId, ID)
      w.fixed(entry.grantId, ID)
      w.bytes32(entry.receipt, 1, MAX_RECEIPT_LENGTH)
      break
    case 'grant_denied':
      w.fixed(entry.requestId, ID)
      break
    case 'grant_revoked':
      w.fixed(entry.grantId, ID)
      break
    case 'key_served':
      w.fixed(entry.grantId, ID)
      w.fixed(entry.recordId, ID)
      w.version(entry.version)
      break
    case 'record_written':
      w.fixed(entry.recordId, ID)
      w.version(entry.version)
      w.fixed(entry.manifestSha256, SHA256)
      break
    case 'deposit_received':
      w.fixed(entry.recordId, ID)
      w.string(entry.issuerClientId)
      w.fixed(entry.manifestSha256, SHA256)
      break
    case 'deposit_accepted':
      w.fixed(entry.recordId, ID)
      break
    case 'recovery_started':
      w.fixed(entry.recoveryId, ID)
      w.fixed(entry.deviceKeyId, KEY_ID)
      w.u64(entry.readyAt)
      w.u8(entry.withKit ? 1 : 0)
      break
    case 'recovery_cancelled':
      w.fixed(entry.recoveryId, ID)
      w.fixed(entry.deviceKeyId, KEY_ID)
      break
    case 'recovery_share_released':
      if (entry.holder !== 1 && entry.holder !== 2) throw malformed('a share holder is 1 (key worker) or 2 (host)')
      w.fixed(entry.recoveryId, ID)
      w.u8(entry.holder)
      break
    case 'recovery_completed':
      w.fixed(entry.recoveryId, ID)
      w.fixed(entry.deviceKeyId, KEY_ID)
      w.bytes16(entry.deviceListLink, 1, MAX_DEVICE_LIST_LINK_LENGTH)
      break
    case 'host_event':
      w.string(entry.name)
      break
    case 'vault_moved':
    case 'vault_arrived':
      w.fixed(entry.moveId, ID)
      w.fixed(entry.statementSha256, SHA256)
      w.string(entry.host)
      break
  }
  w.bytes32(entry.details ?? new Uint8Array(0), 0, MAX_DETAILS_LENGTH)
  const bytes = w.finish()
  if (bytes.length > MAX_ENTRY_LENGTH) throw malformed(`an entry is at most ${MAX_ENTRY_LENGTH} bytes`)
  return bytes
}

/** Decodes an entry, refusing every byte string that is not the canonical encoding of one. */
export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_ENTRY_LENGTH)
    throw malformed(`an entry is at most ${MAX_ENTRY_LENGTH} bytes`)
  const r = new Reader(bytes)
  if (r.u8() !== ENTRY_FORMAT) throw new HoldallLogError('LOG_ENTRY_UNSUPPORTED', 'unknown entry format')
  const code = r.u8()
  const at = r.u64()
  let entry: LogEntry
  switch (code) {
    case ENTRY_TYPES.device_added:
    case ENTRY_TYPES.device_removed:
      entry = {
        type: code === ENTRY_TYPES.device_added ? 'device_added' : 'device_removed',
        at,
        deviceKeyId: r.fixed(KEY_ID),
        deviceListLink: r.bytes16(1, MAX_DEVICE_LIST_LINK_LENGTH),
      }
      break
    case ENTRY_TYPES.request_made:
      entry = { type: 'request_made', at, requestId: r.fixed(ID), clientId: r.string() }
      break
    case ENTRY_TYPES.grant_approved:
      entry = {
        type: 'grant_approved',
        at,
        requestId: r.fixed(ID),
        grantId: r.fixed(ID),
        receipt: r.bytes32(1, MAX_RECEIPT_LENGTH),
      }
      break
    case ENTRY_TYPES.grant_denied:
      entry = { type: 'grant_denied', at, requestId: r.fixed(ID) }
      break
    case ENTRY_TYPES.grant_revoked:
      entry = { type: 'grant_revoked', at, grantId: r.fixed(ID) }
      break
    case ENTRY_TYPES.key_served:
      entry = { type: 'key_served', at, grantId: r.fixed(ID), recordId: r.fixed(ID), version: r.version() }
      break
    case ENTRY_TYPES.record_written:
      entry = {
        type: 'record_written',
        at,
        recordId: r.fixed(ID),
        version: r.version(),
        manifestSha256: r.fixed(SHA256),
      }
      break
    case ENTRY_TYPES.deposit_received:
      entry = {
        type: 'deposit_received',
        at,
        recordId: r.fixed(ID),
        issuerClientId: r.string(),
        manifestSha256: r.fixed(SHA256),
      }
      break
    case ENTRY_TYPES.deposit_accepted:
      entry = { type: 'deposit_accepted', at, recordId: r.fixed(ID) }
      break
    case ENTRY_TYPES.recovery_started: {
      const recoveryId = r.fixed(ID)
      const deviceKeyId = r.fixed(KEY_ID)
      const readyAt = r.u64()
      const kit = r.u8()
      if (kit > 1) throw malformed('with_kit is 0 or 1')
      entry = { type: 'recovery_started', at, recoveryId, deviceKeyId, readyAt, withKit: kit === 1 }
      break
    }
    case ENTRY_TYPES.recovery_cancelled:
      entry = { type: 'recovery_cancelled', at, recoveryId: r.fixed(ID), deviceKeyId: r.fixed(KEY_ID) }
      break
    case ENTRY_TYPES.recovery_share_released: {
      const recoveryId = r.fixed(ID)
      const holder = r.u8()
      if (holder !== 1 && holder !== 2) throw malformed('a share holder is 1 (key worker) or 2 (host)')
      entry = { type: 'recovery_share_released', at, recoveryId, holder }
      break
    }
    case ENTRY_TYPES.recovery_completed:
      entry = {
        type: 'recovery_completed',
        at,
        recoveryId: r.fixed(ID),
        deviceKeyId: r.fixed(KEY_ID),
        deviceListLink: r.bytes16(1, MAX_DEVICE_LIST_LINK_LENGTH),
      }
      break
    case ENTRY_TYPES.host_event:
      entry = { type: 'host_event', at, name: r.string() }
      break
    case ENTRY_TYPES.vault_moved:
    case ENTRY_TYPES.vault_arrived:
      entry = {
        type: code === ENTRY_TYPES.vault_moved ? 'vault_moved' : 'vault_arrived',
        at,
        moveId: r.fixed(ID),
        statementSha256: r.fixed(SHA256),
        host: r.string(),
      }
      break
    default:
      throw new HoldallLogError(
        'LOG_ENTRY_UNSUPPORTED',
        `entry type 0x${code.toString(16).padStart(2, '0')} is not known`,
      )
  }
  const details = r.bytes32(0, MAX_DETAILS_LENGTH)
  if (!r.atEnd()) throw malformed('bytes after the end of the entry')
  return details.length === 0 ? entry : { ...entry, details }
}

function malformed(message: string): HoldallLogError {
  return new HoldallLogError('LOG_ENTRY_MALFORMED', message)
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

class Writer {
  readonly #parts: Uint8Array[] = []
  #length = 0

  #push(part: Uint8Array): void {
    this.#parts.push(part)
    this.#length += part.length
  }

  u8(value: number): void {
    this.#push(Uint8Array.of(value))
  }

  u64(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw malformed('a time is an integer from 0 to 2^53 - 1')
    const out = new Uint8Array(8)
    new DataView(out.buffer).setBigUint64(0, BigInt(value))
    this.#push(out)
  }

  version(value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > 0xffff_ffff) throw malformed('a version is from 1 to 2^32 - 1')
    const out = new Uint8Array(4)
    new DataView(out.buffer).setUint32(0, value)
    this.#push(out)
  }

  fixed(bytes: Uint8Array, length: number): void {
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) throw malformed(`a field of ${length} bytes`)
    this.#push(bytes.slice())
  }

  bytes16(bytes: Uint8Array, min: number, max: number): void {
    this.#lengthPrefixed(bytes, min, max, 2)
  }

  bytes32(bytes: Uint8Array, min: number, max: number): void {
    this.#lengthPrefixed(bytes, min, max, 4)
  }

  string(text: string): void {
    const bytes = utf8Encoder.encode(text)
    // A lone surrogate would be encoded as U+FFFD and decode to another string: refuse it.
    if (utf8Decoder.decode(bytes) !== text) throw malformed('a string is well-formed Unicode')
    this.#lengthPrefixed(bytes, 1, MAX_STRING_LENGTH, 2)
  }

  #lengthPrefixed(bytes: Uint8Array, min: number, max: number, width: 2 | 4): void {
    if (!(bytes instanceof Uint8Array) || bytes.length < min || bytes.length > max)
      throw malformed(`a field of ${min} to ${max} bytes`)
    const prefix = new Uint8Array(width)
    const view = new DataView(prefix.buffer)
    if (width === 2) view.setUint16(0, bytes.length)
    else view.setUint32(0, bytes.length)
    this.#push(prefix)
    this.#push(bytes.slice())
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let offset = 0
    for (const part of this.#parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }
}

class Reader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #offset = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  #take(length: number): number {
    if (this.#offset + length > this.#bytes.length) throw malformed('the entry ends early')
    const at = this.#offset
    this.#offset += length
    return at
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1))
  }

  u64(): number {
    const value = this.#view.getBigUint64(this.#take(8))
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('a time is below 2^53')
    return Number(value)
  }

  version(): number {
    const value = this.#view.getUint32(this.#take(4))
    if (value === 0) throw malformed('a version is at least 1')
    return value
  }

  fixed(length: number): Uint8Array {
    const at = this.#take(length)
    return this.#bytes.slice(at, at + length)
  }

  bytes16(min: number, max: number): Uint8Array {
    return this.#sized(this.#view.getUint16(this.#take(2)), min, max)
  }

  bytes32(min: number, max: number): Uint8Array {
    return this.#sized(this.#view.getUint32(this.#take(4)), min, max)
  }

  string(): string {
    const bytes = this.#sized(this.#view.getUint16(this.#take(2)), 1, MAX_STRING_LENGTH)
    try {
      return utf8Decoder.decode(bytes)
    } catch (cause) {
      throw new HoldallLogError('LOG_ENTRY_MALFORMED', 'a string is valid UTF-8', { cause })
    }
  }

  #sized(length: number, min: number, max: number): Uint8Array {
    if (length < min || length > max) throw malformed(`a field of ${min} to ${max} bytes`)
    return this.fixed(length)
  }

  atEnd(): boolean {
    return this.#offset === this.#bytes.length
  }
}
