import { base64urlDecode, verifyManifest } from '@holdall/crypto'
import { type AuthorizationDetail, depositSchema, digestSchema, mayReceive, type RecordType } from '@holdall/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { authenticate } from '../auth/tokens.js'
import type { AppContext } from '../context.js'
import { lockVault } from '../db/locks.js'
import { HttpProblem } from '../errors.js'
import { readDeviceChain } from '../repositories/device-chain.js'
import { appendLog } from '../services/access-log.js'
import { doc } from './doc.js'
import { checkManifest, receiveBlob, sendBlob } from './vaults.js'
import { grantView, recordView } from './views.js'

const blobParams = z.object({ sha256: digestSchema }).strict()

/** A grantee's routes: the token names the grant, and the grant decides what can be seen. */
export function registerGrantRoutes(app: FastifyInstance, ctx: AppContext): void {
  const grantee = async (request: FastifyRequest) => {
    const principal = await authenticate(request, ctx)
    if (principal.subjectType !== 'client' || principal.grantId === null)
      throw new HttpProblem('forbidden', 'a grant token is required')
    const grant = await ctx.db
      .selectFrom('grants')
      .selectAll()
      .where('id', '=', principal.grantId)
      .executeTakeFirstOrThrow()
    const request_ = await ctx.db
      .selectFrom('auth_requests')
      .select('client_category')
      .where('id', '=', grant.request_id)
      .executeTakeFirstOrThrow()
    const details = JSON.parse(grant.authorization_details) as AuthorizationDetail[]
    const category = request_.client_category as Parameters<typeof mayReceive>[1]
    // Types the grant covers for an action, re-checked against the tier rules on every request.
    const typesFor = (action: 'read' | 'deposit') =>
      new Set(
        details
          .filter((d) => d.actions.includes(action))
          .flatMap((d) => d.record_types)
          .filter((t) => mayReceive(t as RecordType, category)),
      )
    return { principal, grant, typesFor }
  }

  app.get(
    '/grant',
    doc('grantee', "The grant behind this token, with the holder's signed receipt"),
    async (request) => {
      const { grant } = await grantee(request)
      const view = await grantView(ctx, grant)
      const vault = await ctx.db
        .selectFrom('vaults')
        .selectAll()
        .where('id', '=', grant.vault_id)
        .executeTakeFirstOrThrow()
      return {
        ...view,
        // The service checks the receipt, and an issuer the inbox key, against this chain (spec 3.8.1).
        device_chain: await readDeviceChain(ctx.db, grant.vault_id),
        inbox: {
          key: JSON.parse(vault.inbox_public_jwk),
          key_epoch: vault.key_epoch,
          statement: vault.inbox_statement,
        },
      }
    },
  )

  app.get(
    '/grant/records',
    doc('grantee', 'Record versions the grant covers, with wraps to the grantee (each logged)'),
    async (request) => {
      const { grant, typesFor } = await grantee(request)
      const readable = typesFor('read')
      // Only versions the holder wrapped to this grant: later versions are never wrapped to it.
      const wraps = await ctx.db
        .selectFrom('key_wraps')
        .innerJoin('records', (join) =>
          join
            .onRef('records.vault_id', '=', 'key_wraps.vault_id')
            .onRef('records.record_id', '=', 'key_wraps.record_id'),
        )
        .select(['key_wraps.record_id', 'key_wraps.version', 'records.record_type'])
        .where('key_wraps.grant_id', '=', grant.id)
        .where('key_wraps.kind', '=', 'grant')
        .execute()
      const served = wraps.filter((w) => readable.has(w.record_type as RecordType))
      const views = []
      for (const w of served) {
        views.push(await recordView(ctx, grant.vault_id, w.record_id, w.version, { kind: 'grant', grantId: grant.id }))
      }
      // Every key served is logged before the response leaves: one commit for all of them.
      await ctx.writes.run(async (trx) => {
        await lockVault(trx, grant.vault_id)
        for (const w of served) {
          await appendLog(trx, ctx.clock, grant.vault_id, 'key_served', grant.client_id, {
            grant_id: grant.id,
            record_id: w.record_id,
            version: w.version,
            record_type: w.record_type,
          })
        }
      })
      return { records: views }
    },
  )

  app.get(
    '/grant/blobs/:sha256',
    doc('grantee', 'Download an envelope the grant covers', { params: blobParams }),
    async (request, reply) => {
      const { sha256 } = blobParams.parse(request.params)
      const { grant, typesFor } = await grantee(request)
      const readable = typesFor('read')
      const row = await ctx.db
        .selectFrom('key_wraps')
        .innerJoin('record_versions', (join) =>
          join
            .onRef('record_versions.vault_id', '=', 'key_wraps.vault_id')
            .onRef('record_versions.record_id', '=', 'key_wraps.record_id')
            .onRef('record_versions.version', '=', 'key_wraps.version'),
        )
        .innerJoin('records', (join) =>
          join
            .onRef('records.vault_id', '=', 'key_wraps.vault_id')
            .onRef('records.record_id', '=', 'key_wraps.record_id'),
        )
        .select(['records.record_type'])
        .where('key_wraps.grant_id', '=', grant.id)
        .where('record_versions.ciphertext_sha256', '=', sha256)
        .executeTakeFirst()
      if (row === undefined || !readable.has(row.record_type as RecordType) || !(await ctx.blobs.has(sha256))) {
        throw new HttpProblem('not_found', 'no such blob')
      }
      return sendBlob(ctx, reply, sha256)
    },
  )

  app.put(
    '/grant/blobs/:sha256',
    doc('grantee', 'Issuer: upload an envelope to deposit', {
      params: blobParams,
      consumes: ['application/octet-stream'],
    }),
    async (request, reply) => {
      const { sha256 } = blobParams.parse(request.params)
      const { grant, typesFor } = await grantee(request)
      if (typesFor('deposit').size === 0) throw new HttpProblem('forbidden', 'this grant does not allow deposits')
      await receiveBlob(ctx, request, grant.vault_id, sha256)
      return reply.code(204).send()
    },
  )

  app.post(
    '/grant/deposits',
    doc('grantee', "Issuer: deposit a signed record into the vault's inbox", { body: depositSchema }),
    async (request, reply) => {
      const { grant, typesFor } = await grantee(request)
      const body = depositSchema.parse(request.body)
      if (!typesFor('deposit').has(body.record_type))
        throw new HttpProblem('forbidden', 'this grant does not allow depositing that record type')
      const vault = await ctx.db
        .selectFrom('vaults')
        .selectAll()
        .where('id', '=', grant.vault_id)
        .executeTakeFirstOrThrow()
      if (body.key_epoch !== vault.key_epoch)
        throw new HttpProblem('conflict', 'deposit to the current inbox key epoch')
      checkManifest(body.manifest, {
        vaultId: grant.vault_id,
        recordId: body.record_id,
        version: 1,
        keyEpoch: body.key_epoch,
        sha256: body.ciphertext_sha256,
        length: body.ciphertext_length,
      })
      // The host checks the issuer signed it: nobody deposits in another organisation's name.
      const metadata = await ctx.metadata.resolve(grant.client_id)
      const [signing] = metadata.jwks.keys
      try {
        verifyManifest(base64urlDecode(body.manifest), base64urlDecode(signing.x))
      } catch {
        throw new HttpProblem('signature_invalid', 'the manifest is not signed by this issuer')
      }
      if ((await ctx.blobs.size(body.ciphertext_sha256)) !== body.ciphertext_length) {
        throw new HttpProblem('conflict', 'upload the envelope blob first')
      }
      const now = ctx.clock()
      const created = await ctx.db.transaction().execute(async (trx) => {
        await lockVault(trx, grant.vault_id)
        const existing = await trx
          .selectFrom('record_versions')
          .select('manifest')
          .where('vault_id', '=', grant.vault_id)
          .where('record_id', '=', body.record_id)
          .executeTakeFirst()
        if (existing !== undefined) {
          if (existing.manifest === body.manifest) return false // a retried deposit
          throw new HttpProblem('conflict', 'a record with this id exists')
        }
        await trx
          .insertInto('records')
          .values({
            vault_id: grant.vault_id,
            record_id: body.record_id,
            record_type: body.record_type,
            latest_version: 1,
            state: 'inbox',
            created_at: now,
          })
          .execute()
        await trx
          .insertInto('record_versions')
          .values({
            vault_id: grant.vault_id,
            record_id: body.record_id,
            version: 1,
            key_epoch: body.key_epoch,
            ciphertext_sha256: body.ciphertext_sha256,
            ciphertext_length: body.ciphertext_length,
            manifest: body.manifest,
            author_key_id: signing.kid,
            created_at: now,
          })
          .execute()
        await trx
          .insertInto('key_wraps')
          .values({
            vault_id: grant.vault_id,
            record_id: body.record_id,
            version: 1,
            kind: 'inbox',
            grant_id: null,
            key_epoch: body.key_epoch,
            wrap: body.inbox_wrap,
          })
          .execute()
        await appendLog(trx, ctx.clock, grant.vault_id, 'deposit_received', grant.client_id, {
          record_id: body.record_id,
          record_type: body.record_type,
        })
        return true
      })
      if (created) ctx.notifier.publish(grant.vault_id, { type: 'deposit', id: body.record_id })
      return reply.code(created ? 201 : 200).send({ record_id: body.record_id, state: 'inbox' })
    },
  )
}
