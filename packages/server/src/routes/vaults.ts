import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { base64urlDecode, parseManifest, verifyDeviceWrapStatement, verifyInboxKeyStatement } from '@holdall/crypto'
import {
  type AuthorizationDetail,
  acceptDepositSchema,
  approveRequestSchema,
  createVaultSchema,
  digestSchema,
  enrolDeviceSchema,
  grantReceiptClaimsSchema,
  idSchema,
  mayReceive,
  putRecordVersionSchema,
  type RecordType,
} from '@holdall/protocol'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose'
import { z } from 'zod'
import { externalUrl, verifyDpop } from '../auth/dpop.js'
import { authenticate, type Principal } from '../auth/tokens.js'
import type { AppContext } from '../context.js'
import { lockVault } from '../db/locks.js'
import { HttpProblem } from '../errors.js'
import { pauseFor } from '../fault-injection.js'
import { sha256Base64url } from '../hashing.js'
import { appendDeviceChainEntry, readDeviceChain } from '../repositories/device-chain.js'
import { appendLog } from '../services/access-log.js'
import { doc } from './doc.js'
import { grantView, listRecordViews, recordView } from './views.js'

const PAIRING_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'.replace(/[IO]/g, '')
const PAIRING_LIFETIME_MS = 10 * 60_000

/** Uniform over the alphabet: bytes from 238 up are dropped (238 = 7 x 34), so no symbol is favoured. */
function randomPairingCode(length = 8): string {
  let code = ''
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 238 && code.length < length) code += PAIRING_ALPHABET[byte % PAIRING_ALPHABET.length]
    }
  }
  return code
}

const vaultParams = z.object({ vaultId: idSchema }).strict()
const blobParams = z.object({ vaultId: idSchema, sha256: digestSchema }).strict()
const versionParams = z
  .object({ vaultId: idSchema, recordId: idSchema, version: z.coerce.number().int().min(1).max(0xffff_ffff) })
  .strict()
const requestParams = z.object({ vaultId: idSchema, requestId: idSchema }).strict()
const grantParams = z.object({ vaultId: idSchema, grantId: idSchema }).strict()
const recordParams = z.object({ vaultId: idSchema, recordId: idSchema }).strict()

/** The holder's routes: every one needs a device token for this very vault. */
export function registerVaultRoutes(app: FastifyInstance, ctx: AppContext): void {
  const holder = async (request: FastifyRequest, vaultId: string): Promise<Principal> => {
    const principal = await authenticate(request, ctx)
    // Another vault's id answers exactly as an unknown one does.
    if (principal.subjectType !== 'device' || principal.vaultId !== vaultId)
      throw new HttpProblem('not_found', 'no such vault')
    return principal
  }

  app.post(
    '/vaults',
    doc('holder', 'Create a vault from a device key (DPoP proof by that key)', { body: createVaultSchema }),
    async (request, reply) => {
      const body = createVaultSchema.parse(request.body)
      const proof = await verifyDpop(request, ctx.replay, ctx.clock, {
        htm: 'POST',
        htu: externalUrl(ctx.config.publicUrl, request),
        style: 'resource',
      })
      // Creating a vault proves possession of the device key it names.
      const deviceId = await calculateJwkThumbprint(body.device.signing, 'sha256')
      if (proof.jkt !== deviceId) {
        throw new HttpProblem('unauthorized', 'the DPoP key must be the device signing key', {
          headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof", algs="EdDSA"' },
        })
      }
      // [API-VAULT-04] The inbox key issuers will encrypt to must be vouched for by this device.
      try {
        verifyInboxKeyStatement(
          { vaultId: base64urlDecode(body.vault_id), epoch: 0, inboxPublicKey: base64urlDecode(body.inbox_key.x) },
          base64urlDecode(body.inbox_statement),
          base64urlDecode(body.device.signing.x),
        )
      } catch {
        throw new HttpProblem('signature_invalid', 'the inbox key statement is not signed by this device')
      }
      const existing = await ctx.db
        .selectFrom('devices')
        .select(['vault_id'])
        .where('id', '=', deviceId)
        .executeTakeFirst()
      if (existing !== undefined) {
        if (existing.vault_id === body.vault_id)
          return reply.code(200).send(await vaultView(ctx, body.vault_id, deviceId))
        throw new HttpProblem('conflict', 'this device already belongs to a vault')
      }
      const now = ctx.clock()
      try {
        await ctx.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('vaults')
            .values({
              id: body.vault_id,
              key_epoch: 0,
              inbox_public_jwk: JSON.stringify(body.inbox_key),
              inbox_statement: body.inbox_statement,
              used_bytes: 0,
              created_at: now,
            })
            .execute()
          await trx
            .insertInto('devices')
            .values({
              id: deviceId,
              vault_id: body.vault_id,
              signing_jwk: JSON.stringify(body.device.signing),
              agreement_jwk: JSON.stringify(body.device.agreement),
              vrk_wrap: body.vrk_wrap,
              wrap_epoch: 0,
              enrolled_by: null,
              wrap_statement: null,
              status: 'active',
              created_at: now,
            })
            .execute()
          // Entry 0 of the device chain: this very device adding itself (spec 3.8.1).
          await appendDeviceChainEntry(
            trx,
            body.vault_id,
            body.device_chain_entry,
            {
              subjectSigningKey: base64urlDecode(body.device.signing.x),
              subjectAgreementKey: base64urlDecode(body.device.agreement.x),
            },
            now,
          )
          await appendLog(trx, ctx.clock, body.vault_id, 'vault_created', deviceId, {})
        })
      } catch (error) {
        if (String(error).includes('UNIQUE')) throw new HttpProblem('conflict', 'a vault with this id exists')
        throw error
      }
      return reply.code(201).send(await vaultView(ctx, body.vault_id, deviceId))
    },
  )

  app.post(
    '/vaults/:vaultId/devices',
    doc('holder', 'Enrol another device: its keys, the VRK wrapped to it, and a device wrap statement by this device', {
      params: vaultParams,
      body: enrolDeviceSchema,
    }),
    async (request, reply) => {
      const { vaultId } = vaultParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const body = enrolDeviceSchema.parse(request.body)
      const vault = await ctx.db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
      const newId = await calculateJwkThumbprint(body.device.signing, 'sha256')
      const signer = await ctx.db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', principal.subject)
        .executeTakeFirstOrThrow()
      // The host checks the statement too, so a device cannot enrol another in someone else's name.
      try {
        verifyDeviceWrapStatement(
          {
            vaultId: base64urlDecode(vaultId),
            epoch: vault.key_epoch,
            recipientDeviceKeyId: base64urlDecode(newId),
            wrap: base64urlDecode(body.vrk_wrap),
          },
          base64urlDecode(body.wrap_statement),
          base64urlDecode(JSON.parse(signer.signing_jwk).x),
        )
      } catch {
        throw new HttpProblem('signature_invalid', 'the device wrap statement does not verify under this device')
      }
      const existing = await ctx.db
        .selectFrom('devices')
        .select(['vault_id', 'vrk_wrap'])
        .where('id', '=', newId)
        .executeTakeFirst()
      if (existing !== undefined) {
        if (existing.vault_id === vaultId && existing.vrk_wrap === body.vrk_wrap)
          return reply.code(200).send({ device_id: newId })
        throw new HttpProblem('conflict', 'this device is already enrolled')
      }
      await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, vaultId)
        // The addition must extend the vault's chain, signed by the enrolling device (spec 3.8.1).
        await appendDeviceChainEntry(
          trx,
          vaultId,
          body.device_chain_entry,
          {
            subjectSigningKey: base64urlDecode(body.device.signing.x),
            subjectAgreementKey: base64urlDecode(body.device.agreement.x),
            signerKey: base64urlDecode(JSON.parse(signer.signing_jwk).x),
          },
          ctx.clock(),
        )
        await trx
          .insertInto('devices')
          .values({
            id: newId,
            vault_id: vaultId,
            signing_jwk: JSON.stringify(body.device.signing),
            agreement_jwk: JSON.stringify(body.device.agreement),
            vrk_wrap: body.vrk_wrap,
            wrap_epoch: vault.key_epoch,
            enrolled_by: principal.subject,
            wrap_statement: body.wrap_statement,
            status: 'active',
            created_at: ctx.clock(),
          })
          .execute()
        await appendLog(trx, ctx.clock, vaultId, 'device_added', principal.subject, { device_id: newId })
      })
      return reply.code(201).send({ device_id: newId })
    },
  )

  app.get(
    '/vaults/:vaultId',
    doc('holder', "This device's view of its vault", { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      const principal = await holder(request, vaultId)
      return vaultView(ctx, vaultId, principal.subject)
    },
  )

  app.put(
    '/vaults/:vaultId/blobs/:sha256',
    doc('holder', 'Upload an envelope (application/octet-stream), addressed by its SHA-256', {
      params: blobParams,
      consumes: ['application/octet-stream'],
    }),
    async (request, reply) => {
      const { vaultId, sha256 } = blobParams.parse(request.params)
      await holder(request, vaultId)
      await receiveBlob(ctx, request, vaultId, sha256)
      return reply.code(204).send()
    },
  )

  app.get(
    '/vaults/:vaultId/blobs/:sha256',
    doc('holder', 'Download an envelope', { params: blobParams }),
    async (request, reply) => {
      const { vaultId, sha256 } = blobParams.parse(request.params)
      await holder(request, vaultId)
      const known = await ctx.db
        .selectFrom('record_versions')
        .select('ciphertext_sha256')
        .where('vault_id', '=', vaultId)
        .where('ciphertext_sha256', '=', sha256)
        .executeTakeFirst()
      if (known === undefined || !(await ctx.blobs.has(sha256))) throw new HttpProblem('not_found', 'no such blob')
      return sendBlob(ctx, reply, sha256)
    },
  )

  app.put(
    '/vaults/:vaultId/records/:recordId/versions/:version',
    doc('holder', 'Commit a record version (manifest and owner wrap); compare-and-swap on the version', {
      params: versionParams,
      body: putRecordVersionSchema,
    }),
    async (request, reply) => {
      const { vaultId, recordId, version } = versionParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const body = putRecordVersionSchema.parse(request.body)
      const vault = await ctx.db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
      checkManifest(body.manifest, {
        vaultId,
        recordId,
        version,
        keyEpoch: body.key_epoch,
        sha256: body.ciphertext_sha256,
        length: body.ciphertext_length,
      })
      if (body.key_epoch !== vault.key_epoch)
        throw new HttpProblem('conflict', 'new versions are sealed in the current key epoch')
      if ((await ctx.blobs.size(body.ciphertext_sha256)) !== body.ciphertext_length) {
        throw new HttpProblem('conflict', 'upload the envelope blob first')
      }
      const now = ctx.clock()
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, vaultId)
        const existing = await trx
          .selectFrom('record_versions')
          .select(['manifest'])
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .where('version', '=', version)
          .executeTakeFirst()
        if (existing !== undefined) return existing.manifest === body.manifest ? 'same' : 'conflict'
        const record = await trx
          .selectFrom('records')
          .selectAll()
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .executeTakeFirst()
        const expected = record === undefined ? 1 : record.latest_version + 1
        if (version !== expected || (record !== undefined && record.record_type !== body.record_type)) return 'conflict'
        if (record === undefined) {
          await trx
            .insertInto('records')
            .values({
              vault_id: vaultId,
              record_id: recordId,
              record_type: body.record_type,
              latest_version: 1,
              state: 'vault',
              created_at: now,
            })
            .execute()
        } else {
          await trx
            .updateTable('records')
            .set({ latest_version: version })
            .where('vault_id', '=', vaultId)
            .where('record_id', '=', recordId)
            .execute()
        }
        await trx
          .insertInto('record_versions')
          .values({
            vault_id: vaultId,
            record_id: recordId,
            version,
            key_epoch: body.key_epoch,
            ciphertext_sha256: body.ciphertext_sha256,
            ciphertext_length: body.ciphertext_length,
            manifest: body.manifest,
            author_key_id: principal.subject,
            created_at: now,
          })
          .execute()
        await trx
          .insertInto('key_wraps')
          .values({
            vault_id: vaultId,
            record_id: recordId,
            version,
            kind: 'epoch',
            grant_id: null,
            key_epoch: body.key_epoch,
            wrap: body.owner_wrap,
          })
          .execute()
        await appendLog(trx, ctx.clock, vaultId, 'record_written', principal.subject, {
          record_id: recordId,
          version,
          record_type: body.record_type,
        })
        return 'created'
      })
      if (outcome === 'conflict')
        throw new HttpProblem('conflict', 'this record version exists, or is not the next one')
      return reply
        .code(outcome === 'created' ? 201 : 200)
        .send(await recordView(ctx, vaultId, recordId, version, { kind: 'epoch' }))
    },
  )

  app.get(
    '/vaults/:vaultId/records',
    doc('holder', 'The latest version of every record, with owner wraps', { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      return { records: await listRecordViews(ctx, vaultId, 'vault') }
    },
  )

  app.get(
    '/vaults/:vaultId/records/:recordId/versions/:version',
    doc('holder', 'One record version', { params: versionParams }),
    async (request) => {
      const { vaultId, recordId, version } = versionParams.parse(request.params)
      await holder(request, vaultId)
      return recordView(ctx, vaultId, recordId, version, { kind: 'epoch' })
    },
  )

  app.get(
    '/vaults/:vaultId/inbox',
    doc('holder', 'Deposits waiting to be accepted', { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      return { records: await listRecordViews(ctx, vaultId, 'inbox') }
    },
  )

  app.post(
    '/vaults/:vaultId/inbox/:recordId/accept',
    doc('holder', "Accept a deposit: its key re-wrapped under the vault's epoch key", {
      params: recordParams,
      body: acceptDepositSchema,
    }),
    async (request) => {
      const { vaultId, recordId } = recordParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const { owner_wrap } = acceptDepositSchema.parse(request.body)
      const vault = await ctx.db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
      await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, vaultId)
        const record = await trx
          .selectFrom('records')
          .selectAll()
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .executeTakeFirst()
        if (record === undefined) throw new HttpProblem('not_found', 'no such deposit')
        if (record.state === 'vault') return
        await trx
          .updateTable('records')
          .set({ state: 'vault' })
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .execute()
        await trx
          .deleteFrom('key_wraps')
          .where('vault_id', '=', vaultId)
          .where('record_id', '=', recordId)
          .where('kind', '=', 'inbox')
          .execute()
        await trx
          .insertInto('key_wraps')
          .values({
            vault_id: vaultId,
            record_id: recordId,
            version: 1,
            kind: 'epoch',
            grant_id: null,
            key_epoch: vault.key_epoch,
            wrap: owner_wrap,
          })
          .execute()
        await appendLog(trx, ctx.clock, vaultId, 'deposit_accepted', principal.subject, { record_id: recordId })
      })
      return recordView(ctx, vaultId, recordId, 1, { kind: 'epoch' })
    },
  )

  app.post(
    '/vaults/:vaultId/pairing-codes',
    doc('holder', 'A single-use pairing code (10 minutes)', { params: vaultParams }),
    async (request, reply) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      const now = ctx.clock()
      // 8 characters from a 34-symbol alphabet: 40.7 bits, single use, 10 minutes, attempts limited.
      const code = randomPairingCode()
      await ctx.db
        .insertInto('pairing_codes')
        .values({
          code_hash: sha256Base64url(code),
          vault_id: vaultId,
          expires_at: now + PAIRING_LIFETIME_MS,
          used_at: null,
          created_at: now,
        })
        .execute()
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ code, expires_at: now + PAIRING_LIFETIME_MS })
    },
  )

  app.get(
    '/vaults/:vaultId/requests',
    doc('holder', "Requests waiting for the holder's answer", { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      const now = ctx.clock()
      const rows = await ctx.db
        .selectFrom('auth_requests')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('created_at')
        .execute()
      return {
        requests: await Promise.all(
          rows.map(async (row) => {
            const keys = JSON.parse(row.client_keys) as { signing: JWK & { kid: string }; agreement: JWK }
            return {
              request_id: row.id,
              client_id: row.client_id,
              client_name: row.client_name,
              category: row.client_category,
              verified: row.client_category !== 'unverified',
              agreement_key: { kty: 'OKP', crv: 'X25519', x: keys.agreement.x },
              // Recomputed, not the document's own kid: the receipt must name the key itself.
              signing_key_id: await calculateJwkThumbprint(
                { kty: 'OKP', crv: 'Ed25519', x: keys.signing.x as string },
                'sha256',
              ),
              authorization_details: JSON.parse(row.authorization_details),
              binding_message: row.binding_message,
              expires_at: row.expires_at,
            }
          }),
        ),
      }
    },
  )

  app.post(
    '/vaults/:vaultId/requests/:requestId/approve',
    doc('holder', 'Approve (possibly narrowed): a signed grant receipt and HPKE wraps', {
      params: requestParams,
      body: approveRequestSchema,
    }),
    async (request) => {
      const { vaultId, requestId } = requestParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const body = approveRequestSchema.parse(request.body)
      return approve(ctx, principal, vaultId, requestId, body)
    },
  )

  app.post(
    '/vaults/:vaultId/requests/:requestId/deny',
    doc('holder', 'Refuse a request', { params: requestParams }),
    async (request, reply) => {
      const { vaultId, requestId } = requestParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const updated = await ctx.db
        .updateTable('auth_requests')
        .set({ status: 'denied' })
        .where('id', '=', requestId)
        .where('vault_id', '=', vaultId)
        .where('status', '=', 'pending')
        // [API-REQ-04] An expired request stays expired: the service keeps its expired_token.
        .where('expires_at', '>', ctx.clock())
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 1) {
        await ctx.writes.run(async (trx) => {
          await lockVault(trx, vaultId)
          await appendLog(trx, ctx.clock, vaultId, 'request_denied', principal.subject, { request_id: requestId })
        })
      } else {
        const row = await ctx.db
          .selectFrom('auth_requests')
          .select(['status', 'expires_at'])
          .where('id', '=', requestId)
          .where('vault_id', '=', vaultId)
          .executeTakeFirst()
        if (row === undefined) throw new HttpProblem('not_found', 'no such request')
        if (row.status === 'pending') throw new HttpProblem('conflict', 'the request is no longer open')
        if (row.status !== 'denied') throw new HttpProblem('conflict', 'the request was already answered')
      }
      return reply.code(204).send()
    },
  )

  app.get(
    '/vaults/:vaultId/grants',
    doc('holder', 'Every grant, live or not', { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      const rows = await ctx.db
        .selectFrom('grants')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .orderBy('created_at')
        .execute()
      const views = []
      for (const row of rows) views.push(await grantView(ctx, row))
      return { grants: views }
    },
  )

  app.post(
    '/vaults/:vaultId/grants/:grantId/revoke',
    doc('holder', 'Stop sharing: tokens die and wraps are deleted at once', { params: grantParams }),
    async (request) => {
      const { vaultId, grantId } = grantParams.parse(request.params)
      const principal = await holder(request, vaultId)
      const now = ctx.clock()
      const grant = await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, vaultId)
        const row = await trx
          .selectFrom('grants')
          .selectAll()
          .where('id', '=', grantId)
          .where('vault_id', '=', vaultId)
          .executeTakeFirst()
        if (row === undefined) throw new HttpProblem('not_found', 'no such grant')
        if (row.status === 'revoked') return row
        await trx.updateTable('grants').set({ status: 'revoked', revoked_at: now }).where('id', '=', grantId).execute()
        // Immediately: its tokens die and its wraps go (security.md D7).
        await trx.updateTable('tokens').set({ revoked: 1 }).where('grant_id', '=', grantId).execute()
        await trx.deleteFrom('key_wraps').where('grant_id', '=', grantId).execute()
        await pauseFor('revocation-in-transaction')
        await appendLog(trx, ctx.clock, vaultId, 'grant_revoked', principal.subject, {
          grant_id: grantId,
          client_id: row.client_id,
        })
        return { ...row, status: 'revoked' as const, revoked_at: now }
      })
      ctx.notifier.publish(vaultId, { type: 'grant_revoked', id: grantId })
      return grantView(ctx, grant)
    },
  )

  app.get(
    '/vaults/:vaultId/log',
    doc('holder', 'The hash-chained access log', { params: vaultParams }),
    async (request) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      const rows = await ctx.db
        .selectFrom('access_log')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .orderBy('seq')
        .execute()
      return {
        entries: rows.map((r) => ({
          seq: r.seq,
          at: r.at,
          event: r.event,
          actor: r.actor,
          details: JSON.parse(r.details),
          prev_hash: r.prev_hash,
          hash: r.hash,
        })),
      }
    },
  )

  app.get(
    '/vaults/:vaultId/events',
    doc('holder', 'Server-sent events: new requests and deposits', { params: vaultParams }),
    async (request, reply) => {
      const { vaultId } = vaultParams.parse(request.params)
      await holder(request, vaultId)
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      raw.write(': connected\n\n')
      const unsubscribe = ctx.notifier.subscribe(vaultId, (event) => {
        raw.write(`event: ${event.type}\ndata: ${JSON.stringify({ id: event.id })}\n\n`)
      })
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000)
      const close = () => {
        clearInterval(heartbeat)
        unsubscribe()
      }
      request.raw.on('close', close)
      raw.on('close', close)
    },
  )
}

async function vaultView(ctx: AppContext, vaultId: string, deviceId: string) {
  const vault = await ctx.db.selectFrom('vaults').selectAll().where('id', '=', vaultId).executeTakeFirstOrThrow()
  const device = await ctx.db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirstOrThrow()
  const enroller =
    device.enrolled_by === null
      ? undefined
      : await ctx.db
          .selectFrom('devices')
          .select(['signing_jwk'])
          .where('id', '=', device.enrolled_by)
          .executeTakeFirst()
  return {
    vault_id: vault.id,
    key_epoch: vault.key_epoch,
    inbox_key: JSON.parse(vault.inbox_public_jwk),
    device_id: device.id,
    vrk_wrap: device.vrk_wrap,
    ...(enroller === undefined || device.wrap_statement === null
      ? {}
      : {
          enrolled_by: { device_id: device.enrolled_by, signing_key: JSON.parse(enroller.signing_jwk) },
          wrap_statement: device.wrap_statement,
        }),
    device_chain: await readDeviceChain(ctx.db, vaultId),
    used_bytes: vault.used_bytes,
    quota_bytes: ctx.config.vaultQuotaBytes,
  }
}

/** Streams an upload into the blob store, within the size limit and the vault's quota. */
export async function receiveBlob(
  ctx: AppContext,
  request: FastifyRequest,
  vaultId: string,
  sha256: string,
): Promise<void> {
  if (request.headers['content-type'] !== 'application/octet-stream') {
    throw new HttpProblem('unsupported_media_type', 'envelopes are uploaded as application/octet-stream')
  }
  const declared = Number(request.headers['content-length'])
  if (!Number.isSafeInteger(declared) || declared < 402)
    throw new HttpProblem('invalid_request', 'a Content-Length of at least 402 is required')
  if (declared > ctx.config.maxRecordBytes)
    throw new HttpProblem('payload_too_large', 'the envelope is larger than this host accepts')
  if (await ctx.blobs.has(sha256)) {
    ;(request.body as Readable).resume()
    return
  }
  const vault = await ctx.db
    .selectFrom('vaults')
    .select('used_bytes')
    .where('id', '=', vaultId)
    .executeTakeFirstOrThrow()
  if (vault.used_bytes + declared > ctx.config.vaultQuotaBytes)
    throw new HttpProblem('payload_too_large', 'the vault is full')
  await ctx.blobs.write(request.body as Readable, sha256, declared)
  await ctx.db
    .updateTable('vaults')
    .set((eb) => ({ used_bytes: eb('used_bytes', '+', declared) }))
    .where('id', '=', vaultId)
    .execute()
}

export async function sendBlob(ctx: AppContext, reply: FastifyReply, sha256: string) {
  const size = await ctx.blobs.size(sha256)
  if (size === undefined) throw new HttpProblem('not_found', 'no such blob')
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', size)
    .header('cache-control', 'no-store')
    .send(ctx.blobs.read(sha256))
}

/** The host checks what it can check without keys: the manifest names this record version and this blob. */
export function checkManifest(
  manifestText: string,
  expected: { vaultId: string; recordId: string; version: number; keyEpoch: number; sha256: string; length: number },
) {
  let manifest: ReturnType<typeof parseManifest>
  try {
    manifest = parseManifest(base64urlDecode(manifestText))
  } catch {
    throw new HttpProblem('manifest_invalid', 'the manifest is malformed')
  }
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  const matches =
    b64(manifest.vaultId) === expected.vaultId &&
    b64(manifest.recordId) === expected.recordId &&
    manifest.version === expected.version &&
    manifest.keyEpoch === expected.keyEpoch &&
    b64(manifest.ciphertextSha256) === expected.sha256 &&
    manifest.ciphertextLength === expected.length
  if (!matches) throw new HttpProblem('manifest_invalid', 'the manifest does not describe this record version')
  return manifest
}

async function approve(
  ctx: AppContext,
  principal: Principal,
  vaultId: string,
  requestId: string,
  body: z.infer<typeof approveRequestSchema>,
) {
  const now = ctx.clock()
  const row = await ctx.db
    .selectFrom('auth_requests')
    .selectAll()
    .where('id', '=', requestId)
    .where('vault_id', '=', vaultId)
    .executeTakeFirst()
  if (row === undefined) throw new HttpProblem('not_found', 'no such request')
  if (row.status === 'approved' && row.grant_id !== null) {
    const grant = await ctx.db.selectFrom('grants').selectAll().where('id', '=', row.grant_id).executeTakeFirstOrThrow()
    if (grant.receipt === body.receipt) return grantView(ctx, grant) // a retried approval
    throw new HttpProblem('conflict', 'the request was already answered')
  }
  if (row.status !== 'pending' || row.expires_at <= now)
    throw new HttpProblem('conflict', 'the request is no longer open')

  // The receipt: signed by this device, about this request, no wider than what was asked.
  const device = await ctx.db
    .selectFrom('devices')
    .selectAll()
    .where('id', '=', principal.subject)
    .executeTakeFirstOrThrow()
  let claims: z.infer<typeof grantReceiptClaimsSchema>
  try {
    const key = await importJWK(JSON.parse(device.signing_jwk), 'EdDSA')
    const { payload, protectedHeader } = await compactVerify(body.receipt, key, { algorithms: ['EdDSA', 'Ed25519'] })
    if (protectedHeader.typ !== 'grant+jwt') throw new Error('typ')
    claims = grantReceiptClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
  } catch {
    throw new HttpProblem('signature_invalid', 'the grant receipt is not a valid receipt from this device')
  }
  const keys = JSON.parse(row.client_keys) as { signing: JWK; agreement: JWK }
  const requested = JSON.parse(row.authorization_details) as AuthorizationDetail[]
  const expected =
    claims.iss === device.id &&
    claims.sub === vaultId &&
    claims.aud === ctx.config.publicUrl &&
    claims.request_id === requestId &&
    claims.client_id === row.client_id &&
    claims.binding_message === row.binding_message &&
    claims.client_signing_key_id === (await calculateJwkThumbprint(keys.signing, 'sha256')) &&
    claims.client_agreement_key_id === (await calculateJwkThumbprint(keys.agreement, 'sha256')) &&
    claims.authorization_details.every((d) => narrows(d, requested)) &&
    claims.exp * 1000 > now &&
    claims.exp * 1000 <=
      now + Math.max(...claims.authorization_details.map((d) => d.duration_days)) * 86_400_000 + 60_000
  if (!expected) throw new HttpProblem('forbidden', 'the receipt does not match the request, or widens it')
  const category = row.client_category as Parameters<typeof mayReceive>[1]
  const approvedTypes = new Set(claims.authorization_details.flatMap((d) => d.record_types))
  for (const type of approvedTypes) {
    if (!mayReceive(type as RecordType, category))
      throw new HttpProblem('forbidden', `${type} records are never shared with this organisation`)
  }
  const grantId = claims.jti
  await ctx.db.transaction().execute(async (trx) => {
    await lockVault(trx, vaultId)
    for (const wrap of body.wraps) {
      const record = await trx
        .selectFrom('records')
        .selectAll()
        .where('vault_id', '=', vaultId)
        .where('record_id', '=', wrap.record_id)
        .where('state', '=', 'vault')
        .executeTakeFirst()
      if (
        record === undefined ||
        !approvedTypes.has(record.record_type as RecordType) ||
        record.latest_version !== wrap.version
      ) {
        throw new HttpProblem('forbidden', 'a wrap is for a record the grant does not cover')
      }
      await trx
        .insertInto('key_wraps')
        .values({
          vault_id: vaultId,
          record_id: wrap.record_id,
          version: wrap.version,
          kind: 'grant',
          grant_id: grantId,
          key_epoch: null,
          wrap: wrap.wrap,
        })
        .execute()
    }
    await trx
      .insertInto('grants')
      .values({
        id: grantId,
        vault_id: vaultId,
        client_id: row.client_id,
        request_id: requestId,
        receipt: body.receipt,
        authorization_details: JSON.stringify(claims.authorization_details),
        expires_at: claims.exp * 1000,
        status: 'active',
        created_at: now,
        revoked_at: null,
      })
      .execute()
    const updated = await trx
      .updateTable('auth_requests')
      .set({ status: 'approved', grant_id: grantId })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .executeTakeFirst()
    await pauseFor('approval-in-transaction')
    if (Number(updated.numUpdatedRows) !== 1) throw new HttpProblem('conflict', 'the request was already answered')
    await appendLog(trx, ctx.clock, vaultId, 'request_approved', principal.subject, {
      request_id: requestId,
      grant_id: grantId,
      client_name: row.client_name,
      record_types: [...approvedTypes],
      expires_at: claims.exp * 1000,
    })
  })
  const grant = await ctx.db.selectFrom('grants').selectAll().where('id', '=', grantId).executeTakeFirstOrThrow()
  return grantView(ctx, grant)
}

/** An approved detail may drop actions and types and shorten time; it may not add anything. */
function narrows(approved: AuthorizationDetail, requested: AuthorizationDetail[]): boolean {
  return requested.some(
    (r) =>
      r.type === approved.type &&
      r.purpose === approved.purpose &&
      approved.actions.every((a) => r.actions.includes(a)) &&
      approved.record_types.every((t) => r.record_types.includes(t)) &&
      approved.duration_days <= r.duration_days,
  )
}
