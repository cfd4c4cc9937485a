import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  type DeviceChainHead,
  type DeviceChainMember,
  deviceChainSafetyCode,
  isHoldallCryptoError,
  keyThumbprint,
  safetyCodeMatches,
  sha256Bytes,
  type VerifiedDeviceChain,
  verifyDeviceChain,
} from '@holdall/crypto'
import { parsePairingQr, parseTypedPairingCode } from '@holdall/protocol'
import { HoldallError } from './errors.js'

/*
 * A holder's device chain, as an issuer, a service or the holder's own device checks it (spec
 * 3.8.1, 5.8). The host serves the chain; the client verifies it from its first entry, ties its
 * root to what the person showed at first contact (the pairing QR code or the safety code), pins
 * the root and the head it saw per vault, and refuses a changed root or an older chain loudly.
 */

/** What a client remembers about one holder's vault. */
export interface HolderPin {
  /** base64url of the root fingerprint. */
  readonly root: string
  readonly headSeq: number
  /** base64url of the head entry's hash. */
  readonly headHash: string
}

/** Where a client keeps its pins. A service keeps them in its database; the default forgets on restart. */
export interface HolderPinStore {
  get(vaultId: string): Promise<HolderPin | undefined>
  set(vaultId: string, pin: HolderPin): Promise<void>
}

export class MemoryHolderPinStore implements HolderPinStore {
  readonly #pins = new Map<string, HolderPin>()
  async get(vaultId: string): Promise<HolderPin | undefined> {
    return this.#pins.get(vaultId)
  }
  async set(vaultId: string, pin: HolderPin): Promise<void> {
    this.#pins.set(vaultId, pin)
  }
}

/**
 * What the person at the desk showed: the root fingerprint from the pairing QR code, or the
 * safety code they read out or typed.
 */
export type HolderRootHint = { readonly rootFingerprint: string } | { readonly safetyCode: string }

/** Splits what a desk typed or scanned: a QR text gives both the code and the root. */
export function readPairingInput(input: string): { code: string; root?: HolderRootHint } {
  const qr = parsePairingQr(input)
  if (qr !== undefined) return { code: qr.code, root: { rootFingerprint: qr.rootFingerprint } }
  // A typed code may start with its host's number ("2-ABCD 2345", spec 11.3): the host is chosen
  // before this (federation.ts); the host itself is sent the code alone.
  const typed = parseTypedPairingCode(input)
  if (typed !== undefined) return { code: typed.code }
  return { code: input.toUpperCase().replace(/[\s-]/g, '') }
}

/** The safety code of a root, in four groups of four, as phones and desks show it. */
export function formatSafetyCode(root: Uint8Array): string {
  return deviceChainSafetyCode(root).replace(/(.{4})(?=.)/g, '$1 ')
}

/**
 * Verifies `entries` as `vaultId`'s device chain against this client's pin, ties a first
 * contact's root to `firstContact`, and pins the root and the newer head. Throws a HoldallError
 * (`DEVICE_CHAIN_INVALID`, `DEVICE_CHAIN_ROLLBACK`, `HOLDER_ROOT_CHANGED`, `HOLDER_ROOT_MISMATCH`,
 * `HOLDER_ROOT_UNKNOWN`) and pins nothing when a check fails.
 */
export async function checkHolderChain(options: {
  vaultId: string
  entries: readonly string[]
  pins: HolderPinStore
  firstContact?: HolderRootHint | undefined
  /** Only for a holder's own device reopening a vault it holds no root for (a weaker check). */
  trustOnFirstUse?: boolean
}): Promise<VerifiedDeviceChain> {
  const pin = await options.pins.get(options.vaultId)
  let chain: VerifiedDeviceChain
  try {
    chain = verifyDeviceChain(
      options.entries.map((e) => base64urlDecode(e)),
      {
        vaultId: base64urlDecode(options.vaultId),
        ...(pin === undefined
          ? {}
          : { root: base64urlDecode(pin.root), knownHead: { seq: pin.headSeq, hash: base64urlDecode(pin.headHash) } }),
      },
    )
  } catch (error) {
    throw chainError(error)
  }
  if (options.firstContact !== undefined && !rootMatches(chain.root, options.firstContact)) {
    throw new HoldallError(
      'HOLDER_ROOT_MISMATCH',
      "the vault's device list is not the one the holder's phone showed: do not continue",
    )
  }
  if (pin === undefined && options.firstContact === undefined && options.trustOnFirstUse !== true) {
    throw new HoldallError(
      'HOLDER_ROOT_UNKNOWN',
      'first contact with this holder: give the root fingerprint from the pairing QR code, or the safety code',
    )
  }
  if (pin === undefined || chain.head.seq > pin.headSeq) await options.pins.set(options.vaultId, pinOf(chain))
  return chain
}

/** The member of a verified chain with this key id (base64url thumbprint), if any. */
export function chainMember(chain: VerifiedDeviceChain, keyId: string): DeviceChainMember | undefined {
  let wanted: Uint8Array
  try {
    wanted = base64urlDecode(keyId)
  } catch {
    return undefined
  }
  return chain.members.find((m) => m.keyId.length === wanted.length && constantTimeEqual(m.keyId, wanted))
}

export function pinOf(chain: { root: Uint8Array; head: DeviceChainHead }): HolderPin {
  return { root: base64urlEncode(chain.root), headSeq: chain.head.seq, headHash: base64urlEncode(chain.head.hash) }
}

function rootMatches(root: Uint8Array, hint: HolderRootHint): boolean {
  if ('safetyCode' in hint) return safetyCodeMatches(root, hint.safetyCode)
  let expected: Uint8Array
  try {
    expected = base64urlDecode(hint.rootFingerprint)
  } catch {
    return false
  }
  return expected.length === root.length && constantTimeEqual(expected, root)
}

function chainError(error: unknown): HoldallError {
  if (!isHoldallCryptoError(error))
    return new HoldallError('DEVICE_CHAIN_INVALID', 'the device chain does not verify', { cause: error })
  switch (error.code) {
    case 'DEVICE_CHAIN_ROOT_MISMATCH':
      return new HoldallError(
        'HOLDER_ROOT_CHANGED',
        "this holder's device list has another root than the one pinned at first contact: refused, not re-pinned",
        { cause: error },
      )
    case 'DEVICE_CHAIN_ROLLBACK':
      return new HoldallError('DEVICE_CHAIN_ROLLBACK', 'the host served an older or forked device chain', {
        cause: error,
      })
    default:
      return new HoldallError('DEVICE_CHAIN_INVALID', `the device chain does not verify (${error.code})`, {
        cause: error,
      })
  }
}

/**
 * Whether a `device_added` / `device_removed` log entry is bound to the holder-signed device
 * chain this device verified (spec 8.3): its link (the entry's seq, u32 big-endian, then SHA-256
 * of the chain entry as base64url text) names an entry of the chain that adds (or removes) the
 * device the log entry names. The host writes the log entry; only a holder device signs the chain.
 */
export function deviceLogEntryInChain(
  entry: {
    readonly type: 'device_added' | 'device_removed'
    readonly deviceKeyId: Uint8Array
    readonly deviceListLink: Uint8Array
  },
  chain: VerifiedDeviceChain,
): boolean {
  const link = entry.deviceListLink
  if (link.length !== 36) return false
  const seq = new DataView(link.buffer, link.byteOffset, link.byteLength).getUint32(0)
  const signed = chain.entries.find((e) => e.seq === seq)
  if (signed === undefined) return false
  const hash = sha256Bytes(new TextEncoder().encode(base64urlEncode(signed.bytes)))
  return (
    constantTimeEqual(hash, link.subarray(4)) &&
    signed.operation === (entry.type === 'device_added' ? 'add' : 'remove') &&
    constantTimeEqual(keyThumbprint(signed.subjectSigningKey, 'Ed25519'), entry.deviceKeyId)
  )
}
