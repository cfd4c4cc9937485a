import { concat, sha256Bytes, u32be, utf8 } from './bytes.js'
import { ID_LENGTH, KEY_LENGTH, LABELS } from './constants.js'
import { HoldallCryptoError } from './errors.js'
import { assertAgreementPublicKey, sign, verifySignature } from './keys.js'

/*
 * Signed key statements (spec 3.8). HPKE Base wraps and published public keys prove nothing
 * about who made them, so a host could otherwise hand an issuer its own "inbox" key, or a device a
 * VRK of its own choosing. A holder device signs each such key; readers check the signature
 * against a device key they already trust before using the key.
 *
 *   inbox key:   Ed25519(device, "holdall/v1/statement/inbox-key" ‖ 0x00 ‖ vault_id ‖ u32(epoch) ‖ inbox_pk)
 *   device wrap: Ed25519(device, "holdall/v1/statement/device-wrap" ‖ 0x00 ‖ vault_id ‖ u32(epoch)
 *                                ‖ recipient device key id (32) ‖ SHA-256(wrap))
 */

export interface InboxKeyStatement {
  readonly vaultId: Uint8Array
  readonly epoch: number
  readonly inboxPublicKey: Uint8Array
}

export function signInboxKeyStatement(statement: InboxKeyStatement, deviceSecretKey: Uint8Array): Uint8Array {
  return sign(inboxMessage(statement), deviceSecretKey)
}

/** Throws `STATEMENT_INVALID` unless `signature` is a holder device's statement of this inbox key. */
export function verifyInboxKeyStatement(
  statement: InboxKeyStatement,
  signature: Uint8Array,
  devicePublicKey: Uint8Array,
): void {
  if (!verifySignature(signature, inboxMessage(statement), devicePublicKey)) {
    throw new HoldallCryptoError('STATEMENT_INVALID', 'the inbox key is not signed by this device')
  }
}

export interface DeviceWrapStatement {
  readonly vaultId: Uint8Array
  readonly epoch: number
  /** The recipient's device id: the RFC 7638 thumbprint of its Ed25519 signing key (not its X25519 key). */
  readonly recipientDeviceKeyId: Uint8Array
  readonly wrap: Uint8Array
}

export function signDeviceWrapStatement(statement: DeviceWrapStatement, deviceSecretKey: Uint8Array): Uint8Array {
  return sign(deviceWrapMessage(statement), deviceSecretKey)
}

/** Throws `STATEMENT_INVALID` unless an existing device signed this VRK wrap for the recipient. */
export function verifyDeviceWrapStatement(
  statement: DeviceWrapStatement,
  signature: Uint8Array,
  signerPublicKey: Uint8Array,
): void {
  if (!verifySignature(signature, deviceWrapMessage(statement), signerPublicKey)) {
    throw new HoldallCryptoError('STATEMENT_INVALID', 'the device wrap is not signed by this device')
  }
}

function inboxMessage(s: InboxKeyStatement): Uint8Array {
  checkId(s.vaultId)
  assertAgreementPublicKey(s.inboxPublicKey)
  return concat(utf8(LABELS.inboxKeyStatement), Uint8Array.of(0), s.vaultId, epoch(s.epoch), s.inboxPublicKey)
}

function deviceWrapMessage(s: DeviceWrapStatement): Uint8Array {
  checkId(s.vaultId)
  if (s.recipientDeviceKeyId.length !== KEY_LENGTH)
    throw new HoldallCryptoError('KEY_INVALID', 'device key id must be 32 bytes')
  return concat(
    utf8(LABELS.deviceWrapStatement),
    Uint8Array.of(0),
    s.vaultId,
    epoch(s.epoch),
    s.recipientDeviceKeyId,
    sha256Bytes(s.wrap),
  )
}

function checkId(vaultId: Uint8Array): void {
  if (vaultId.length !== ID_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault id must be 16 bytes')
}

function epoch(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new HoldallCryptoError('KEY_INVALID', 'epoch must be a u32')
  return u32be(value)
}
