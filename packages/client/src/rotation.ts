import {
  base64urlDecode,
  base64urlEncode,
  createVaultKeyring,
  type DeviceKeys,
  deriveInboxKeyPair,
  deriveRecoveryMember,
  deriveVaultKeyCheck,
  formatRecoveryKitCode,
  generateVaultRootKey,
  keyThumbprint,
  nextDeviceChainEntry,
  recoveryKitProof,
  sha256Bytes,
  signCompactJws,
  signDeviceWrapStatement,
  signInboxKeyStatement,
  splitRecoveryShares,
  unwrapFromEpoch,
  unwrapFromInbox,
  type VaultKeyring,
  type VerifiedDeviceChain,
  verifyDeviceChain,
  wrapRecoveryShare,
  wrapToDevice,
  wrapToEpoch,
  wrapToInbox,
} from '@holdall/crypto'
import type { RecoverySetup, RotateEpoch, RotationPlan } from '@holdall/protocol'
import type { TrustedOrganisation } from './trust-list.js'

/*
 * Building an epoch rotation (spec 9.2) and a recovery set-up (9.4) on the holder's device. The
 * host receives only what it may hold: wraps it cannot open, signed statements, and the one share
 * that is its own.
 */

/** What the holder prints and keeps with their documents: one share, as a QR code and as typed groups. */
export interface RecoveryKit {
  readonly vaultId: string
  readonly epoch: number
  /** base64url of the 55-byte kit share. */
  readonly share: string
  /** 23 groups of four symbols and a check symbol each, to type on a new phone (spec 9.3). */
  readonly code: string
  /** The QR code's text: `HOLDALL-KIT:` and the share, then the device chain root (spec 9.3). */
  readonly qr: string
}

export const KIT_QR_PREFIX = 'HOLDALL-KIT:'

/** An all-zero recovery id binds the worker's share at set-up (it is re-sealed per recovery). */
export const SETUP_RECOVERY_ID = new Uint8Array(16)

/** The shares of a keyring's VRK, sealed for their holders, and the printable kit. */
export async function buildRecoverySetup(
  keyring: VaultKeyring,
  worker: TrustedOrganisation,
  root: Uint8Array,
): Promise<{ setup: RecoverySetup; kit: RecoveryKit; member: ReturnType<typeof deriveRecoveryMember> }> {
  const shares = await splitRecoveryShares(keyring.vaultRootKey, keyring.vaultId, keyring.epoch)
  const member = deriveRecoveryMember(keyring.vaultRootKey, keyring.vaultId, keyring.epoch)
  const vaultId = base64urlEncode(keyring.vaultId)
  const setup: RecoverySetup = {
    check: base64urlEncode(deriveVaultKeyCheck(keyring.vaultRootKey, keyring.vaultId)),
    member_signing_key: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(member.signingPublicKey) },
    host_share: base64urlEncode(shares.host),
    worker: {
      client_id: worker.client_id,
      share_wrap: base64urlEncode(
        await wrapRecoveryShare(shares.worker, worker.agreementPublicKey, {
          vaultId: keyring.vaultId,
          recoveryId: SETUP_RECOVERY_ID,
        }),
      ),
    },
    kit_proof_hash: base64urlEncode(sha256Bytes(recoveryKitProof(shares.kit))),
  }
  const kit: RecoveryKit = {
    vaultId,
    epoch: keyring.epoch,
    share: base64urlEncode(shares.kit),
    code: formatRecoveryKitCode(shares.kit),
    qr: `${KIT_QR_PREFIX}${base64urlEncode(shares.kit)}.${base64urlEncode(root)}`,
  }
  return { setup, kit, member }
}

/** Reads a kit's QR text: the share and the root it names. */
export function parseKitQr(text: string): { share: Uint8Array; root: Uint8Array } | undefined {
  if (!text.startsWith(KIT_QR_PREFIX)) return undefined
  const [share, root] = text.slice(KIT_QR_PREFIX.length).split('.')
  if (share === undefined || root === undefined) return undefined
  try {
    return { share: base64urlDecode(share), root: base64urlDecode(root) }
  } catch {
    return undefined
  }
}

export interface RotationInput {
  readonly plan: RotationPlan
  /** The plan's chain, verified by the caller against its pin. */
  readonly chain: VerifiedDeviceChain
  /** The keyring of the plan's epoch (this device's, or the one rebuilt from recovery shares). */
  readonly keyring: VaultKeyring
  /** The device that signs the rotation and stays. */
  readonly signer: DeviceKeys
  /** Chain entries to put first (a recovery: the recovery member adds the new device). */
  readonly leading?: readonly Uint8Array[]
  /** Device ids to remove (every device that is not `keep` when omitted). */
  readonly remove: readonly string[]
  readonly worker: TrustedOrganisation
  /** The host's URL, the `aud` of a re-signed receipt. */
  readonly audience: string
  readonly now: number
}

/** Builds the rotation body and the next epoch's keyring and kit. */
export async function buildRotation(
  input: RotationInput,
): Promise<{ body: RotateEpoch; keyring: VaultKeyring; kit: RecoveryKit }> {
  const { plan, keyring, signer } = input
  const vaultId = keyring.vaultId
  const signerId = base64urlEncode(keyThumbprint(signer.signing.publicKey, 'Ed25519'))
  const next = createVaultKeyring(vaultId, generateVaultRootKey(), keyring.epoch + 1)
  const entries: Uint8Array[] = [...(input.leading ?? [])]
  let chain = input.chain
  const extend = (change: Parameters<typeof nextDeviceChainEntry>[1]) => {
    const entry = nextDeviceChainEntry(chain, change, signer.signing.secretKey)
    entries.push(entry)
    chain = verifyDeviceChain([...chain.entries.map((e) => e.bytes), entry], { vaultId })
  }
  if (entries.length > 0) chain = verifyDeviceChain([...chain.entries.map((e) => e.bytes), ...entries], { vaultId })
  const removing = new Set(input.remove)
  // The devices that stay are the holder-signed chain's device members, never the host's list
  // (spec 9.2, DEV-ROT-05): a phone the host adds to its plan gets no wrap of the new VRK, and a
  // phone the host leaves out of its plan is not removed by omission. The plan's epoch's recovery
  // member is no device.
  const oldMember = base64urlEncode(
    keyThumbprint(deriveRecoveryMember(keyring.vaultRootKey, vaultId, keyring.epoch).signingPublicKey, 'Ed25519'),
  )
  const remaining = chain.members
    .map((m) => ({ device_id: base64urlEncode(m.keyId), agreement: m.agreementKey }))
    .filter((d) => d.device_id !== oldMember && d.device_id !== signerId && !removing.has(d.device_id))
  const staying = new Set([...remaining.map((d) => d.device_id), signerId])
  // Removed devices, then any member that is no device (the old epoch's recovery member) goes too.
  for (const member of [...chain.members]) {
    if (!staying.has(base64urlEncode(member.keyId)))
      extend({ operation: 'remove', subjectSigningKey: member.signingKey })
  }
  const { setup, kit, member } = await buildRecoverySetup(next, input.worker, chain.root)
  extend({
    operation: 'add',
    subjectSigningKey: member.signingPublicKey,
    subjectAgreementKey: member.agreementPublicKey,
  })
  const agreementOf = new Map(remaining.map((d) => [d.device_id, d.agreement]))
  agreementOf.set(signerId, signer.agreement.publicKey)
  const deviceWraps = []
  for (const [deviceId, agreement] of agreementOf) {
    const wrap = await wrapToDevice(next.vaultRootKey, agreement, { vaultId, epoch: next.epoch })
    const statement = signDeviceWrapStatement(
      { vaultId, epoch: next.epoch, recipientDeviceKeyId: base64urlDecode(deviceId), wrap },
      signer.signing.secretKey,
    )
    deviceWraps.push({
      device_id: deviceId,
      vrk_wrap: base64urlEncode(wrap),
      wrap_statement: base64urlEncode(statement),
    })
  }
  const inbox = deriveInboxKeyPair(next.vaultRootKey, vaultId, next.epoch)
  const epochWraps = plan.epoch_wraps.map((w) => {
    const context = { vaultId, recordId: base64urlDecode(w.record_id), version: w.version }
    const kek = createVaultKeyring(vaultId, keyring.vaultRootKey, w.wrap_epoch).keyEncryptionKey
    const dek = unwrapFromEpoch(base64urlDecode(w.wrap), kek, { ...context, epoch: w.wrap_epoch })
    return {
      record_id: w.record_id,
      version: w.version,
      wrap: base64urlEncode(wrapToEpoch(dek, next.keyEncryptionKey, { ...context, epoch: next.epoch })),
    }
  })
  const inboxWraps = []
  for (const w of plan.inbox_wraps) {
    const context = { vaultId, recordId: base64urlDecode(w.record_id), version: w.version, epoch: w.key_epoch }
    const old = deriveInboxKeyPair(keyring.vaultRootKey, vaultId, w.key_epoch)
    const dek = await unwrapFromInbox(base64urlDecode(w.wrap), old.secretKey, context)
    const fresh = deriveInboxKeyPair(next.vaultRootKey, vaultId, w.key_epoch)
    inboxWraps.push({
      record_id: w.record_id,
      version: w.version,
      wrap: base64urlEncode(await wrapToInbox(dek, fresh.publicKey, context)),
    })
  }
  const body: RotateEpoch = {
    epoch: next.epoch,
    device_chain_entries: entries.map((e) => base64urlEncode(e)),
    device_wraps: deviceWraps,
    inbox_key: { kty: 'OKP', crv: 'X25519', x: base64urlEncode(inbox.publicKey) },
    inbox_statement: base64urlEncode(
      signInboxKeyStatement({ vaultId, epoch: next.epoch, inboxPublicKey: inbox.publicKey }, signer.signing.secretKey),
    ),
    epoch_wraps: epochWraps,
    inbox_wraps: inboxWraps,
    receipts: resignReceipts(plan, staying, signer, signerId),
    recovery: setup,
  }
  return { body, keyring: next, kit }
}

/**
 * A live grant whose receipt a device that is going signed gets the same receipt, signed by this
 * device (spec 9.2, DEV-ROT-04): the grant's wraps are untouched, since its data keys do not change.
 */
function resignReceipts(plan: RotationPlan, staying: ReadonlySet<string>, signer: DeviceKeys, signerId: string) {
  const out = []
  for (const grant of plan.grants) {
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(grant.receipt.split('.')[1] ?? ''))) as Record<
      string,
      unknown
    >
    if (staying.has(String(claims.iss))) continue
    const receipt = signCompactJws(
      { typ: 'grant+jwt', alg: 'EdDSA', kid: signerId },
      { ...claims, iss: signerId, iat: claims.iat },
      signer.signing.secretKey,
    )
    out.push({ grant_id: grant.grant_id, receipt })
  }
  return out
}
