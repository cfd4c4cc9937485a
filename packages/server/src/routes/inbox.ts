import { base64urlDecode, verifyManifest } from '@holdall/crypto'
import {
  acceptDepositSchema,
  blobPathSchema,
  depositReceiptSchema,
  depositSchema,
  mayIssue,
  recordListSchema,
  recordPathSchema,
  recordVersionViewSchema,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, noContent, route } from '../http/route.js'
import { checkManifest } from '../rules/manifest.js'
import { receiveEnvelope } from '../services/envelopes.js'
import { recordVersionView } from '../wire/views.js'

/** Issuers deposit into a vault's inbox; the holder lists and accepts deposits (spec 5.11). */
export function registerInboxRoutes(app: App, ctx: AppContext): void {
  listInbox(app, ctx)
  acceptDeposit(app, ctx)
  uploadDepositEnvelope(app, ctx)
  deposit(app, ctx)
}

function listInbox(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/inbox',
    auth: 'holder',
    tag: 'holder',
    summary: 'Deposits waiting to be accepted',
    schema: { params: vaultPathSchema, response: { 200: recordListSchema } },
    handler: async (_request, _reply, principal) => ({
      records: (await ctx.repos.records.latest(principal.vaultId, 'inbox')).map(recordVersionView),
    }),
  })
}

function acceptDeposit(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/inbox/:recordId/accept',
    auth: 'holder',
    tag: 'holder',
    summary: "Accept a deposit: its key re-wrapped under the vault's epoch key",
    schema: { params: recordPathSchema, body: acceptDepositSchema, response: { 200: recordVersionViewSchema } },
    async handler(request, _reply, principal) {
      const { vaultId, deviceId } = principal
      const { recordId } = request.params
      const vault = await ctx.repos.vaults.find(vaultId)
      if (vault === undefined) throw new HttpProblem('not_found', 'no such vault')
      const found = await ctx.repos.records.accept(
        vaultId,
        recordId,
        vault.key_epoch,
        request.body.owner_wrap,
        deviceId,
        request.body.supersedes,
      )
      if (!found) throw new HttpProblem('not_found', 'no such deposit')
      const row = await ctx.repos.records.version(vaultId, recordId, 1, { kind: 'epoch' })
      if (row === undefined) throw new HttpProblem('not_found', 'no such record version')
      return recordVersionView(row)
    },
  })
}

function uploadDepositEnvelope(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/grant/blobs/:sha256',
    auth: 'issuer',
    tag: 'grantee',
    summary: 'Issuer: upload an envelope to deposit',
    schema: { params: blobPathSchema, consumes: ['application/octet-stream'], response: { 204: noContent } },
    async handler(request, reply, principal) {
      await receiveEnvelope(ctx, request, principal.vaultId, request.params.sha256)
      return reply.code(204).send(null)
    },
  })
}

function deposit(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/grant/deposits',
    auth: 'issuer',
    tag: 'grantee',
    summary: "Issuer: deposit a signed record into the vault's inbox",
    schema: { body: depositSchema, response: { 200: depositReceiptSchema, 201: depositReceiptSchema } },
    async handler(request, reply, principal) {
      const { grant, vaultId } = principal
      const body = request.body
      if (!principal.typesFor('deposit').has(body.record_type))
        throw new HttpProblem('forbidden', 'this grant does not allow depositing that record type')
      // Who may issue what ([API-DEP-02]): the depositor's listed category must be one that issues it.
      if (principal.category === 'unverified' || !mayIssue(body.record_type, principal.category))
        throw new HttpProblem('issuer_not_allowed', 'organisations of this kind may not issue that record type')
      const vault = await ctx.repos.vaults.find(vaultId)
      if (vault === undefined) throw new HttpProblem('not_found', 'no such vault')
      if (body.key_epoch !== vault.key_epoch)
        throw new HttpProblem('conflict', 'deposit to the current inbox key epoch')
      checkManifest(body.manifest, {
        vaultId,
        recordId: body.record_id,
        version: 1,
        keyEpoch: body.key_epoch,
        sha256: body.ciphertext_sha256,
        length: body.ciphertext_length,
        recordType: body.record_type,
      })
      // The host checks the issuer signed it: nobody deposits in another organisation's name.
      const metadata = await ctx.metadata.resolve(grant.client_id)
      const [signing] = metadata.jwks.keys
      try {
        verifyManifest(base64urlDecode(body.manifest), base64urlDecode(signing.x))
      } catch {
        throw new HttpProblem('signature_invalid', 'the manifest is not signed by this issuer')
      }
      const created = await ctx.repos.records.deposit(vaultId, body, signing.kid, grant.client_id)
      if (created) ctx.notifier.publish(vaultId, { type: 'deposit', id: body.record_id })
      return reply.code(created ? 201 : 200).send({ record_id: body.record_id, state: 'inbox' as const })
    },
  })
}
