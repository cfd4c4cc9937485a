import {
  type HolderClient,
  HostConnection,
  type ServiceClient,
  type ServiceIdentity,
  sealRecord,
} from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  fromPublicJwk,
  generateAgreementKeyPair,
  generateDataKey,
  generateId,
  randomBytes,
  wrapToGrantee,
  wrapToInbox,
} from '@holdall/crypto'
import type { AuthorizationDetail, PendingRequest, RecordPayload, RecordType } from '@holdall/protocol'
import { expect } from 'vitest'
import { deviceAccessToken } from '../attacks/support.js'
import type { Host, Organisation } from '../harness.js'

/*
 * The host's operator, playing against honest clients: what it can do is edit its own database
 * rows and blobs (through the test's own connection to them), nothing more. These helpers are its
 * hands; each test asserts the honest party refuses with a stable code before any key or
 * plaintext leaves it.
 */

/**
 * A fetch that records every call the holder's client makes through it, so a test can show that
 * nothing reached the host after a refused check (no approval, no wrap, no receipt).
 */
export function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    fetch: async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`)
      return fetch(input, init)
    },
  }
}

/** Calls that would have handed something to the host on the holder's behalf. */
export const approvals = (calls: readonly string[]) => calls.filter((c) => /\/approve$/.test(c))

/** A service asks the holder for `types` (read); resolves with the request as the holder's client sees it. */
export async function ask(
  holder: HolderClient,
  service: ServiceClient,
  types: RecordType[],
  bindingMessage: string,
  actions: AuthorizationDetail['actions'] = ['read'],
): Promise<{ request: PendingRequest; authReqId: string }> {
  const { qr: code } = await holder.createPairingCode()
  const { authReqId } = await service.requestAccess({
    pairingCode: code,
    bindingMessage,
    details: [{ type: 'holdall_records', actions, record_types: types, purpose: 'Care', duration_days: 30 }],
  })
  const request = (await holder.pendingRequests()).find((r) => r.binding_message === bindingMessage)
  expect(request).toBeDefined()
  return { request: request as PendingRequest, authReqId }
}

/**
 * The operator replaces the agreement key the host stored for a pending request with a key of its
 * own (attack 1): an honest holder that trusted the host would wrap record keys to the operator.
 * Returns the operator's key pair, which could open such wraps.
 */
export async function swapRequestAgreementKey(host: Host, requestId: string) {
  const operatorKey = generateAgreementKeyPair()
  const row = await host.db
    .selectFrom('auth_requests')
    .select('client_keys')
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow()
  const keys = JSON.parse(row.client_keys) as { signing: unknown; agreement: { x: string } }
  keys.agreement = { ...keys.agreement, x: Buffer.from(operatorKey.publicKey).toString('base64url') }
  await host.db
    .updateTable('auth_requests')
    .set({ client_keys: JSON.stringify(keys) })
    .where('id', '=', requestId)
    .execute()
  return operatorKey
}

/** The operator relabels a record in clear (attack 3): the host's label is all it can change. */
export async function relabelRecord(host: Host, vaultId: string, recordId: string, recordType: RecordType) {
  await host.db
    .updateTable('records')
    .set({ record_type: recordType })
    .where('vault_id', '=', vaultId)
    .where('record_id', '=', recordId)
    .execute()
}

/** The operator dresses a request up as checked: the category and so the host's `verified` flag. */
export async function claimCategory(host: Host, requestId: string, category: string) {
  await host.db.updateTable('auth_requests').set({ client_category: category }).where('id', '=', requestId).execute()
}

/** Grant rows with wraps for this vault: what a refused approval must not have created. */
export async function grantWraps(host: Host, vaultId: string): Promise<number> {
  const rows = await host.db
    .selectFrom('key_wraps')
    .select('id')
    .where('vault_id', '=', vaultId)
    .where('kind', '=', 'grant')
    .execute()
  return rows.length
}

/** An organisation the operator makes up, with the exact name of a listed one. */
export type Impostor = Organisation

/**
 * A record signed by `author` as `recordType`, put straight into the vault's inbox by the operator
 * (past its own deposit check), as a listed organisation colluding with the host would. Returns
 * the record id and its data key, which the colluders know.
 */
export async function forgeDeposit(
  host: Host,
  holder: HolderClient,
  author: ServiceIdentity,
  recordType: RecordType,
  payload: RecordPayload,
): Promise<{ recordId: string; dek: Uint8Array }> {
  const vault = await host.db
    .selectFrom('vaults')
    .selectAll()
    .where('id', '=', holder.vaultId)
    .executeTakeFirstOrThrow()
  const recordId = base64urlEncode(generateId())
  const dek = generateDataKey()
  const { sealed, manifest } = sealRecord({
    recordType,
    dek,
    vaultId: holder.vaultId,
    recordId,
    version: 1,
    keyEpoch: vault.key_epoch,
    payload,
    title: 'Forged',
    authorSecretKey: author.keys.signing.secretKey,
    authorPublicKey: author.keys.signing.publicKey,
  })
  const inboxWrap = await wrapToInbox(dek, fromPublicJwk(JSON.parse(vault.inbox_public_jwk), 'X25519'), {
    vaultId: base64urlDecode(holder.vaultId),
    recordId: base64urlDecode(recordId),
    version: 1,
    epoch: vault.key_epoch,
  })
  // The operator places the envelope in its own store (here through the upload route, for brevity).
  const connection = new HostConnection(host.url, holder.deviceKeys.signing)
  const sha = base64urlEncode(sealed.ciphertextSha256)
  await connection.json({
    method: 'PUT',
    path: `/vaults/${holder.vaultId}/blobs/${sha}`,
    body: sealed.ciphertext,
    accessToken: await deviceAccessToken(holder, connection),
  })
  const now = Date.now()
  await host.db
    .insertInto('records')
    .values({
      vault_id: holder.vaultId,
      record_id: recordId,
      record_type: recordType,
      latest_version: 1,
      state: 'inbox',
      created_at: now,
    })
    .execute()
  await host.db
    .insertInto('record_versions')
    .values({
      vault_id: holder.vaultId,
      record_id: recordId,
      version: 1,
      key_epoch: vault.key_epoch,
      ciphertext_sha256: sha,
      ciphertext_length: sealed.ciphertextLength,
      manifest,
      author_key_id: base64urlEncode(base64urlDecode(manifest).subarray(152, 184)),
      created_at: now,
    })
    .execute()
  await host.db
    .insertInto('key_wraps')
    .values({
      vault_id: holder.vaultId,
      record_id: recordId,
      version: 1,
      kind: 'inbox',
      grant_id: null,
      key_epoch: vault.key_epoch,
      wrap: base64urlEncode(inboxWrap),
    })
    .execute()
  return { recordId, dek }
}

/**
 * The operator moves a record from the inbox into the vault, as if the holder had kept it. It
 * cannot make a real owner wrap (that needs the vault's key), so it files 72 bytes that look like one.
 */
export async function markAccepted(host: Host, vaultId: string, recordId: string) {
  await host.db
    .updateTable('records')
    .set({ state: 'vault' })
    .where('vault_id', '=', vaultId)
    .where('record_id', '=', recordId)
    .execute()
  await host.db
    .insertInto('key_wraps')
    .values({
      vault_id: vaultId,
      record_id: recordId,
      version: 1,
      kind: 'epoch',
      grant_id: null,
      key_epoch: 0,
      wrap: base64urlEncode(randomBytes(72)),
    })
    .execute()
}

/** The colluders wrap a record key they know to a grantee, and the operator files it under the grant. */
export async function plantGrantWrap(
  host: Host,
  grant: { grant_id: string; vault_id: string },
  recordId: string,
  dek: Uint8Array,
  grantee: ServiceIdentity,
) {
  const wrap = await wrapToGrantee(dek, grantee.keys.agreement.publicKey, {
    grantId: base64urlDecode(grant.grant_id),
    vaultId: base64urlDecode(grant.vault_id),
    recordId: base64urlDecode(recordId),
    version: 1,
  })
  await host.db
    .insertInto('key_wraps')
    .values({
      vault_id: grant.vault_id,
      record_id: recordId,
      version: 1,
      kind: 'grant',
      grant_id: grant.grant_id,
      key_epoch: null,
      wrap: base64urlEncode(wrap),
    })
    .execute()
}
