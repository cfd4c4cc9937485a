import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { CipherSuite } from 'hpke'
import { concat, randomBytes, u32be, utf8 } from './bytes.js'
import { HPKE_WRAP_LENGTH, ID_LENGTH, KEY_LENGTH, LABELS, OWNER_WRAP_LENGTH } from './constants.js'
import { assertRecordContext, type RecordContext, recordBinding } from './envelope-header.js'
import { HoldallCryptoError } from './errors.js'
import { deterministicHpkeSuite, hpkeSuite } from './hpke-suite.js'
import { assertAgreementPublicKey } from './keys.js'

/*
 * Key wraps (security.md D4). Every wrap has one exact length and is refused before any
 * decryption if it has another (attack case 10: partitioning oracles).
 *
 *   owner wrap (72 B)  = nonce(24) ‖ XChaCha20-Poly1305(KEK_e, nonce, DEK, aad = "holdall/v1/dek-wrap" ‖ vault_id ‖ record_id ‖ version ‖ epoch)
 *   HPKE wrap  (80 B)  = enc(32) ‖ HPKE-Base-Seal(pkR, info = label, aad = binding, pt = 32-byte key)
 *     grant:  label "holdall/v1/wrap/grant",  binding = grant_id ‖ vault_id ‖ record_id ‖ version
 *     inbox:  label "holdall/v1/wrap/inbox",  binding = vault_id ‖ record_id ‖ version
 *     device: label "holdall/v1/wrap/device", binding = vault_id ‖ epoch     (wraps the VRK)
 */

/** Wraps a record version's DEK under the vault's KEK for the DEK's epoch. */
export function wrapToEpoch(
  dek: Uint8Array,
  keyEncryptionKey: Uint8Array,
  context: RecordContext,
  nonce?: Uint8Array,
): Uint8Array {
  checkKey(dek, 'data key')
  checkKey(keyEncryptionKey, 'key-encryption key')
  assertRecordContext(context)
  const n = nonce ?? randomBytes(24)
  return concat(n, xchacha20poly1305(keyEncryptionKey, n, ownerAad(context)).encrypt(dek))
}

export function unwrapFromEpoch(wrapped: Uint8Array, keyEncryptionKey: Uint8Array, context: RecordContext): Uint8Array {
  if (wrapped.length !== OWNER_WRAP_LENGTH)
    throw new HoldallCryptoError('WRAP_MALFORMED', 'owner wrap must be 72 bytes')
  checkKey(keyEncryptionKey, 'key-encryption key')
  assertRecordContext(context)
  try {
    return xchacha20poly1305(keyEncryptionKey, wrapped.subarray(0, 24), ownerAad(context)).decrypt(wrapped.subarray(24))
  } catch (cause) {
    throw new HoldallCryptoError('WRAP_OPEN_FAILED', 'owner wrap did not open', { cause })
  }
}

/** Moves a DEK wrap from one epoch's KEK to the next epoch's, as part of a key rotation. */
export function rewrapToEpoch(
  wrapped: Uint8Array,
  oldKeyEncryptionKey: Uint8Array,
  newKeyEncryptionKey: Uint8Array,
  context: RecordContext,
  newEpoch: number,
): Uint8Array {
  const dek = unwrapFromEpoch(wrapped, oldKeyEncryptionKey, context)
  try {
    return wrapToEpoch(dek, newKeyEncryptionKey, { ...context, keyEpoch: newEpoch })
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
export function wrapToGrantee(
  dek: Uint8Array,
  granteePublicKey: Uint8Array,
  context: GrantWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(dek, granteePublicKey, LABELS.grantWrap, grantBinding(context))
}

export function unwrapAsGrantee(
  wrapped: Uint8Array,
  granteeSecretKey: Uint8Array,
  context: GrantWrapContext,
): Promise<Uint8Array> {
  return hpkeUnwrap(wrapped, granteeSecretKey, LABELS.grantWrap, grantBinding(context))
}

export type InboxWrapContext = Pick<RecordContext, 'vaultId' | 'recordId' | 'version'>

/** An issuer's deposit: wraps a DEK to the vault's inbox key, so issuers never need read access. */
export function wrapToInbox(
  dek: Uint8Array,
  inboxPublicKey: Uint8Array,
  context: InboxWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(dek, inboxPublicKey, LABELS.inboxWrap, inboxBinding(context))
}

export function unwrapFromInbox(
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
export function wrapToDevice(
  vaultRootKey: Uint8Array,
  devicePublicKey: Uint8Array,
  context: DeviceWrapContext,
): Promise<Uint8Array> {
  return hpkeWrap(vaultRootKey, devicePublicKey, LABELS.deviceWrap, deviceBinding(context))
}

export function unwrapAsDevice(
  wrapped: Uint8Array,
  deviceSecretKey: Uint8Array,
  context: DeviceWrapContext,
): Promise<Uint8Array> {
  return hpkeUnwrap(wrapped, deviceSecretKey, LABELS.deviceWrap, deviceBinding(context))
}

/** @internal exported for test vectors; `ikmE` fixes the ephemeral key. */
export async function hpkeWrap(
  secret: Uint8Array,
  recipientPublicKey: Uint8Array,
  label: string,
  aad: Uint8Array,
  ikmE?: Uint8Array,
): Promise<Uint8Array> {
  checkKey(secret, 'wrapped key')
  assertAgreementPublicKey(recipientPublicKey)
  const suite: CipherSuite = ikmE === undefined ? hpkeSuite : deterministicHpkeSuite(ikmE)
  const publicKey = await suite.DeserializePublicKey(recipientPublicKey)
  const { encapsulatedSecret, ciphertext } = await suite.Seal(publicKey, secret, { info: utf8(label), aad })
  const wrapped = concat(encapsulatedSecret, ciphertext)
  if (wrapped.length !== HPKE_WRAP_LENGTH)
    throw new HoldallCryptoError('WRAP_MALFORMED', 'unexpected HPKE output length')
  return wrapped
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

function ownerAad(context: RecordContext): Uint8Array {
  return concat(utf8(LABELS.ownerWrap), recordBinding(context), u32be(context.keyEpoch))
}

function grantBinding(context: GrantWrapContext): Uint8Array {
  if (context.grantId.length !== ID_LENGTH) throw new HoldallCryptoError('WRAP_MALFORMED', 'grant id must be 16 bytes')
  assertRecordContext({ ...context, keyEpoch: 0 })
  return concat(context.grantId, recordBinding(context))
}

function inboxBinding(context: InboxWrapContext): Uint8Array {
  assertRecordContext({ ...context, keyEpoch: 0 })
  return recordBinding(context)
}

function deviceBinding(context: DeviceWrapContext): Uint8Array {
  if (context.vaultId.length !== ID_LENGTH) throw new HoldallCryptoError('WRAP_MALFORMED', 'vault id must be 16 bytes')
  if (!Number.isInteger(context.epoch) || context.epoch < 0 || context.epoch > 0xffff_ffff) {
    throw new HoldallCryptoError('WRAP_MALFORMED', 'epoch must be a u32')
  }
  return concat(context.vaultId, u32be(context.epoch))
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', `${what} must be 32 bytes`)
}
