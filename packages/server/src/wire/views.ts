import type {
  AccessLogEntry,
  Grant,
  PendingRequest,
  RecordType,
  RecordVersionView,
  Recovery,
  RotationPlan,
  Vault,
  X25519PublicJwk,
} from '@holdall/protocol'
import { calculateJwkThumbprint, type JWK } from 'jose'
import type { Selectable } from 'kysely'
import type {
  AccessLogTable,
  AuthRequestTable,
  DeviceTable,
  GrantTable,
  RecoverySetupTable,
  RecoveryTable,
  VaultTable,
} from '../db/schema.js'
import type { RecordVersionRow } from '../repositories/records.js'

/*
 * Database rows become wire objects here and only here: snake_case columns never leak by
 * accident, and every object below is what a route's response schema (@holdall/protocol) says.
 */

export function recordVersionView(row: RecordVersionRow): RecordVersionView {
  return {
    record_id: row.record_id,
    record_type: row.record_type as RecordType,
    version: row.version,
    key_epoch: row.key_epoch,
    ciphertext_sha256: row.ciphertext_sha256,
    ciphertext_length: row.ciphertext_length,
    manifest: row.manifest,
    created_at: row.created_at,
    wrap: row.wrap,
    wrap_kind: row.wrap_kind,
    wrap_epoch: row.wrap_kind === 'epoch' ? row.wrap_key_epoch : null,
    ...(row.superseded_by === null || row.superseded_by === undefined ? {} : { superseded_by: row.superseded_by }),
  }
}

export function vaultView(
  parts: {
    vault: Selectable<VaultTable>
    device: Selectable<DeviceTable>
    enroller: { signing_jwk: string } | undefined
    chain: readonly string[]
  },
  quotaBytes: number,
): Vault {
  const { vault, device, enroller } = parts
  return {
    vault_id: vault.id,
    key_epoch: vault.key_epoch,
    inbox_key: JSON.parse(vault.inbox_public_jwk) as X25519PublicJwk,
    device_id: device.id,
    vrk_wrap: device.vrk_wrap,
    ...(enroller === undefined || device.wrap_statement === null || device.enrolled_by === null
      ? {}
      : {
          enrolled_by: { device_id: device.enrolled_by, signing_key: JSON.parse(enroller.signing_jwk) },
          wrap_statement: device.wrap_statement,
        }),
    device_chain: [...parts.chain],
    used_bytes: vault.used_bytes,
    quota_bytes: quotaBytes,
  }
}

/** A grant row with the name of the client it was given to (repositories/grants.ts). */
export type GrantRowWithClient = Pick<
  Selectable<GrantTable>,
  'id' | 'vault_id' | 'client_id' | 'authorization_details' | 'receipt' | 'status' | 'created_at' | 'expires_at'
> & { readonly client_name: string | null; readonly starts_at?: number | null }

export function grantView(row: GrantRowWithClient, now: number): Grant {
  const expired = row.status === 'active' && row.expires_at <= now
  return {
    grant_id: row.id,
    vault_id: row.vault_id,
    client_id: row.client_id,
    client_name: row.client_name ?? row.client_id,
    authorization_details: JSON.parse(row.authorization_details),
    receipt: row.receipt,
    status: expired ? 'expired' : row.status,
    created_at: row.created_at,
    expires_at: row.expires_at,
    ...(row.starts_at === null || row.starts_at === undefined ? {} : { starts_at: Number(row.starts_at) }),
  }
}

export function inboxView(vault: Selectable<VaultTable>) {
  return {
    key: JSON.parse(vault.inbox_public_jwk) as X25519PublicJwk,
    key_epoch: vault.key_epoch,
    statement: vault.inbox_statement,
  }
}

export async function pendingRequestView(row: Selectable<AuthRequestTable>): Promise<PendingRequest> {
  const keys = JSON.parse(row.client_keys) as { signing: JWK & { kid: string }; agreement: JWK }
  return {
    request_id: row.id,
    client_id: row.client_id,
    client_name: row.client_name,
    category: row.client_category,
    verified: row.client_category !== 'unverified',
    agreement_key: { kty: 'OKP', crv: 'X25519', x: keys.agreement.x as string },
    // Recomputed, not the document's own kid: the receipt must name the key itself.
    signing_key_id: await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: keys.signing.x as string }, 'sha256'),
    authorization_details: JSON.parse(row.authorization_details),
    binding_message: row.binding_message,
    expires_at: row.expires_at,
  }
}

export function logEntryView(row: Selectable<AccessLogTable>): AccessLogEntry {
  return {
    seq: row.seq,
    at: row.at,
    event: row.event,
    actor: row.actor,
    details: JSON.parse(row.details),
    prev_hash: row.prev_hash,
    hash: row.hash,
  }
}

/** A recovery's status as both sides see it: `ready` once the host's clock passes `ready_at`. */
function recoveryStatus(row: Selectable<RecoveryTable>, now: number): Recovery['status'] {
  if (row.status === 'waiting' && now >= row.ready_at) return 'ready'
  return row.status
}

/** A recovery as the recovering device sees it; the sealed shares only once it is ready. */
export function recoveryView(
  row: Selectable<RecoveryTable>,
  setup: Selectable<RecoverySetupTable>,
  chain: string[],
  now: number,
  hostShare: string | undefined,
): Recovery {
  const status = recoveryStatus(row, now)
  return {
    recovery_id: row.id,
    vault_id: row.vault_id,
    status,
    key_epoch: row.key_epoch,
    started_at: row.started_at,
    ready_at: row.ready_at,
    with_kit: row.with_kit === 1,
    device_id: row.device_id,
    check: setup.check_value,
    device_chain: chain,
    worker: { client_id: setup.worker_client_id, share_wrap: setup.worker_share_wrap },
    ...(status === 'ready' && hostShare !== undefined ? { host_share: hostShare } : {}),
    ...(status === 'ready' && row.worker_share !== null && row.worker_release !== null
      ? { worker_share: row.worker_share, worker_release: row.worker_release }
      : {}),
  }
}

/** A recovery as the vault's own devices see it (to warn the holder, and to cancel). */
export function vaultRecoveryView(row: Selectable<RecoveryTable>, now: number) {
  return {
    recovery_id: row.id,
    status: recoveryStatus(row, now),
    started_at: row.started_at,
    ready_at: row.ready_at,
    with_kit: row.with_kit === 1,
    device_id: row.device_id,
    worker_released: row.worker_share !== null,
  }
}

/** What a rotation must re-wrap and re-sign. */
export function rotationPlanView(plan: {
  vault: Selectable<VaultTable>
  chain: string[]
  devices: { id: string; signing_jwk: string; agreement_jwk: string }[]
  epochWraps: { record_id: string; version: number; key_epoch: number | null; wrap: string }[]
  inboxWraps: { record_id: string; version: number; key_epoch: number | null; wrap: string }[]
  grants: { id: string; receipt: string }[]
}): RotationPlan {
  const jwk = (text: string) => {
    const { kty, crv, x } = JSON.parse(text) as { kty: 'OKP'; crv: string; x: string }
    return { kty, crv, x }
  }
  return {
    key_epoch: plan.vault.key_epoch,
    device_chain: plan.chain,
    devices: plan.devices.map((d) => ({
      device_id: d.id,
      signing_key: jwk(d.signing_jwk) as RotationPlan['devices'][number]['signing_key'],
      agreement_key: jwk(d.agreement_jwk) as RotationPlan['devices'][number]['agreement_key'],
    })),
    epoch_wraps: plan.epochWraps.map((w) => ({
      record_id: w.record_id,
      version: w.version,
      wrap_epoch: w.key_epoch ?? 0,
      wrap: w.wrap,
    })),
    inbox_wraps: plan.inboxWraps.map((w) => ({
      record_id: w.record_id,
      version: w.version,
      key_epoch: w.key_epoch ?? 0,
      wrap: w.wrap,
    })),
    grants: plan.grants.map((g) => ({ grant_id: g.id, receipt: g.receipt })),
  }
}
