import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, randomBytes, u32be, utf8 } from './bytes.js'
import { ID_LENGTH, KEY_LENGTH, LABELS } from './constants.js'
import { HoldallCryptoError } from './errors.js'
import type { AgreementKeyPair } from './keys.js'

/*
 * The key hierarchy (security.md D8):
 *
 *   VRK (vault root key, 32 random bytes, made on the holder's first device)
 *    ├─ KEK_e  = HKDF(VRK, "holdall/v1/kek" ‖ vault_id ‖ e)        wraps every DEK of epoch e
 *    ├─ inbox_e = X25519 key from HKDF(VRK, "holdall/v1/inbox-key" ‖ vault_id ‖ e)
 *    │            issuers seal deposits to its public half
 *    ├─ check   = HKDF(VRK, "holdall/v1/vrk-check" ‖ vault_id)       proves a recovered VRK is right
 *    └─ wrapped to each holder device's X25519 key with HPKE (wraps.ts)
 *   DEK (data key): fresh and random for every record version (D1).
 *
 * Rotation after a lost device makes a new VRK and moves to epoch e + 1: the lost device knows
 * the old VRK, so deriving a new epoch from the same VRK would protect nothing.
 */

export function generateVaultRootKey(): Uint8Array {
  return randomBytes(KEY_LENGTH)
}

/** A fresh data key. Never reuse one across record versions (D1). */
export function generateDataKey(): Uint8Array {
  return randomBytes(KEY_LENGTH)
}

/** A fresh 16-byte identifier for a vault, record or grant. */
export function generateId(): Uint8Array {
  return randomBytes(ID_LENGTH)
}

export function deriveKeyEncryptionKey(vaultRootKey: Uint8Array, vaultId: Uint8Array, epoch: number): Uint8Array {
  checkRoot(vaultRootKey, vaultId)
  checkEpoch(epoch)
  return hkdf(sha256, vaultRootKey, undefined, concat(utf8(LABELS.kek), vaultId, u32be(epoch)), KEY_LENGTH)
}

/**
 * A value that identifies the VRK without revealing it. Stored beside the vault so that a key
 * rebuilt from recovery shares can be checked before use (D10: Shamir returns garbage silently).
 */
export function deriveVaultKeyCheck(vaultRootKey: Uint8Array, vaultId: Uint8Array): Uint8Array {
  checkRoot(vaultRootKey, vaultId)
  return hkdf(sha256, vaultRootKey, undefined, concat(utf8(LABELS.vrkCheck), vaultId), KEY_LENGTH)
}

/**
 * The vault's inbox key pair for an epoch. Derived rather than stored, so it needs no wrap of its
 * own and changes whenever the VRK rotates.
 */
export function deriveInboxKeyPair(vaultRootKey: Uint8Array, vaultId: Uint8Array, epoch: number): AgreementKeyPair {
  checkRoot(vaultRootKey, vaultId)
  checkEpoch(epoch)
  const secretKey = hkdf(
    sha256,
    vaultRootKey,
    undefined,
    concat(utf8(LABELS.inboxKey), vaultId, u32be(epoch)),
    KEY_LENGTH,
  )
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

/** The keys of one vault at one epoch, as a holder device holds them once unlocked. */
export interface VaultKeyring {
  readonly vaultId: Uint8Array
  readonly epoch: number
  readonly vaultRootKey: Uint8Array
  readonly keyEncryptionKey: Uint8Array
}

export function createVaultKeyring(vaultId: Uint8Array, vaultRootKey: Uint8Array, epoch: number): VaultKeyring {
  return { vaultId, epoch, vaultRootKey, keyEncryptionKey: deriveKeyEncryptionKey(vaultRootKey, vaultId, epoch) }
}

/**
 * Starts the next epoch with a new random VRK. Afterwards the caller re-wraps every DEK from the
 * old KEK to the new one ({@link rewrapToEpoch} in wraps.ts), re-wraps the VRK to the devices that
 * remain, and drops the old keyring.
 */
export function rotateVaultKeyring(current: VaultKeyring): VaultKeyring {
  if (current.epoch >= 0xffff_ffff) throw new HoldallCryptoError('KEY_INVALID', 'epoch space exhausted')
  return createVaultKeyring(current.vaultId, generateVaultRootKey(), current.epoch + 1)
}

function checkRoot(vaultRootKey: Uint8Array, vaultId: Uint8Array): void {
  if (vaultRootKey.length !== KEY_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault root key must be 32 bytes')
  if (vaultId.length !== ID_LENGTH) throw new HoldallCryptoError('KEY_INVALID', 'vault id must be 16 bytes')
}

function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff) {
    throw new HoldallCryptoError('KEY_INVALID', 'epoch must be a u32')
  }
}
