import type {
  AccessLogEntry,
  Grant,
  PendingRequest,
  RecordType,
  RecordVersionView,
  Vault,
  X25519PublicJwk,
} from '@holdall/protocol'
import { calculateJwkThumbprint, type JWK } from 'jose'
import type { Selectable } from 'kysely'
import type { AccessLogTable, AuthRequestTable, DeviceTable, GrantTable, VaultTable } from '../db/schema.js'
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
