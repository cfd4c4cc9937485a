import type { ColumnType, Generated } from 'kysely'
import type { HandleTable } from './schema-federation.js'
import type { DuressAlertTable, ErasedTokenTable, ErasureTable } from './schema-leaving.js'
import type { ImportedMoveTable, VaultMoveTable } from './schema-moves.js'

export type { ImportedMoveTable, VaultMoveTable } from './schema-moves.js'

/*
 * Database types describe the database only (kysely convention): nullable columns are `T | null`,
 * never optional; rows are mapped to wire objects in the route that serves them.
 * Identifiers and binary values are stored as their canonical base64url text.
 */

export interface VaultTable {
  id: string
  key_epoch: number
  /** X25519 JWK of the inbox key for `key_epoch`, as JSON. */
  inbox_public_jwk: string
  /** A holder device's signed inbox key statement (spec 3.8), base64url. */
  inbox_statement: string
  used_bytes: number
  created_at: number
}

export interface DeviceTable {
  /** RFC 7638 thumbprint of the device's Ed25519 key: also its DPoP `jkt`. */
  id: string
  vault_id: string
  signing_jwk: string
  agreement_jwk: string
  /** The VRK wrapped to this device (HPKE, 80 bytes). */
  vrk_wrap: string
  wrap_epoch: number
  /** The device that enrolled this one (null for the first) and its signed device wrap statement. */
  enrolled_by: string | null
  wrap_statement: string | null
  status: 'active' | 'removed'
  created_at: number
}

export interface RecordTable {
  vault_id: string
  record_id: string
  /** The record type is visible to the host so it can enforce sensitivity tiers. */
  record_type: string
  latest_version: number
  /** 'vault' once the holder owns it; 'inbox' while a deposit waits for acceptance. */
  state: 'vault' | 'inbox'
  created_at: number
  /** The record that replaced this one (migration 0009, spec 4.4); the signed link is in its payload. */
  superseded_by: ColumnType<string | null, string | null | undefined, string | null>
}

export interface RecordVersionTable {
  vault_id: string
  record_id: string
  version: number
  key_epoch: number
  ciphertext_sha256: string
  ciphertext_length: number
  manifest: string
  author_key_id: string
  created_at: number
}

export interface KeyWrapTable {
  id: Generated<number>
  vault_id: string
  record_id: string
  version: number
  kind: 'epoch' | 'inbox' | 'grant'
  grant_id: string | null
  key_epoch: number | null
  wrap: string
}

export interface PairingCodeTable {
  code_hash: string
  vault_id: string
  expires_at: number
  used_at: number | null
  created_at: number
}

export interface AuthRequestTable {
  id: string
  vault_id: string
  client_id: string
  client_name: string
  client_category: string
  /** The service's keys as fetched from its metadata document, as JSON. */
  client_keys: string
  authorization_details: string
  binding_message: string
  status: 'pending' | 'approved' | 'denied' | 'expired'
  grant_id: string | null
  /** Once a token has been issued for the decision, the request cannot be redeemed again. */
  redeemed_at: number | null
  expires_at: number
  created_at: number
}

export interface GrantTable {
  id: string
  vault_id: string
  client_id: string
  request_id: string
  /** The holder device's signed receipt (compact JWS, typ grant+jwt). */
  receipt: string
  authorization_details: string
  expires_at: number
  status: 'active' | 'revoked'
  created_at: number
  revoked_at: number | null
  /** Issue 19: when the grant starts (host time, ms), after a cooling-off; null: at once. */
  starts_at: number | null
}

export interface TokenTable {
  /** SHA-256 of the token, base64url: the token itself is never stored. */
  token_hash: string
  kind: 'access' | 'refresh'
  subject_type: 'device' | 'client'
  subject: string
  vault_id: string
  grant_id: string | null
  jkt: string
  /** Every token issued from one approval or login shares a family; reuse of a rotated refresh token revokes it. */
  family: string
  expires_at: number
  revoked: number
  /** When a refresh token was exchanged; a retry within the grace period gets a fresh pair. */
  rotated_at: number | null
  created_at: number
}

export interface DpopJtiTable {
  jkt: string
  jti: string
  expires_at: number
}

export interface AccessLogTable {
  vault_id: string
  seq: number
  at: number
  event: string
  actor: string
  details: string
  prev_hash: string
  hash: string
  /** The canonical entry (spec 8.3): leaf `seq` of the vault's Merkle log. Null only before 0005. */
  entry: Uint8Array | null
}

export interface IdempotencyTable {
  principal: string
  key: string
  request_hash: string
  status: number
  body: string
  created_at: number
}

/** One piece of an envelope kept in the database (DatabaseBlobStore). */
export interface BlobChunkTable {
  upload_id: string
  idx: number
  data: Uint8Array
  created_at: number
}

/** One entry of a vault's verifiable log, in its canonical bytes (spec 8.3). */
/** The hash of a perfect subtree of a vault's log: 2^level leaves from idx × 2^level (spec 8.2). */
export interface LogNodeTable {
  vault_id: string
  level: number
  idx: number
  hash: Uint8Array
}

/** A complete, checked envelope: names the upload whose chunks hold it. */
export interface BlobTable {
  sha256: string
  upload_id: string
  length: number
  created_at: number
}

/**
 * An envelope a vault holds (migration 0006): charged to that vault's quota once, from the moment
 * its upload is reserved. 'uploading' rows expire when the upload's lease ends; 'stored' rows that
 * no version or deposit names expire after the host's unreferenced-upload time; referenced rows
 * (expires_at null) last as long as the vault.
 */
export interface VaultBlobTable {
  vault_id: string
  sha256: string
  length: number
  state: 'uploading' | 'stored'
  referenced: number
  expires_at: number | null
  /** The process streaming an 'uploading' row (host:pid); null once stored. */
  owner: string | null
  created_at: number
}

/** Fixed-window counters any instance can increment (services/shared-counter.ts). */
export interface RateLimitCounterTable {
  key: string
  window_start: number
  count: number
}

/** One signed device chain entry (spec 3.8.1), base64url: opaque to the host, which only checks it. */
export interface DeviceChainEntryTable {
  vault_id: string
  seq: number
  entry: string
  created_at: number
}

export interface Database {
  vaults: VaultTable
  devices: DeviceTable
  device_chain_entries: DeviceChainEntryTable
  records: RecordTable
  record_versions: RecordVersionTable
  key_wraps: KeyWrapTable
  pairing_codes: PairingCodeTable
  auth_requests: AuthRequestTable
  grants: GrantTable
  tokens: TokenTable
  dpop_jti: DpopJtiTable
  access_log: AccessLogTable
  idempotency: IdempotencyTable
  blob_chunks: BlobChunkTable
  blobs: BlobTable
  vault_blobs: VaultBlobTable
  rate_limit_counters: RateLimitCounterTable
  log_nodes: LogNodeTable
  recovery_setups: RecoverySetupTable
  recoveries: RecoveryTable
  vault_moves: VaultMoveTable
  imported_moves: ImportedMoveTable
  handles: HandleTable
  erasures: ErasureTable
  erased_tokens: ErasedTokenTable
  duress_alerts: DuressAlertTable
}

/** A vault's recovery set-up at its current epoch (spec 9.4): replaced at every rotation. */
export interface RecoverySetupTable {
  vault_id: string
  key_epoch: number
  check_value: string
  member_signing_jwk: string
  /** Share 3 sealed under the escrow key (services/recovery-escrow.ts), never stored in the clear. */
  host_share_sealed: string
  worker_client_id: string
  /** Share 2 sealed to the organisation (opaque to the host). */
  worker_share_wrap: string
  kit_proof_hash: string
  created_at: number
}

/** A recovery asked for by a new device (spec 9.5). */
export interface RecoveryTable {
  id: string
  vault_id: string
  key_epoch: number
  status: 'waiting' | 'cancelled' | 'completed'
  device_id: string
  device_signing_jwk: string
  device_agreement_jwk: string
  with_kit: number
  started_at: number
  ready_at: number
  /** Share 2 as the key worker released it, sealed to the recovery's device key. */
  worker_share: string | null
  /** The organisation's signed release (JWS) that carries it, for the recovering device to verify. */
  worker_release: string | null
  worker_released_at: number | null
  host_released_at: number | null
  ended_at: number | null
}
