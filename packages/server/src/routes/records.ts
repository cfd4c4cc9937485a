import {
  putRecordVersionSchema,
  recordListSchema,
  recordVersionPathSchema,
  recordVersionViewSchema,
  vaultBlobPathSchema,
  vaultPathSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, binaryBody, noContent, route } from '../http/route.js'
import { checkManifest } from '../rules/manifest.js'
import { receiveEnvelope, sendEnvelope } from '../services/envelopes.js'
import { recordVersionView } from '../wire/views.js'

/** The holder's records and their envelopes (spec 5.6). */
export function registerRecordRoutes(app: App, ctx: AppContext): void {
  uploadEnvelope(app, ctx)
  downloadEnvelope(app, ctx)
  commitVersion(app, ctx)
  listRecords(app, ctx)
  readVersion(app, ctx)
}

function uploadEnvelope(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/vaults/:vaultId/blobs/:sha256',
    auth: 'holder',
    tag: 'holder',
    summary: 'Upload an envelope (application/octet-stream), addressed by its SHA-256',
    schema: { params: vaultBlobPathSchema, consumes: ['application/octet-stream'], response: { 204: noContent } },
    async handler(request, reply, principal) {
      await receiveEnvelope(ctx, request, principal.vaultId, request.params.sha256)
      return reply.code(204).send(null)
    },
  })
}

function downloadEnvelope(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/blobs/:sha256',
    auth: 'holder',
    tag: 'holder',
    summary: 'Download an envelope',
    schema: { params: vaultBlobPathSchema, produces: ['application/octet-stream'], response: { 200: binaryBody } },
    async handler(request, reply, principal) {
      const { sha256 } = request.params
      if (!(await ctx.repos.records.holdsBlob(principal.vaultId, sha256)))
        throw new HttpProblem('not_found', 'no such blob')
      return sendEnvelope(ctx, reply, sha256)
    },
  })
}

function commitVersion(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/vaults/:vaultId/records/:recordId/versions/:version',
    auth: 'holder',
    tag: 'holder',
    summary: 'Commit a record version (manifest and owner wrap); compare-and-swap on the version',
    schema: {
      params: recordVersionPathSchema,
      body: putRecordVersionSchema,
      response: { 200: recordVersionViewSchema, 201: recordVersionViewSchema },
    },
    async handler(request, reply, principal) {
      const { vaultId, deviceId } = principal
      const { recordId, version } = request.params
      const body = request.body
      const vault = await ctx.repos.vaults.find(vaultId)
      if (vault === undefined) throw new HttpProblem('not_found', 'no such vault')
      checkManifest(body.manifest, {
        vaultId,
        recordId,
        version,
        keyEpoch: body.key_epoch,
        sha256: body.ciphertext_sha256,
        length: body.ciphertext_length,
        recordType: body.record_type,
      })
      if (body.key_epoch !== vault.key_epoch)
        throw new HttpProblem('conflict', 'new versions are sealed in the current key epoch')
      const outcome = await ctx.repos.records.commitVersion(vaultId, recordId, version, body, deviceId)
      if (outcome === 'conflict')
        throw new HttpProblem('conflict', 'this record version exists, or is not the next one')
      return reply.code(outcome === 'created' ? 201 : 200).send(await ownerView(ctx, vaultId, recordId, version))
    },
  })
}

function listRecords(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/records',
    auth: 'holder',
    tag: 'holder',
    summary: 'The latest version of every record, with owner wraps',
    schema: { params: vaultPathSchema, response: { 200: recordListSchema } },
    handler: async (_request, _reply, principal) => ({
      records: (await ctx.repos.records.latest(principal.vaultId, 'vault')).map(recordVersionView),
    }),
  })
}

function readVersion(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/records/:recordId/versions/:version',
    auth: 'holder',
    tag: 'holder',
    summary: 'One record version',
    schema: { params: recordVersionPathSchema, response: { 200: recordVersionViewSchema } },
    handler: async (request, _reply, principal) =>
      ownerView(ctx, principal.vaultId, request.params.recordId, request.params.version),
  })
}

async function ownerView(ctx: AppContext, vaultId: string, recordId: string, version: number) {
  const row = await ctx.repos.records.version(vaultId, recordId, version, { kind: 'epoch' })
  if (row === undefined) throw new HttpProblem('not_found', 'no such record version')
  return recordVersionView(row)
}
