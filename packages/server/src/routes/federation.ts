import {
  HANDLE_WELL_KNOWN_PATH,
  handleDocumentSchema,
  handleNameSchema,
  TRUST_LIST_WELL_KNOWN_PATH,
  trustListDocumentSchema,
} from '@holdall/protocol'
import { z } from 'zod'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, route } from '../http/route.js'
import { checkHandleDocument, extendsChain } from '../rules/handle-record.js'

const handlePathSchema = z.object({ name: handleNameSchema }).strict()

/** Federation (spec chapter 11): the mirrored trust list and the handles this host issued. */
export function registerFederationRoutes(app: App, ctx: AppContext): void {
  route(app, {
    auth: 'public',
    tag: 'discovery',
    method: 'GET',
    url: TRUST_LIST_WELL_KNOWN_PATH,
    summary: "The operator's signed trust list as this host mirrors it, with key rotation statements",
    schema: { response: { 200: trustListDocumentSchema } },
    async handler(_request, reply) {
      if (ctx.trustList === undefined) throw new HttpProblem('not_found', 'this host serves no trust list')
      // [FED-TRUST-02] Exactly the bytes the operator signed: clients check them, not this host.
      return reply
        .header('cache-control', 'public, max-age=300')
        .send({ trust_list: ctx.trustList.jws, key_rotations: [...ctx.trustList.rotations] })
    },
  })

  route(app, {
    auth: 'public',
    tag: 'discovery',
    method: 'GET',
    url: `${HANDLE_WELL_KNOWN_PATH}/:name`,
    summary: "A handle this host issued: the holder-signed record naming the vault's host, and its chain",
    schema: { params: handlePathSchema, response: { 200: handleDocumentSchema } },
    async handler(request, reply) {
      const stored = await ctx.repos.handles.find(request.params.name)
      if (stored === undefined) throw new HttpProblem('not_found', 'no such handle on this host')
      return reply
        .header('cache-control', 'no-cache')
        .send({ record: stored.record, device_chain: [...stored.deviceChain] })
    },
  })

  route(app, {
    auth: 'public',
    tag: 'holder',
    method: 'PUT',
    url: `${HANDLE_WELL_KNOWN_PATH}/:name`,
    summary: "Publish or re-point a handle: a record signed by a device of the vault's chain",
    schema: { params: handlePathSchema, body: handleDocumentSchema, response: { 200: handleDocumentSchema } },
    async handler(request, reply) {
      const number = ctx.trustList?.list.hosts?.find((h) => h.url === ctx.config.publicUrl)?.number
      if (number === undefined)
        throw new HttpProblem('not_found', "this host issues no handles: it is not in the trust list's host registry")
      const { name } = request.params
      const { record, chain } = checkHandleDocument(request.body, `${name}@${number}`)
      const existing = await ctx.repos.handles.find(name)
      if (existing === undefined) {
        // [FED-HANDLE-01] A new handle: for a vault this host holds, under that vault's own chain.
        const held = await ctx.repos.vaults.deviceChain(record.vault_id)
        if (held.length === 0) throw new HttpProblem('forbidden', 'a handle is issued only to a vault this host holds')
        if (!extendsChain(held, request.body.device_chain))
          throw new HttpProblem('conflict', "the device chain is not this vault's current chain")
      } else {
        // [FED-HANDLE-04] A re-point: the same vault root, a higher seq, a chain no older than before.
        if (existing.root !== record.root || existing.vaultId !== record.vault_id)
          throw new HttpProblem('conflict', 'this handle is taken')
        if (record.seq <= existing.seq)
          throw new HttpProblem('conflict', 'a handle record must have a higher seq than the one it replaces')
        if (!extendsChain(existing.deviceChain, request.body.device_chain))
          throw new HttpProblem('conflict', 'the device chain is older than the one the handle was last signed under')
      }
      await ctx.repos.handles.save(
        name,
        {
          vaultId: record.vault_id,
          root: record.root,
          seq: record.seq,
          record: request.body.record,
          deviceChain: chain.entries.map((_, i) => request.body.device_chain[i] as string),
        },
        existing?.seq,
      )
      return reply.header('cache-control', 'no-store').send(request.body)
    },
  })
}
