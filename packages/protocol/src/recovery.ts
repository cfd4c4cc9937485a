import { z } from 'zod'
import { deviceChainEntrySchema, deviceChainSchema } from './api.js'
import { base64urlBytesSchema } from './encoding.js'
import { idSchema, keyEpochSchema, keyIdSchema, recordVersionSchema } from './ids.js'
import { ed25519PublicJwkSchema, x25519PublicJwkSchema } from './keys.js'
import { HPKE_WRAP_LENGTH, OWNER_WRAP_LENGTH } from './version.js'

/*
 * Devices and recovery (protocol-spec chapter 9): epoch rotation (a device removed, sign out
 * everywhere, a completed recovery) and the recovery of a vault from two of its three shares.
 */

/** A recovery share (spec 9.3): 55 bytes. */
export const RECOVERY_SHARE_LENGTH = 55
/** A recovery share sealed to one X25519 key (HPKE): 103 bytes. */
export const RECOVERY_SHARE_WRAP_LENGTH = 103
/** The waiting period of a recovery without the printed kit (spec 9.5, REC-WAIT-01). */
export const RECOVERY_WAIT_MS = 48 * 3600 * 1000
/** With the printed kit's proof, the waiting period is shorter, never none. */
export const RECOVERY_KIT_WAIT_MS = 24 * 3600 * 1000

const epochMillisSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const shareWrapSchema = base64urlBytesSchema(RECOVERY_SHARE_WRAP_LENGTH)

/** What the holder's device deposits so the vault can be recovered at this epoch (spec 9.4). */
export const recoverySetupSchema = z
  .object({
    /** HKDF(VRK, "holdall/v1/vrk-check" ‖ vault_id): what a rebuilt VRK is compared with. */
    check: base64urlBytesSchema(32),
    /** The recovery member's Ed25519 key (derived from this epoch's VRK), also added to the device chain. */
    member_signing_key: ed25519PublicJwkSchema,
    /** Share 3, for the host's escrow: it seals it at rest under a key kept outside its database. */
    host_share: base64urlBytesSchema(RECOVERY_SHARE_LENGTH),
    /** Share 2, sealed to the key-worker organisation's agreement key from the trust list. */
    worker: z.object({ client_id: z.url(), share_wrap: shareWrapSchema }).strict(),
    /** SHA-256 of the printed kit's proof (spec 9.5): lets a recovery with the kit wait less. */
    kit_proof_hash: base64urlBytesSchema(32),
  })
  .strict()
export type RecoverySetup = z.infer<typeof recoverySetupSchema>

/** `PUT /vaults/{id}/recovery`: recovery set up at the current epoch, with its chain entry. */
export const putRecoverySetupSchema = z
  .object({ setup: recoverySetupSchema, device_chain_entry: deviceChainEntrySchema })
  .strict()

/** `GET /vaults/{id}/rotation`: everything a rotation to the next epoch must re-wrap or re-sign. */
export const rotationPlanSchema = z
  .object({
    key_epoch: keyEpochSchema,
    device_chain: deviceChainSchema,
    devices: z
      .array(
        z
          .object({ device_id: keyIdSchema, signing_key: ed25519PublicJwkSchema, agreement_key: x25519PublicJwkSchema })
          .strict(),
      )
      .max(64),
    epoch_wraps: z
      .array(
        z
          .object({
            record_id: idSchema,
            version: recordVersionSchema,
            wrap_epoch: keyEpochSchema,
            wrap: base64urlBytesSchema(OWNER_WRAP_LENGTH),
          })
          .strict(),
      )
      .max(100_000),
    inbox_wraps: z
      .array(
        z
          .object({
            record_id: idSchema,
            version: recordVersionSchema,
            key_epoch: keyEpochSchema,
            wrap: base64urlBytesSchema(HPKE_WRAP_LENGTH),
          })
          .strict(),
      )
      .max(10_000),
    grants: z.array(z.object({ grant_id: idSchema, receipt: z.string() }).strict()).max(10_000),
  })
  .strict()
export type RotationPlan = z.infer<typeof rotationPlanSchema>

/** `POST /vaults/{id}/rotations` and a recovery's completion: the vault moves to the next epoch (spec 9.2). */
export const rotateEpochSchema = z
  .object({
    epoch: keyEpochSchema,
    /** The chain entries of this change, in order: removals, the recovery member's swap. */
    device_chain_entries: z.array(deviceChainEntrySchema).min(1).max(128),
    /** The new VRK wrapped to every device that remains, each with the signer's device wrap statement. */
    device_wraps: z
      .array(
        z
          .object({
            device_id: keyIdSchema,
            vrk_wrap: base64urlBytesSchema(HPKE_WRAP_LENGTH),
            wrap_statement: base64urlBytesSchema(64),
          })
          .strict(),
      )
      .min(1)
      .max(64),
    inbox_key: x25519PublicJwkSchema,
    inbox_statement: base64urlBytesSchema(64),
    /** Every owner wrap of the vault, re-wrapped under the new epoch's KEK. */
    epoch_wraps: z
      .array(
        z
          .object({ record_id: idSchema, version: recordVersionSchema, wrap: base64urlBytesSchema(OWNER_WRAP_LENGTH) })
          .strict(),
      )
      .max(100_000),
    /** Every deposit waiting in the inbox, re-wrapped to the new VRK's inbox key of its epoch. */
    inbox_wraps: z
      .array(
        z
          .object({ record_id: idSchema, version: recordVersionSchema, wrap: base64urlBytesSchema(HPKE_WRAP_LENGTH) })
          .strict(),
      )
      .max(10_000),
    /** A live grant whose receipt a removed device signed, re-signed by the signer of this rotation. */
    receipts: z.array(z.object({ grant_id: idSchema, receipt: z.string().min(1).max(16_384) }).strict()).max(10_000),
    /** The new epoch's recovery shares: the old kit and shares stop working. */
    recovery: recoverySetupSchema,
  })
  .strict()
export type RotateEpoch = z.infer<typeof rotateEpochSchema>

export const recoveryStatusSchema = z.enum(['waiting', 'ready', 'cancelled', 'completed'])

/** `POST /recoveries`: a new device asks to recover a vault (spec 9.5). */
export const startRecoverySchema = z
  .object({
    vault_id: idSchema,
    device: z.object({ signing: ed25519PublicJwkSchema, agreement: x25519PublicJwkSchema }).strict(),
    /** The printed kit's proof (spec 9.5), when the person has the kit. */
    kit_proof: base64urlBytesSchema(32).optional(),
  })
  .strict()

/** A recovery as the new device sees it (`POST /recoveries`, `GET /recoveries/{id}`). */
export const recoverySchema = z
  .object({
    recovery_id: idSchema,
    vault_id: idSchema,
    status: recoveryStatusSchema,
    key_epoch: keyEpochSchema,
    started_at: epochMillisSchema,
    /** By the host's clock: no share is released before. */
    ready_at: epochMillisSchema,
    with_kit: z.boolean(),
    device_id: keyIdSchema,
    check: base64urlBytesSchema(32),
    device_chain: deviceChainSchema,
    /** Share 2 sealed to the organisation: the person takes it to the key worker. */
    worker: z.object({ client_id: z.url(), share_wrap: shareWrapSchema }).strict(),
    /** Once ready: share 3, sealed by the host to this recovery's device key only. */
    host_share: shareWrapSchema.optional(),
    /** Once ready and released by the key worker: share 2, sealed to this recovery's device key. */
    worker_share: shareWrapSchema.optional(),
    /** With it, the organisation's signed release, which the device verifies under the pinned trust list. */
    worker_release: z.string().max(8192).optional(),
  })
  .strict()
export type Recovery = z.infer<typeof recoverySchema>

/** A recovery as the vault's devices see it: to warn the holder and to cancel. */
export const vaultRecoverySchema = z
  .object({
    recovery_id: idSchema,
    status: recoveryStatusSchema,
    started_at: epochMillisSchema,
    ready_at: epochMillisSchema,
    with_kit: z.boolean(),
    device_id: keyIdSchema,
    worker_released: z.boolean(),
  })
  .strict()
export type VaultRecovery = z.infer<typeof vaultRecoverySchema>
export const vaultRecoveryListSchema = z.object({ recoveries: z.array(vaultRecoverySchema) }).strict()

/**
 * The key worker's release (`POST /recoveries/{id}/worker-share`): a compact JWS, typ
 * `recovery-release+jwt`, signed with the organisation's signing key from the trust list.
 */
export const workerReleaseSchema = z.object({ release: z.string().min(1).max(8192) }).strict()
export const workerReleaseClaimsSchema = z
  .object({
    iss: z.url(),
    recovery_id: idSchema,
    vault_id: idSchema,
    device_id: keyIdSchema,
    share_wrap: shareWrapSchema,
    /** The two staff who approved, by the organisation's own opaque references (four eyes). */
    approvers: z.array(z.string().min(1).max(64)).length(2),
    iat: z.number().int(),
  })
  .strict()
  .refine((c) => c.approvers[0] !== c.approvers[1], { message: 'two different approvers' })
export type WorkerReleaseClaims = z.infer<typeof workerReleaseClaimsSchema>

export const recoveryPathSchema = z.object({ recoveryId: idSchema }).strict()
export const vaultRecoveryPathSchema = z.object({ vaultId: idSchema, recoveryId: idSchema }).strict()

/**
 * Issue 16: a key-worker organisation asks the host which recoveries naming it wait (spec 9.6,
 * REC-WORKER-03): `POST /worker/recoveries` with a compact JWS, typ `recovery-notices+jwt`, signed
 * with its signing key from the trust list, claims `iss` (its client id), `aud` (this URL), `iat`
 * (within 5 minutes of the host's clock) and `jti`.
 */
export const workerNoticesRequestSchema = z.object({ request: z.string().min(1).max(4096) }).strict()
export const workerNoticesClaimsSchema = z
  .object({
    iss: z.url(),
    aud: z.url(),
    iat: z.number().int(),
    jti: z.string().min(16).max(64),
  })
  .strict()
export type WorkerNoticesClaims = z.infer<typeof workerNoticesClaimsSchema>
export const workerNoticesSchema = z
  .object({
    recoveries: z
      .array(
        z
          .object({
            recovery_id: idSchema,
            vault_id: idSchema,
            started_at: epochMillisSchema,
            ready_at: epochMillisSchema,
            with_kit: z.boolean(),
            worker_released: z.boolean(),
          })
          .strict(),
      )
      .max(100),
  })
  .strict()
export type WorkerNotices = z.infer<typeof workerNoticesSchema>
