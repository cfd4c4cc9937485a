import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { combine, split } from 'shamir-secret-sharing'
import { concat, constantTimeEqual, readU32be, sha256Bytes, u32be, utf8 } from './bytes.js'
import {
  ID_LENGTH,
  KEY_LENGTH,
  LABELS,
  RECOVERY_SHARE_FORMAT_VERSION,
  RECOVERY_SHARE_LENGTH,
  RECOVERY_SHARE_WRAP_LENGTH,
} from './constants.js'
import { HoldallCryptoError } from './errors.js'
import { hpkeSuite } from './hpke-suite.js'
import { deriveVaultKeyCheck } from './key-hierarchy.js'
import { assertAgreementPublicKey } from './keys.js'

/*
 * Recovery (spec chapter 9, security.md D9/D10). The VRK is split 2-of-3 with Shamir's scheme over
 * GF(2^8) by `shamir-secret-sharing` (audited by Cure53 and Zellic; never hand-written here):
 * share 1 the printed kit, share 2 the key-worker organisation, share 3 the host's escrow.
 *
 *   share (55 bytes) = u8 format (1) ‖ u8 holder (1 kit, 2 worker, 3 host) ‖ vault_id (16)
 *                    ‖ u32 epoch ‖ Shamir share (33: 32 bytes of y, then x)
 *
 * Shamir returns a wrong secret, silently, from a damaged share. So a rebuilt VRK is used only if
 * its check value (key-hierarchy.ts) matches the vault's; with three shares every pair is tried.
 *
 * The recovery member: a device-chain member whose keys derive from the VRK of one epoch. A device
 * adds it to the chain when it sets recovery up; whoever rebuilds that VRK can sign, as that
 * member, the entries that add a new device and remove every other. It is replaced at every
 * rotation, so an old VRK (a removed phone's, an old kit's) signs for nobody.
 */

export type RecoveryShareHolder = 'kit' | 'worker' | 'host'

const HOLDERS: Record<RecoveryShareHolder, number> = { kit: 1, worker: 2, host: 3 }

export interface RecoveryShare {
  readonly holder: RecoveryShareHolder
  readonly vaultId: Uint8Array
  readonly epoch: number
  readonly bytes: Uint8Array
}

export interface RecoveryShares {
  readonly kit: Uint8Array
  readonly worker: Uint8Array
  readonly host: Uint8Array
}

/** Splits a VRK into the three shares of one epoch. Any two rebuild it; one alone says nothing. */
export async function splitRecoveryShares(
  vaultRootKey: Uint8Array,
  vaultId: Uint8Array,
  epoch: number,
): Promise<RecoveryShares> {
  checkIds(vaultRootKey, vaultId, epoch)
  const [kit, worker, host] = (await split(vaultRootKey, 3, 2)) as [Uint8Array, Uint8Array, Uint8Array]
  return {
    kit: encodeShare('kit', vaultId, epoch, kit),
    worker: encodeShare('worker', vaultId, epoch, worker),
    host: encodeShare('host', vaultId, epoch, host),
  }
}

/** Reads a share's header. With `expected`, a share of another vault or epoch is refused. */
export function parseRecoveryShare(
  bytes: Uint8Array,
  expected?: { vaultId: Uint8Array; epoch?: number },
): RecoveryShare {
  if (bytes.length !== RECOVERY_SHARE_LENGTH) fail('RECOVERY_SHARE_INVALID', 'a recovery share is 55 bytes')
  if (bytes[0] !== RECOVERY_SHARE_FORMAT_VERSION) fail('RECOVERY_SHARE_INVALID', 'unsupported share format')
  const holder = (Object.keys(HOLDERS) as RecoveryShareHolder[]).find((h) => HOLDERS[h] === bytes[1])
  if (holder === undefined) fail('RECOVERY_SHARE_INVALID', 'unknown share holder')
  const vaultId = bytes.slice(2, 18)
  const epoch = readU32be(bytes, 18)
  if (expected !== undefined) {
    if (!constantTimeEqual(vaultId, expected.vaultId)) fail('RECOVERY_SHARE_INVALID', 'a share of another vault')
    if (expected.epoch !== undefined && epoch !== expected.epoch)
      fail('RECOVERY_SHARE_INVALID', 'a share of another epoch')
  }
  return { holder, vaultId, epoch, bytes: bytes.slice() }
}

export interface RecoveredVault {
  readonly vaultRootKey: Uint8Array
  readonly epoch: number
  /** The holders of the two shares that rebuilt the key. */
  readonly used: readonly [RecoveryShareHolder, RecoveryShareHolder]
  /** Holders whose share was tried and took part in no matching pair (damaged or malicious). */
  readonly rejected: readonly RecoveryShareHolder[]
}

/**
 * Rebuilds the VRK from two or three shares of one vault and epoch, and keeps it only if its
 * check value matches `check` (case 32). Every pair is tried; a damaged share is named in
 * `rejected`. Throws `RECOVERY_FAILED` if no pair matches, `RECOVERY_SHARE_INVALID` for a share of
 * another vault or epoch or a repeated holder.
 */
export async function combineRecoveryShares(
  shares: readonly Uint8Array[],
  expected: { vaultId: Uint8Array; check: Uint8Array },
): Promise<RecoveredVault> {
  if (shares.length < 2) fail('RECOVERY_FAILED', 'two shares are needed')
  const parsed = shares.map((s) => parseRecoveryShare(s, { vaultId: expected.vaultId }))
  const epoch = (parsed[0] as RecoveryShare).epoch
  if (parsed.some((p) => p.epoch !== epoch)) fail('RECOVERY_SHARE_INVALID', 'shares of different epochs')
  if (new Set(parsed.map((p) => p.holder)).size !== parsed.length)
    fail('RECOVERY_SHARE_INVALID', 'the same holder twice')
  for (const [i, a] of parsed.entries()) {
    for (const b of parsed.slice(i + 1)) {
      let candidate: Uint8Array
      try {
        candidate = await combine([a.bytes.slice(22), b.bytes.slice(22)])
      } catch {
        continue
      }
      if (candidate.length !== KEY_LENGTH) continue
      if (constantTimeEqual(deriveVaultKeyCheck(candidate, expected.vaultId), expected.check)) {
        const used = [a.holder, b.holder] as const
        return {
          vaultRootKey: candidate,
          epoch,
          used,
          rejected: parsed.map((p) => p.holder).filter((h) => !used.includes(h)),
        }
      }
    }
  }
  fail('RECOVERY_FAILED', 'no two shares rebuild the vault key: one is damaged or from another kit')
}

/** The recovery member's keys for one epoch, from that epoch's VRK. */
export function deriveRecoveryMember(
  vaultRootKey: Uint8Array,
  vaultId: Uint8Array,
  epoch: number,
): { signingSecretKey: Uint8Array; signingPublicKey: Uint8Array; agreementPublicKey: Uint8Array } {
  checkIds(vaultRootKey, vaultId, epoch)
  const okm = hkdf(sha256, vaultRootKey, undefined, concat(utf8(LABELS.recoveryMember), vaultId, u32be(epoch)), 64)
  const signingSecretKey = okm.slice(0, 32)
  return {
    signingSecretKey,
    signingPublicKey: ed25519.getPublicKey(signingSecretKey),
    agreementPublicKey: x25519.getPublicKey(okm.slice(32, 64)),
  }
}

/**
 * What a new device shows the host to prove it holds the printed kit (a shorter waiting period),
 * without giving the host the share: SHA-256 of a label and the share. The host stores only the
 * SHA-256 of this proof.
 */
export function recoveryKitProof(kitShare: Uint8Array): Uint8Array {
  const share = parseRecoveryShare(kitShare)
  if (share.holder !== 'kit') fail('RECOVERY_SHARE_INVALID', 'only a kit share has a kit proof')
  return sha256Bytes(concat(utf8(LABELS.recoveryKitProof), Uint8Array.of(0), kitShare))
}

/** Seals a share to one device's X25519 key, bound to the vault and the recovery (103 bytes). */
export async function wrapRecoveryShare(
  share: Uint8Array,
  devicePublicKey: Uint8Array,
  context: { vaultId: Uint8Array; recoveryId: Uint8Array },
): Promise<Uint8Array> {
  parseRecoveryShare(share, { vaultId: context.vaultId })
  assertAgreementPublicKey(devicePublicKey)
  const publicKey = await hpkeSuite.DeserializePublicKey(devicePublicKey)
  const { encapsulatedSecret, ciphertext } = await hpkeSuite.Seal(publicKey, share, {
    info: utf8(LABELS.recoveryShareWrap),
    aad: shareAad(context),
  })
  return concat(encapsulatedSecret, ciphertext)
}

export async function unwrapRecoveryShare(
  wrapped: Uint8Array,
  deviceSecretKey: Uint8Array,
  context: { vaultId: Uint8Array; recoveryId: Uint8Array },
): Promise<Uint8Array> {
  if (wrapped.length !== RECOVERY_SHARE_WRAP_LENGTH) fail('RECOVERY_SHARE_INVALID', 'a sealed share is 103 bytes')
  let share: Uint8Array
  try {
    const privateKey = await hpkeSuite.DeserializePrivateKey(deviceSecretKey, false)
    share = await hpkeSuite.Open(privateKey, wrapped.subarray(0, 32), wrapped.subarray(32), {
      info: utf8(LABELS.recoveryShareWrap),
      aad: shareAad(context),
    })
  } catch (cause) {
    throw new HoldallCryptoError('WRAP_OPEN_FAILED', 'the sealed share did not open', { cause })
  }
  return parseRecoveryShare(share, { vaultId: context.vaultId }).bytes
}

// ---- the printed kit: a QR code, and the same share in short groups a person can type ---------

const KIT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** A 2-byte whole-code checksum: 55 + 2 bytes are 456 bits, 92 symbols, exactly 23 groups of 4. */
const KIT_CHECKSUM_LENGTH = 2
const KIT_GROUP_DATA = 4
export const RECOVERY_KIT_GROUPS = 23

/** Multiplication in GF(2^5) with x^5 + x^2 + 1. */
function gf32Multiply(a: number, b: number): number {
  let product = 0
  for (let i = 0; i < 5; i++) {
    if ((b >> i) & 1) product ^= a << i
  }
  for (let bit = 8; bit >= 5; bit--) if ((product >> bit) & 1) product ^= 0b100101 << (bit - 5)
  return product & 31
}

/**
 * A group's check symbol: its index g (from 0) plus the sum of α^(i+1)·d_i over its four data
 * symbols, in GF(2^5) (α = x). Any one symbol mistyped, and any two neighbours swapped, change it;
 * the index makes a group typed in another group's place fail too.
 */
function kitGroupCheck(group: number, digits: readonly number[]): number {
  let check = group & 31
  let power = 1
  for (const digit of digits) {
    power = gf32Multiply(power, 2)
    check ^= gf32Multiply(power, digit)
  }
  return check
}

/**
 * The kit's typed form (spec 9.3, REC-KIT-01): the share and a 2-byte checksum (SHA-256) in
 * Crockford base32, 92 symbols in 23 groups of four, each group followed by its check symbol: a
 * typo is found in the group where it is.
 */
export function formatRecoveryKitCode(kitShare: Uint8Array): string {
  parseRecoveryShare(kitShare)
  const bytes = concat(kitShare, sha256Bytes(kitShare).subarray(0, KIT_CHECKSUM_LENGTH))
  const digits: number[] = []
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      digits.push((value >> bits) & 31)
    }
    value &= (1 << bits) - 1
  }
  // 456 bits: the last symbol carries one bit, padded with zeros.
  if (bits > 0) digits.push((value << (5 - bits)) & 31)
  const groups: string[] = []
  for (let g = 0; g < RECOVERY_KIT_GROUPS; g++) {
    const data = digits.slice(g * KIT_GROUP_DATA, (g + 1) * KIT_GROUP_DATA)
    groups.push([...data, kitGroupCheck(g, data)].map((d) => KIT_ALPHABET[d]).join(''))
  }
  return groups.join(' ')
}

/** A typed code's symbols as digits (case, spaces and dashes ignored; I and L read as 1, O as 0). */
function kitDigits(typed: string): number[] | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (code.length !== RECOVERY_KIT_GROUPS * (KIT_GROUP_DATA + 1)) return undefined
  const digits = [...code].map((symbol) => KIT_ALPHABET.indexOf(symbol))
  return digits.includes(-1) ? undefined : digits
}

/**
 * The groups (numbered from 1, as printed) whose check symbol fails, so a reader can say where the
 * typo is; undefined when the code has the wrong length or a symbol not in the alphabet.
 */
export function recoveryKitCodeTypos(typed: string): number[] | undefined {
  const digits = kitDigits(typed)
  if (digits === undefined) return undefined
  const wrong: number[] = []
  for (let g = 0; g < RECOVERY_KIT_GROUPS; g++) {
    const group = digits.slice(g * (KIT_GROUP_DATA + 1), (g + 1) * (KIT_GROUP_DATA + 1))
    if (kitGroupCheck(g, group.slice(0, KIT_GROUP_DATA)) !== group[KIT_GROUP_DATA]) wrong.push(g + 1)
  }
  return wrong
}

/** Reads a typed kit code: every group's check symbol, then the whole code's checksum. */
export function parseRecoveryKitCode(typed: string): Uint8Array {
  const digits = kitDigits(typed)
  if (digits === undefined) fail('RECOVERY_SHARE_INVALID', 'the kit code has the wrong length or a symbol not in it')
  const typos = recoveryKitCodeTypos(typed) ?? []
  if (typos.length > 0) fail('RECOVERY_SHARE_INVALID', `the kit code is mistyped in group ${typos.join(', ')}`)
  const total = RECOVERY_SHARE_LENGTH + KIT_CHECKSUM_LENGTH
  const out = new Uint8Array(total)
  let bits = 0
  let value = 0
  let index = 0
  digits.forEach((digit, i) => {
    if (i % (KIT_GROUP_DATA + 1) === KIT_GROUP_DATA) return
    value = ((value << 5) | digit) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      if (index < total) out[index++] = (value >> bits) & 0xff
    }
  })
  const share = out.subarray(0, RECOVERY_SHARE_LENGTH)
  if (!constantTimeEqual(sha256Bytes(share).subarray(0, KIT_CHECKSUM_LENGTH), out.subarray(RECOVERY_SHARE_LENGTH)))
    fail('RECOVERY_SHARE_INVALID', 'the kit code is mistyped (checksum)')
  return parseRecoveryShare(share).bytes
}

function encodeShare(holder: RecoveryShareHolder, vaultId: Uint8Array, epoch: number, share: Uint8Array): Uint8Array {
  if (share.length !== 33) fail('RECOVERY_SHARE_INVALID', 'unexpected Shamir share length')
  return concat(Uint8Array.of(RECOVERY_SHARE_FORMAT_VERSION, HOLDERS[holder]), vaultId, u32be(epoch), share)
}

function shareAad(context: { vaultId: Uint8Array; recoveryId: Uint8Array }): Uint8Array {
  if (context.vaultId.length !== ID_LENGTH || context.recoveryId.length !== ID_LENGTH)
    fail('RECOVERY_SHARE_INVALID', 'vault and recovery ids are 16 bytes')
  return concat(context.vaultId, context.recoveryId)
}

function checkIds(vaultRootKey: Uint8Array, vaultId: Uint8Array, epoch: number): void {
  if (vaultRootKey.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault root key must be 32 bytes')
  if (vaultId.length !== ID_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault id must be 16 bytes')
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff)
    throw new HoldallCryptoError('KEY_INVALID', 'epoch must be a u32')
}

function fail(code: 'RECOVERY_SHARE_INVALID' | 'RECOVERY_FAILED', message: string): never {
  throw new HoldallCryptoError(code, message)
}
