import type { MovePackage } from '@holdall/protocol'
import type { Selectable } from 'kysely'
import type { Db } from '../db/database.js'
import type { Database } from '../db/schema.js'
import type { Trx } from '../db/transactions.js'

/** Rows per INSERT: well under SQLite's and PostgreSQL's parameter limits for every table here. */
const BATCH = 200

/**
 * The package of a vault as the host it leaves holds it (spec 12.4): every row exactly as stored
 * (ciphertext addresses, wraps, signed statements, token hashes, the access log with its
 * canonical entries), never decrypted. Only live grants, the requests behind them and their live
 * tokens go; recovery set-ups, pending requests and pairing codes stay.
 */
export async function exportPackage(db: Db, vaultId: string, now: number): Promise<MovePackage> {
  const vault = await db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
  const grants = await db
    .selectFrom('grants')
    .selectAll()
    .where('vault_id', '=', vaultId)
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .orderBy('id')
    .execute()
  const grantIds = grants.map((g) => g.id)
  const some = grantIds.length > 0
  const [devices, chain, records, versions, wraps, requests, tokens, log] = await Promise.all([
    db.selectFrom('devices').selectAll().where('vault_id', '=', vaultId).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('device_chain_entries').selectAll().where('vault_id', '=', vaultId).orderBy('seq').execute(),
    db.selectFrom('records').selectAll().where('vault_id', '=', vaultId).orderBy('record_id').execute(),
    db
      .selectFrom('record_versions')
      .selectAll()
      .where('vault_id', '=', vaultId)
      .orderBy('record_id')
      .orderBy('version')
      .execute(),
    db.selectFrom('key_wraps').selectAll().where('vault_id', '=', vaultId).orderBy('id').execute(),
    some
      ? db
          .selectFrom('auth_requests')
          .selectAll()
          .where(
            'id',
            'in',
            grants.map((g) => g.request_id),
          )
          .execute()
      : [],
    some
      ? db
          .selectFrom('tokens')
          .selectAll()
          .where('vault_id', '=', vaultId)
          .where('subject_type', '=', 'client')
          .where('grant_id', 'in', grantIds)
          .where('revoked', '=', 0)
          .where('expires_at', '>', now)
          .orderBy('token_hash')
          .execute()
      : [],
    db.selectFrom('access_log').selectAll().where('vault_id', '=', vaultId).orderBy('seq').execute(),
  ])
  return toPackage({ vault, grants, devices, chain, records, versions, wraps, requests, tokens, log })
}

type Row<T extends keyof Database> = Selectable<Database[T]>
interface VaultRows {
  vault: Row<'vaults'>
  grants: Row<'grants'>[]
  devices: Row<'devices'>[]
  chain: Row<'device_chain_entries'>[]
  records: Row<'records'>[]
  versions: Row<'record_versions'>[]
  wraps: Row<'key_wraps'>[]
  requests: Row<'auth_requests'>[]
  tokens: Row<'tokens'>[]
  log: Row<'access_log'>[]
}

const num = (n: number | null) => (n === null ? null : Number(n))

function toPackage(rows: VaultRows): MovePackage {
  const { vault, grants, versions } = rows
  const live = new Set(grants.map((g) => g.id))
  const blobs = new Map<string, number>()
  for (const v of versions) blobs.set(v.ciphertext_sha256, Number(v.ciphertext_length))
  return {
    format: 1,
    vault: {
      id: vault.id,
      key_epoch: Number(vault.key_epoch),
      inbox_public_jwk: vault.inbox_public_jwk,
      inbox_statement: vault.inbox_statement,
      created_at: Number(vault.created_at),
    },
    devices: rows.devices.map((d) => ({
      ...pick(d, ['id', 'signing_jwk', 'agreement_jwk', 'vrk_wrap', 'enrolled_by', 'wrap_statement', 'status']),
      wrap_epoch: Number(d.wrap_epoch),
      created_at: Number(d.created_at),
    })),
    device_chain: rows.chain.map((c) => c.entry),
    records: rows.records.map((r) => ({
      ...pick(r, ['record_id', 'record_type', 'state', 'superseded_by']),
      latest_version: Number(r.latest_version),
      created_at: Number(r.created_at),
    })),
    versions: versions.map((v) => ({
      ...pick(v, ['record_id', 'ciphertext_sha256', 'manifest', 'author_key_id']),
      version: Number(v.version),
      key_epoch: Number(v.key_epoch),
      ciphertext_length: Number(v.ciphertext_length),
      created_at: Number(v.created_at),
    })),
    wraps: rows.wraps
      .filter((w) => w.kind !== 'grant' || (w.grant_id !== null && live.has(w.grant_id)))
      .map((w) => ({
        ...pick(w, ['record_id', 'kind', 'grant_id', 'wrap']),
        version: Number(w.version),
        key_epoch: num(w.key_epoch),
      })),
    ...grantRows(rows),
    log: rows.log.map((l) => ({
      ...pick(l, ['event', 'actor', 'details', 'prev_hash', 'hash']),
      seq: Number(l.seq),
      at: Number(l.at),
      entry: Buffer.from(l.entry ?? new Uint8Array(0)).toString('base64url'),
    })),
    blobs: [...blobs].map(([sha256, length]) => ({ sha256, length })),
  }
}

/** The live grants, the approved requests behind them, and their live tokens (hashes only). */
function grantRows(rows: VaultRows): Pick<MovePackage, 'requests' | 'grants' | 'tokens'> {
  return {
    requests: rows.requests.map((r) => ({
      ...pick(r, ['id', 'client_id', 'client_name', 'client_category', 'client_keys', 'authorization_details']),
      binding_message: r.binding_message,
      status: 'approved' as const,
      grant_id: r.grant_id ?? '',
      redeemed_at: num(r.redeemed_at),
      expires_at: Number(r.expires_at),
      created_at: Number(r.created_at),
    })),
    grants: rows.grants.map((g) => ({
      ...pick(g, ['id', 'client_id', 'request_id', 'receipt', 'authorization_details']),
      expires_at: Number(g.expires_at),
      created_at: Number(g.created_at),
      starts_at: num(g.starts_at),
    })),
    tokens: rows.tokens.map((t) => ({
      ...pick(t, ['token_hash', 'kind', 'subject', 'jkt', 'family']),
      grant_id: t.grant_id ?? '',
      expires_at: Number(t.expires_at),
      rotated_at: num(t.rotated_at),
      created_at: Number(t.created_at),
    })),
  }
}

function pick<T, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>
  for (const key of keys) out[key] = row[key]
  return out
}

/**
 * Writes a checked package (rules/move.ts) as the vault's rows on the host it arrives at, inside
 * the caller's transaction. Grants arrive active; tokens unrevoked, still bound to their DPoP keys.
 */
export async function insertPackage(trx: Trx, p: MovePackage, now: number): Promise<void> {
  const vaultId = p.vault.id
  const used = p.blobs.reduce((sum, b) => sum + b.length, 0)
  await trx
    .insertInto('vaults')
    .values({ ...p.vault, used_bytes: used })
    .execute()
  const many = async <T>(rows: readonly T[], insert: (batch: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH))
  }
  await many(p.devices, (b) =>
    trx
      .insertInto('devices')
      .values(b.map((d) => ({ ...d, vault_id: vaultId })))
      .execute(),
  )
  await many(
    p.device_chain.map((entry, seq) => ({ vault_id: vaultId, seq, entry, created_at: now })),
    (b) => trx.insertInto('device_chain_entries').values(b).execute(),
  )
  await many(p.records, (b) =>
    trx
      .insertInto('records')
      .values(b.map((r) => ({ ...r, vault_id: vaultId })))
      .execute(),
  )
  await many(p.versions, (b) =>
    trx
      .insertInto('record_versions')
      .values(b.map((v) => ({ ...v, vault_id: vaultId })))
      .execute(),
  )
  await many(p.wraps, (b) =>
    trx
      .insertInto('key_wraps')
      .values(b.map((w) => ({ ...w, vault_id: vaultId })))
      .execute(),
  )
  await many(p.requests, (b) =>
    trx
      .insertInto('auth_requests')
      .values(b.map((r) => ({ ...r, vault_id: vaultId })))
      .execute(),
  )
  await many(p.grants, (b) =>
    trx
      .insertInto('grants')
      .values(b.map((g) => ({ ...g, vault_id: vaultId, status: 'active' as const, revoked_at: null })))
      .execute(),
  )
  await many(p.tokens, (b) =>
    trx
      .insertInto('tokens')
      .values(b.map((t) => ({ ...t, vault_id: vaultId, subject_type: 'client' as const, revoked: 0 })))
      .execute(),
  )
  await many(p.log, (b) =>
    trx
      .insertInto('access_log')
      .values(b.map((l) => ({ ...l, vault_id: vaultId, entry: new Uint8Array(Buffer.from(l.entry, 'base64url')) })))
      .execute(),
  )
  await many(p.blobs, (b) =>
    trx
      .insertInto('vault_blobs')
      .values(
        b.map((x) => ({
          vault_id: vaultId,
          sha256: x.sha256,
          length: x.length,
          state: 'stored' as const,
          referenced: 1,
          expires_at: null,
          owner: null,
          created_at: now,
        })),
      )
      .execute(),
  )
}
