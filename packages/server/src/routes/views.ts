import type { Selectable } from 'kysely'
import type { AppContext } from '../context.js'
import type { GrantTable } from '../db/schema.js'
import { HttpProblem } from '../errors.js'

/** Maps database rows to wire objects, in one place: snake_case columns never leak by accident. */
export async function recordView(
  ctx: AppContext,
  vaultId: string,
  recordId: string,
  version: number,
  wrapFor: { kind: 'epoch' | 'inbox' } | { kind: 'grant'; grantId: string },
) {
  const record = await ctx.db
    .selectFrom('records')
    .selectAll()
    .where('vault_id', '=', vaultId)
    .where('record_id', '=', recordId)
    .executeTakeFirst()
  const row = await ctx.db
    .selectFrom('record_versions')
    .selectAll()
    .where('vault_id', '=', vaultId)
    .where('record_id', '=', recordId)
    .where('version', '=', version)
    .executeTakeFirst()
  let wraps = ctx.db
    .selectFrom('key_wraps')
    .select(['wrap', 'kind', 'key_epoch'])
    .where('vault_id', '=', vaultId)
    .where('record_id', '=', recordId)
    .where('version', '=', version)
    .where('kind', '=', wrapFor.kind)
  if (wrapFor.kind === 'grant') wraps = wraps.where('grant_id', '=', wrapFor.grantId)
  if (wrapFor.kind === 'epoch') wraps = wraps.orderBy('key_epoch', 'desc')
  const wrap = await wraps.executeTakeFirst()
  if (record === undefined || row === undefined || wrap === undefined)
    throw new HttpProblem('not_found', 'no such record version')
  return {
    record_id: recordId,
    record_type: record.record_type,
    version,
    key_epoch: row.key_epoch,
    ciphertext_sha256: row.ciphertext_sha256,
    ciphertext_length: row.ciphertext_length,
    manifest: row.manifest,
    created_at: row.created_at,
    wrap: wrap.wrap,
    wrap_kind: wrap.kind,
    wrap_epoch: wrap.kind === 'epoch' ? wrap.key_epoch : null,
  }
}

/** The latest version of every record in the vault (or every deposit in its inbox), with the owner's or inbox wrap. */
export async function listRecordViews(ctx: AppContext, vaultId: string, state: 'vault' | 'inbox') {
  const records = await ctx.db
    .selectFrom('records')
    .selectAll()
    .where('vault_id', '=', vaultId)
    .where('state', '=', state)
    .execute()
  const views = []
  for (const r of records) {
    views.push(
      await recordView(ctx, vaultId, r.record_id, r.latest_version, { kind: state === 'vault' ? 'epoch' : 'inbox' }),
    )
  }
  return views
}

export async function grantView(ctx: AppContext, row: Selectable<GrantTable>) {
  const client = await ctx.db
    .selectFrom('auth_requests')
    .select('client_name')
    .where('id', '=', row.request_id)
    .executeTakeFirst()
  const expired = row.status === 'active' && row.expires_at <= ctx.clock()
  return {
    grant_id: row.id,
    vault_id: row.vault_id,
    client_id: row.client_id,
    client_name: client?.client_name ?? row.client_id,
    authorization_details: JSON.parse(row.authorization_details),
    receipt: row.receipt,
    status: expired ? ('expired' as const) : row.status,
    created_at: row.created_at,
    expires_at: row.expires_at,
  }
}
