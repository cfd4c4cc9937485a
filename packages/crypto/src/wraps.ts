import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { CipherSuite } from 'hpke'
import { concat, randomBytes, u32be, utf8 } from './bytes.js'
import { HPKE_WRAP_LENGTH, ID_LENGTH, KEY_LENGTH, LABELS, OWNER_WRAP_LENGTH } from './constants.js'
import { HoldallCryptoError } from './errors.js'
import { deterministicHpkeSuite, hpkeSuite, x25519Implementation } from './hpke-suite.js'
import { assertAgreementPublicKey } from './keys.js'

/*
 * Key wraps (security.md D4, spec 3.6). Every wrap has one exact length and is refused before any
 * decryption if it has another (attack case 10: partitioning oracles).
 *
 *   owner wrap (72 B) = nonce(24) ‖ XChaCha20-Poly1305(KEK_e, nonce, DEK,
 *                         aad = "holdall/v1/dek-wrap" ‖ vault_id ‖ record_id ‖ u32(version) ‖ u32(e))
 *   HPKE wrap  (80 B) = enc(32) ‖ HPKE-Base-Seal(pkR, info = label, aad = binding, pt = 32-byte key)
 *     grant:  label "holdall/v1/wrap/grant",  binding = grant_id ‖ vault_id ‖ record_id ‖ u32(version)
 *     inbox:  label "holdall/v1/wrap/inbox",  binding = vault_id ‖ record_id ‖ u32(version) ‖ u32(inbox epoch)
 *     device: label "holdall/v1/wrap/device", binding = vault_id ‖ u32(epoch)        (wraps the VRK)
 *
 * HPKE Base mode says nothing about who made a wrap: anyone with the recipient's public key can.
 * A reader therefore checks what it unwraps against signed data: a DEK against the manifest's
 * commitment (openOptionsFromManifest), a VRK against a device-signed statement (statements.ts).
 */

/** Which record version a DEK belongs to, and the epoch of the KEK that wraps it now. */
export interface OwnerWrapContext {
  readonly vaultId: Uint8Array
  readonly recordId: Uint8Array
  readonly version: number
  /** The epoch of the wrapping KEK. After a rotation this is newer than the envelope's key_epoch. */
  readonly epoch: number
}

/** Wraps a record version's DEK under the vault's KEK for `context.epoch`. */
export function wrapToEpoch(dek: Uint8Array, keyEncryptionKey: Uint8Array, context: OwnerWrapContext): Uint8Array {
  return wrapToEpochWithNonce(dek, keyEncryptionKey, context, randomBytes(24))
}

/** @internal With a fixed nonce, for test vectors only; not exported from the package. */
export function wrapToEpochWithNonce(
  dek: Uint8Array,
  keyEncryptionKey: Uint8Array,
  context: OwnerWrapContext,
  nonce: Uint8Array,
): Uint8Array {
  checkKey(dek, 'data key')
  checkKey(keyEncryptionKey, 'key-encryption key')
  if (nonce.length !== 24) throw new HoldallCryptoError('WRAP_MALFORMED', 'owner wrap nonce must be 24 bytes')
  return concat(nonce, xchacha20poly1305(keyEncryptionKey, nonce, ownerAad(context)).encrypt(dek))
}

export function unwrapFromEpoch(
  wrapped: Uint8Array,
  keyEncryptionKey: Uint8Array,
  context: OwnerWrapContext,
): Uint8Array {
  if (wrapped.length !== OWNER_WRAP_LENGTH)
    throw new HoldallCryptoError('WRAP_MALFORMED', 'owner wrap must be 72 bytes')
  checkKey(keyEncryptionKey, 'key-encryption key')
  const aad = ownerAad(context)
  try {
    return xchacha20poly1305(keyEncryptionKey, wrapped.subarray(0, 24), aad).decrypt(wrapped.subarray(24))
  } catch (cause) {
    throw new HoldallCryptoError('WRAP_OPEN_FAILED', 'owner wrap did not open', { cause })
  }
}

/** Moves a DEK wrap from one epoch's KEK to the next epoch's, as part of a key rotation. */
export function rewrapToEpoch(
  wrapped: Uint8Array,
  oldKeyEncryptionKey: Uint8Array,
  newKeyEncryptionKey: Uint8Array,
  context: OwnerWrapContext,
  newEpoch: number,
): Uint8Array {
  const dek = unwrapFromEpoch(wrapped, oldKeyEncryptionKey, context)
  try {
    return wrapToEpoch(dek, newKeyEncryptionKey, { ...context, epoch: newEpoch })
  } finally {
    dek.fill(0)
  }
}

export interface GrantWrapContext {
  readonly grantId: Uint8Array
  readonly vaultId: Uint8Array
  readonly recordId: Uint8Array
  readonly version: number
}

/** Wraps a DEK to a grantee's X25519 key, bound to one grant and one record version. */
export async function wrapToGrantee(
  dek: Uint8Array,
  granteePublicKey: Uint8Array,
  context: GrantWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(dek, granteePublicKey, LABELS.grantWrap, grantBinding(context))
}

export async function unwrapAsGrantee(
  wrapped: Uint8Array,
  granteeSecretKey: Uint8Array,
  context: GrantWrapContext,
): Promise<Uint8Array> {
  return hpkeUnwrap(wrapped, granteeSecretKey, LABELS.grantWrap, grantBinding(context))
}

export interface InboxWrapContext {
  readonly vaultId: Uint8Array
  readonly recordId: Uint8Array
  readonly version: number
  /** The epoch of the inbox key the issuer wraps to. */
  readonly epoch: number
}

/** An issuer's deposit: wraps a DEK to the vault's inbox key, so issuers never need read access. */
export async function wrapToInbox(
  dek: Uint8Array,
  inboxPublicKey: Uint8Array,
  context: InboxWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(dek, inboxPublicKey, LABELS.inboxWrap, inboxBinding(context))
}

export async function unwrapFromInbox(
  wrapped: Uint8Array,
  inboxSecretKey: Uint8Array,
  context: InboxWrapContext,
): Promise<Uint8Array> {
  return hpkeUnwrap(wrapped, inboxSecretKey, LABELS.inboxWrap, inboxBinding(context))
}

export interface DeviceWrapContext {
  readonly vaultId: Uint8Array
  readonly epoch: number
}

/** Wraps the vault root key to one holder device's X25519 key. */
export async function wrapToDevice(
  vaultRootKey: Uint8Array,
  devicePublicKey: Uint8Array,
  context: DeviceWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(vaultRootKey, devicePublicKey, LABELS.deviceWrap, deviceBinding(context))
}

export async function unwrapAsDevice(
  wrapped: Uint8Array,
  deviceSecretKey: Uint8Array,
  context: DeviceWrapContext,
): Promise<Uint8Array> {
  return hpkeUnwrap(wrapped, deviceSecretKey, LABELS.deviceWrap, deviceBinding(context))
}

/** @internal Exported for test vectors; `ikmE` fixes the ephemeral key. */
export async function hpkeWrap(
  secret: Uint8Array,
  recipientPublicKey: Uint8Array,
  label: string,
  aad: Uint8Array,
  ikmE?: Uint8Array,
): Promise<Uint8Array> {
  checkKey(secret, 'wrapped key')
  assertAgreementPublicKey(recipientPublicKey)
  const suite: CipherSuite = await sealingSuite(ikmE)
  const publicKey = await suite.DeserializePublicKey(recipientPublicKey)
  const { encapsulatedSecret, ciphertext } = await suite.Seal(publicKey, secret, { info: utf8(label), aad })
  const wrapped = concat(encapsulatedSecret, ciphertext)
  if (wrapped.length !== HPKE_WRAP_LENGTH)
    throw new HoldallCryptoError('WRAP_MALFORMED', 'unexpected HPKE output length')
  return wrapped
}

/**
 * With WebCrypto X25519, the ephemeral key is derived from fresh random bytes (so it still comes
 * from crypto.getRandomValues, [CRY-SUITE-02]) by the native KEM; without it, noble draws it.
 */
async function sealingSuite(ikmE: Uint8Array | undefined): Promise<CipherSuite> {
  if (ikmE !== undefined) return deterministicHpkeSuite(ikmE)
  if ((await x25519Implementation()) === 'noble') return hpkeSuite
  return deterministicHpkeSuite(randomBytes(32), 'webcrypto')
}

async function hpkeUnwrap(
  wrapped: Uint8Array,
  recipientSecretKey: Uint8Array,
  label: string,
  aad: Uint8Array,
): Promise<Uint8Array> {
  if (wrapped.length !== HPKE_WRAP_LENGTH) throw new HoldallCryptoError('WRAP_MALFORMED', 'HPKE wrap must be 80 bytes')
  checkKey(recipientSecretKey, 'recipient secret key')
  try {
    const privateKey = await hpkeSuite.DeserializePrivateKey(recipientSecretKey, false)
    // The KEM refuses an all-zero DH output, which is what a low-order `enc` produces.
    return await hpkeSuite.Open(privateKey, wrapped.subarray(0, 32), wrapped.subarray(32), { info: utf8(label), aad })
  } catch (cause) {
    throw new HoldallCryptoError('WRAP_OPEN_FAILED', 'HPKE wrap did not open', { cause })
  }
}

function ownerAad(context: OwnerWrapContext): Uint8Array {
  return concat(utf8(LABELS.ownerWrap), recordBinding(context), u32(context.epoch))
}

function grantBinding(context: GrantWrapContext): Uint8Array {
  return concat(id(context.grantId, 'grant id'), recordBinding(context))
}

function inboxBinding(context: InboxWrapContext): Uint8Array {
  return concat(recordBinding(context), u32(context.epoch))
}

function deviceBinding(context: DeviceWrapContext): Uint8Array {
  return concat(id(context.vaultId, 'vault id'), u32(context.epoch))
}

/** `vault_id ‖ record_id ‖ u32(version)`: the 36-byte binding of a record version. */
function recordBinding(context: { vaultId: Uint8Array; recordId: Uint8Array; version: number }): Uint8Array {
  if (context.version < 1) throw new HoldallCryptoError('WRAP_MALFORMED', 'version must be at least 1')
  return concat(id(context.vaultId, 'vault id'), id(context.recordId, 'record id'), u32(context.version))
}

function id(value: Uint8Array, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== ID_LENGTH) {
    throw new HoldallCryptoError('WRAP_MALFORMED', `${what} must be 16 bytes`)
  }
  return value
}

function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new HoldallCryptoError('WRAP_MALFORMED', 'versions and epochs are u32')
  }
  return u32be(value)
}

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH) {
    throw new HoldallCryptoError('KEY_INVALID', `${what} must be 32 bytes`)
  }
}
