import {
  base64urlDecode,
  base64urlEncode,
  constants,
  decodeOfflineShareText,
  encodeOfflineShareText,
  type HoldallCryptoError,
  keyThumbprint,
  type OfflineShare,
  openEnvelope,
  openOptionsFromManifest,
  parseManifest,
  randomBytes,
  signOfflineShare,
  verifyManifest,
} from '@holdall/crypto'
import {
  mayIssue,
  RECORD_TYPES,
  type RecordPayload,
  type RecordType,
  type RecordVersionView,
  recordPayloadSchema,
  recordTypeOfCode,
} from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { TrustedOrganisation, TrustedOrganisations } from './trust-list.js'

/*
 * In-person sharing with no network on the phone (spec chapter 10). The phone keeps, while it is
 * online, an offline copy of a record the holder may want to show: the issuer's envelope and
 * manifest exactly as deposited, and the record's data key. At the desk it signs a share of that
 * one record with its device key, valid for minutes and for one viewing, and shows it as a QR
 * code. The reader checks the issuer's signature against its own pinned trust list, with its own
 * clock, and remembers the share's nonce: nothing is asked of the holder's host.
 */

/** What the phone keeps on the device to show a record offline (spec 10.4): keep it encrypted at rest. */
export interface OfflineRecordCopy {
  readonly recordId: string
  readonly version: number
  readonly recordType: RecordType
  /** base64url of the issuer's 256-byte manifest. */
  readonly manifest: string
  readonly envelope: Uint8Array
  readonly dataKey: Uint8Array
  /** The host's time when the phone made this copy: shown to readers as "last checked with the host". */
  readonly syncedAt: number
}

/**
 * The time a phone puts in a share. `hostTime` is true when `now` is the phone's estimate of the
 * host's clock (its last known offset from the host applied to its own clock), false when the
 * phone has never seen the host's time and can only offer its own.
 */
export interface OfflineTime {
  now(): number
  readonly hostTime: boolean
}

/** How long a share lasts unless the holder picks otherwise: five minutes. */
export const OFFLINE_SHARE_DEFAULT_LIFETIME_MS = 5 * 60_000

/** One line of the phone's own log of offline shares, synced to the vault log once online (spec 10.6). */
export interface OfflineShareLogEntry {
  /** base64url of the share's nonce: the same value a reader remembers. */
  readonly nonce: string
  readonly recordId: string
  readonly version: number
  readonly recordType: RecordType
  readonly issuedAt: number
  readonly expiresAt: number
  readonly hostTime: boolean
  /** Set when a supporter was helping on the phone (assisted mode). */
  readonly assistedBy?: string
}

export interface MadeOfflineShare {
  /** The QR code's text: "HLD1:" and base45, alphanumeric mode only. */
  readonly text: string
  readonly share: OfflineShare
  readonly log: OfflineShareLogEntry
}

/** Makes the copy from a record version the phone can open (its view, envelope and data key). */
export function offlineRecordCopy(
  view: RecordVersionView,
  envelope: Uint8Array,
  dataKey: Uint8Array,
  syncedAt: number,
): OfflineRecordCopy {
  return {
    recordId: view.record_id,
    version: view.version,
    recordType: view.record_type,
    manifest: view.manifest,
    envelope,
    dataKey,
    syncedAt,
  }
}

/**
 * Whether a record may be shown offline at all: never a T5 record (victim-protective conditions),
 * since an offline reader cannot be checked to be a justice organisation ([OFF-HLD-04]), and only
 * one whose envelope fits a QR code.
 */
export function mayShowOffline(type: RecordType, envelopeLength: number): boolean {
  return RECORD_TYPES[type].tier !== 'T5' && envelopeLength <= constants.OFFLINE_SHARE_MAX_INLINE_BODY
}

/**
 * Signs an inline share of one record with the holder device's key. No network: the times come
 * from `time`, never checked against anything here; the reader judges them with its own clock.
 */
export function makeOfflineShare(options: {
  readonly copy: OfflineRecordCopy
  readonly deviceSigningSecretKey: Uint8Array
  readonly time: OfflineTime
  readonly lifetimeMs?: number
  readonly assistedBy?: string
}): MadeOfflineShare {
  const { copy, time } = options
  if (RECORD_TYPES[copy.recordType].tier === 'T5')
    throw new HoldallError('RECORD_NOT_FOR_REQUESTER', 'this record can only be shared with probation or police online')
  const issuedAt = Math.floor(time.now())
  const expiresAt = issuedAt + (options.lifetimeMs ?? OFFLINE_SHARE_DEFAULT_LIFETIME_MS)
  const nonce = randomBytes(16)
  const share = signOfflineShare(
    {
      mode: 'inline',
      hostTime: time.hostTime,
      nonce,
      issuedAt,
      expiresAt,
      syncedAt: Math.min(copy.syncedAt, issuedAt),
      manifest: decodeManifest(copy.manifest),
      dataKey: copy.dataKey,
      envelope: copy.envelope,
    },
    options.deviceSigningSecretKey,
  )
  return {
    text: encodeOfflineShareText(share),
    share,
    log: {
      nonce: base64urlEncode(nonce),
      recordId: copy.recordId,
      version: copy.version,
      recordType: copy.recordType,
      issuedAt,
      expiresAt,
      hostTime: time.hostTime,
      ...(options.assistedBy === undefined ? {} : { assistedBy: options.assistedBy }),
    },
  }
}

function decodeManifest(manifest: string): Uint8Array {
  // Parsed here so a phone never signs a share around a manifest a reader would refuse.
  const bytes = base64urlDecode(manifest)
  parseManifest(bytes)
  return bytes
}

// ---- the reader's side ---------------------------------------------------------------------------

/** Why a reader refuses a share (spec 10.3): a stable code and a plain sentence for the person at the desk. */
export type OfflineRefusalCode =
  | 'NOT_A_SHARE'
  | 'ALTERED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'REPLAYED'
  | 'ISSUER_UNKNOWN'
  | 'WRONG_SIGNATURE'
  | 'ISSUER_NOT_ALLOWED'
  | 'RECORD_ALTERED'
  | 'HOLDER_DEVICE_UNKNOWN'
  | 'LINK_UNAVAILABLE'

export const OFFLINE_REFUSAL_REASONS: Record<OfflineRefusalCode, string> = {
  NOT_A_SHARE: 'This is not a Holdall code, or it was not scanned in full. Ask them to show it again.',
  ALTERED: 'This code was changed after the phone made it. Do not rely on it.',
  EXPIRED: 'This code has run out. Ask them to make a new one on their phone.',
  NOT_YET_VALID:
    'This code says it was made later than now. Their phone clock may be wrong. Ask them to make a new one.',
  REPLAYED: 'This code has been shown here before. Each code is for one viewing. Ask them to make a new one.',
  ISSUER_UNKNOWN: 'The record is signed by an organisation that is not on your trust list. Do not rely on it.',
  WRONG_SIGNATURE: 'The signature on the record does not check out. Do not rely on it.',
  ISSUER_NOT_ALLOWED: 'The organisation that signed this may not issue this kind of record. Do not rely on it.',
  RECORD_ALTERED: 'The record in the code is not the one the organisation signed. Do not rely on it.',
  HOLDER_DEVICE_UNKNOWN: 'The phone that made this code is not one of this person’s phones that you know.',
  LINK_UNAVAILABLE: 'This record is too big for a QR code, and its link could not be opened. Try again online.',
}

export type OfflineVerification =
  | {
      readonly ok: true
      readonly recordType: RecordType
      readonly payload: RecordPayload
      readonly issuer: TrustedOrganisation
      readonly signedAt: Date
      readonly recordVersion: number
      readonly vaultId: string
      readonly issuedAt: Date
      readonly expiresAt: Date
      /** When the phone last checked its records with its host (null if never). */
      readonly syncedAt: Date | null
      /** Whether the share's times are the phone's estimate of the host clock, not its own clock. */
      readonly hostTime: boolean
      /** true: a device of this vault you know; undefined: you know none of its devices. */
      readonly holderDeviceKnown: true | undefined
      /** base64url key id of the phone's signing key. */
      readonly holderDeviceId: string
    }
  | { readonly ok: false; readonly code: OfflineRefusalCode; readonly reason: string }

/**
 * Where a reader remembers the nonces of shares it has accepted, until they have expired
 * ([OFF-READ-05]). `remember` returns false if the nonce was already there.
 */
export interface OfflineNonceStore {
  remember(nonce: string, forgetAfter: number): boolean | Promise<boolean>
}

/** The reader's nonce memory in this process: enough for one desk's page; share it across desks with Redis or a table. */
export class MemoryOfflineNonceStore implements OfflineNonceStore {
  readonly #seen = new Map<string, number>()
  readonly #now: () => number
  constructor(now: () => number = () => Date.now()) {
    this.#now = now
  }
  remember(nonce: string, forgetAfter: number): boolean {
    const now = this.#now()
    for (const [key, until] of this.#seen) if (until < now) this.#seen.delete(key)
    if (this.#seen.has(nonce)) return false
    this.#seen.set(nonce, forgetAfter)
    return true
  }
  get size(): number {
    return this.#seen.size
  }
}

export interface VerifyOfflineShareOptions {
  /** The reader's own trust list, verified against the operator's pinned key (verifyTrustList). */
  readonly trusted: TrustedOrganisations
  readonly seen: OfflineNonceStore
  /** The reader's own clock: the one clock a reader can trust. */
  readonly now?: () => number
  /**
   * The signing key ids (base64url) of a vault's current devices, if this reader knows them (an
   * issuer that pinned the vault's device chain when it deposited: probation, prison healthcare).
   * Return undefined for a vault it does not know.
   */
  readonly holderDevices?: (vaultId: string) => ReadonlySet<string> | undefined
  /** Link mode only: fetches the envelope from the one-time link. Without it, link shares are refused. */
  readonly fetchLink?: (url: string) => Promise<Uint8Array>
}

/** Verifies a scanned share with no request to the holder's host (spec 10.3). Never throws for bad input. */
export async function verifyOfflineShare(
  text: string,
  options: VerifyOfflineShareOptions,
): Promise<OfflineVerification> {
  const refuse = (code: OfflineRefusalCode) => ({ ok: false, code, reason: OFFLINE_REFUSAL_REASONS[code] }) as const
  const now = (options.now ?? Date.now)()
  let share: OfflineShare
  try {
    share = decodeOfflineShareText(text)
  } catch (error) {
    return refuse((error as HoldallCryptoError).code === 'OFFLINE_SHARE_SIGNATURE_INVALID' ? 'ALTERED' : 'NOT_A_SHARE')
  }
  const skew = constants.OFFLINE_SHARE_CLOCK_SKEW_MS
  if (now > share.expiresAt + skew) return refuse('EXPIRED')
  if (share.issuedAt > now + skew) return refuse('NOT_YET_VALID')

  const manifest = parseManifest(share.manifest)
  const issuer = options.trusted.byKeyId(base64urlEncode(manifest.authorKeyId))
  if (issuer === undefined) return refuse('ISSUER_UNKNOWN')
  let verified: ReturnType<typeof verifyManifest>
  try {
    verified = verifyManifest(share.manifest, issuer.publicKey)
  } catch {
    return refuse('WRONG_SIGNATURE')
  }
  const recordType = recordTypeOfCode(verified.recordTypeCode)
  if (recordType === undefined || !mayIssue(recordType, issuer.category)) return refuse('ISSUER_NOT_ALLOWED')

  let envelope = share.envelope
  if (share.mode === 'link') {
    if (options.fetchLink === undefined) return refuse('LINK_UNAVAILABLE')
    try {
      envelope = await options.fetchLink(share.link as string)
    } catch {
      return refuse('LINK_UNAVAILABLE')
    }
  }
  let payload: RecordPayload
  try {
    const opened = openEnvelope(envelope as Uint8Array, openOptionsFromManifest(verified, share.dataKey))
    payload = recordPayloadSchema.parse(JSON.parse(new TextDecoder().decode(opened.plaintext)))
  } catch {
    return refuse('RECORD_ALTERED')
  }
  if (payload.recordType !== recordType) return refuse('RECORD_ALTERED')

  const vaultId = base64urlEncode(verified.vaultId)
  const holderDeviceId = base64urlEncode(keyThumbprint(share.holderPublicKey, 'Ed25519'))
  const known = options.holderDevices?.(vaultId)
  if (known !== undefined && !known.has(holderDeviceId)) return refuse('HOLDER_DEVICE_UNKNOWN')

  // Last, so only a share that was actually shown counts as its one viewing.
  if (!(await options.seen.remember(base64urlEncode(share.nonce), share.expiresAt + skew))) return refuse('REPLAYED')
  return {
    ok: true,
    recordType,
    payload,
    issuer,
    signedAt: new Date(verified.createdAt),
    recordVersion: verified.version,
    vaultId,
    issuedAt: new Date(share.issuedAt),
    expiresAt: new Date(share.expiresAt),
    syncedAt: share.syncedAt === 0 ? null : new Date(share.syncedAt),
    hostTime: share.hostTime,
    holderDeviceKnown: known === undefined ? undefined : true,
    holderDeviceId,
  }
}

/** The label a reader shows for a record type ("Your licence conditions" is the holder's own word). */
export function offlineRecordLabel(type: RecordType): string {
  return RECORD_TYPES[type].label.replace(/^Your /, '')
}
