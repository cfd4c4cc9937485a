import { base45Decode, base45Encode } from './base45.js'

// The QR text encoding, exported with the format that uses it (spec 10.2).
export { base45Decode, base45Encode }

import { concat, readU32be, readU64be, u32be, u64be, utf8 } from './bytes.js'
import {
  KEY_LENGTH,
  LABELS,
  MANIFEST_LENGTH,
  OFFLINE_SHARE_FIXED_LENGTH,
  OFFLINE_SHARE_FORMAT_VERSION,
  OFFLINE_SHARE_MAX_INLINE_BODY,
  OFFLINE_SHARE_MAX_LIFETIME_MS,
  OFFLINE_SHARE_MAX_LINK_LENGTH,
  OFFLINE_SHARE_MODE_INLINE,
  OFFLINE_SHARE_MODE_LINK,
  OFFLINE_SHARE_PREFIX,
  SIGNATURE_LENGTH,
} from './constants.js'
import { HoldallCryptoError } from './errors.js'
import { assertSigningPublicKey, sign, signingPublicKey, verifySignature } from './keys.js'
import { parseManifest } from './manifest.js'

/*
 * The offline share (spec 10.2): what a holder's phone shows as a QR code so a reader can check
 * one record, signed by its issuer, with no network on the phone and no request to the host.
 *
 *   0 format version (1)     1 mode (1 inline, 2 link)     2 flags (bit 0: times are host time)
 *   3 nonce[16]             19 issued_at u64 ms           27 expires_at u64 ms
 *  35 synced_at u64 ms (the host time the phone last synced; 0 if never)
 *  43 holder device Ed25519 public key[32]
 *  75 the issuer's manifest[256] (spec 3.7, unchanged)
 * 331 data key[32]          363 body length u32          367 body: the envelope (inline) or a
 *                                                              one-time https link (link mode)
 *  .. signature[64] = Ed25519(holder device, "holdall/v1/offline-share" ‖ 0x00 ‖ every byte before it)
 *
 * Text form: "HLD1:" ‖ base45(bytes), QR alphanumeric symbols only.
 */

export type OfflineShareMode = 'inline' | 'link'

export interface OfflineShareFields {
  readonly mode: OfflineShareMode
  /** Whether issuedAt/expiresAt come from the phone's estimate of the host's clock, not its own. */
  readonly hostTime: boolean
  /** 16 random bytes: the one-viewing nonce a reader remembers. */
  readonly nonce: Uint8Array
  readonly issuedAt: number
  readonly expiresAt: number
  /** The host time of the phone's last sync with its host; 0 if it has never synced. */
  readonly syncedAt: number
  /** The issuer's signed manifest (256 bytes), exactly as the issuer made it. */
  readonly manifest: Uint8Array
  /** The record version's data key: it opens the envelope and nothing else. */
  readonly dataKey: Uint8Array
  /** Inline mode: the issuer's envelope. */
  readonly envelope?: Uint8Array
  /** Link mode: a one-time https link to the envelope. */
  readonly link?: string
}

export interface OfflineShare extends OfflineShareFields {
  readonly holderPublicKey: Uint8Array
  readonly signature: Uint8Array
  /** The exact binary share. */
  readonly bytes: Uint8Array
}

const SIGNING_CONTEXT = concat(utf8(LABELS.offlineShare), Uint8Array.of(0))
const MODES: Record<OfflineShareMode, number> = { inline: OFFLINE_SHARE_MODE_INLINE, link: OFFLINE_SHARE_MODE_LINK }

/** Builds and signs a share with the holder device's Ed25519 key; returns the binary share. */
export function signOfflineShare(fields: OfflineShareFields, holderSecretKey: Uint8Array): OfflineShare {
  const holderPublicKey = signingPublicKey(holderSecretKey)
  const body = bodyOf(fields)
  checkFields(fields, body)
  const unsigned = concat(
    Uint8Array.of(OFFLINE_SHARE_FORMAT_VERSION, MODES[fields.mode], fields.hostTime ? 1 : 0),
    fields.nonce,
    u64be(fields.issuedAt),
    u64be(fields.expiresAt),
    u64be(fields.syncedAt),
    holderPublicKey,
    fields.manifest,
    fields.dataKey,
    u32be(body.length),
    body,
  )
  const signature = sign(concat(SIGNING_CONTEXT, unsigned), holderSecretKey)
  return { ...fields, holderPublicKey, signature, bytes: concat(unsigned, signature) }
}

/** The QR text of a share: the prefix, then base45. */
export function encodeOfflineShareText(share: Pick<OfflineShare, 'bytes'>): string {
  return OFFLINE_SHARE_PREFIX + base45Encode(share.bytes)
}

/**
 * Parses a share's QR text (a scanner may add spaces or a line end around it) and checks the
 * holder's signature over every byte. It checks the format only: the issuer's signature, the times
 * and the nonce are the reader's checks (spec 10.3), which need a trust list and a clock.
 */
export function decodeOfflineShareText(text: string): OfflineShare {
  const trimmed = text.trim()
  if (!trimmed.startsWith(OFFLINE_SHARE_PREFIX))
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'not a Holdall offline share')
  let bytes: Uint8Array
  try {
    bytes = base45Decode(trimmed.slice(OFFLINE_SHARE_PREFIX.length))
  } catch (cause) {
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the share is not valid base45', { cause })
  }
  return parseOfflineShare(bytes)
}

export function parseOfflineShare(input: Uint8Array): OfflineShare {
  const bytes = input.slice()
  if (bytes.length < OFFLINE_SHARE_FIXED_LENGTH + SIGNATURE_LENGTH)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the share is too short')
  if (bytes[0] !== OFFLINE_SHARE_FORMAT_VERSION)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'unsupported offline share version')
  const mode = bytes[1] === OFFLINE_SHARE_MODE_INLINE ? 'inline' : bytes[1] === OFFLINE_SHARE_MODE_LINK ? 'link' : null
  if (mode === null) throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'unknown offline share mode')
  if (((bytes[2] as number) & 0xfe) !== 0)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'reserved flag bits are set')
  const issuedAt = readU64be(bytes, 19)
  const expiresAt = readU64be(bytes, 27)
  const syncedAt = readU64be(bytes, 35)
  if (issuedAt === undefined || expiresAt === undefined || syncedAt === undefined)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'a time is out of range')
  const bodyLength = readU32be(bytes, 363)
  if (bytes.length !== OFFLINE_SHARE_FIXED_LENGTH + bodyLength + SIGNATURE_LENGTH)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the share length does not match its body length')
  const holderPublicKey = bytes.slice(43, 75)
  try {
    assertSigningPublicKey(holderPublicKey)
  } catch (cause) {
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the holder key is not a usable Ed25519 key', { cause })
  }
  const end = OFFLINE_SHARE_FIXED_LENGTH + bodyLength
  const body = bytes.slice(OFFLINE_SHARE_FIXED_LENGTH, end)
  let link: string | undefined
  if (mode === 'link') {
    try {
      link = new TextDecoder('utf-8', { fatal: true }).decode(body)
    } catch (cause) {
      throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the link is not UTF-8', { cause })
    }
  }
  const fields: OfflineShareFields = {
    mode,
    hostTime: bytes[2] === 1,
    nonce: bytes.slice(3, 19),
    issuedAt,
    expiresAt,
    syncedAt,
    manifest: bytes.slice(75, 75 + MANIFEST_LENGTH),
    dataKey: bytes.slice(331, 363),
    ...(mode === 'inline' ? { envelope: body } : { link: link as string }),
  }
  checkFields(fields, body)
  const signature = bytes.slice(end)
  if (!verifySignature(signature, concat(SIGNING_CONTEXT, bytes.subarray(0, end)), holderPublicKey))
    throw new HoldallCryptoError('OFFLINE_SHARE_SIGNATURE_INVALID', 'the share was changed after it was made')
  return { ...fields, holderPublicKey, signature, bytes }
}

function bodyOf(fields: OfflineShareFields): Uint8Array {
  if (fields.mode === 'inline') {
    if (fields.envelope === undefined || fields.link !== undefined)
      throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'an inline share carries an envelope and no link')
    return fields.envelope
  }
  if (fields.link === undefined || fields.envelope !== undefined)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'a link share carries a link and no envelope')
  return utf8(fields.link)
}

function checkFields(fields: OfflineShareFields, body: Uint8Array): void {
  if (fields.nonce.length !== 16 || fields.dataKey.length !== KEY_LENGTH)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'nonce or data key has the wrong length')
  const times = [fields.issuedAt, fields.expiresAt, fields.syncedAt]
  if (times.some((t) => !Number.isSafeInteger(t) || t < 0))
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'a time is out of range')
  const lifetime = fields.expiresAt - fields.issuedAt
  if (lifetime <= 0 || lifetime > OFFLINE_SHARE_MAX_LIFETIME_MS)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the share must last more than 0 and at most 10 minutes')
  if (fields.syncedAt > fields.issuedAt)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the last sync is later than the share')
  try {
    parseManifest(fields.manifest)
  } catch (cause) {
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the share does not carry a well-formed manifest', {
      cause,
    })
  }
  if (fields.mode === 'inline' && body.length > OFFLINE_SHARE_MAX_INLINE_BODY)
    throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the record is too large for a QR code: use a link')
  if (fields.mode === 'link') {
    if (body.length > OFFLINE_SHARE_MAX_LINK_LENGTH || !fields.link?.startsWith('https://'))
      throw new HoldallCryptoError('OFFLINE_SHARE_MALFORMED', 'the link must be https and at most 512 bytes')
  }
}
