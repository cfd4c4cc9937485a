import { PROTOCOL_VERSION } from '@holdall/protocol'
import type { FastifyInstance } from 'fastify'
import { type AppContext, BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'
import { HttpProblem } from '../errors.js'
import { doc } from './doc.js'
import { GRANT_TYPE_CIBA, GRANT_TYPE_JWT_BEARER } from './oauth.js'

export function registerDiscoveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = ctx.config.publicUrl

  app.get(
    '/.well-known/holdall',
    doc('discovery', 'Host metadata: endpoints, protocol versions, algorithms'),
    async (_request, reply) => {
      return reply.header('cache-control', 'public, max-age=300').send({
        issuer: base,
        protocol_versions: [PROTOCOL_VERSION],
        token_endpoint: `${base}${TOKEN_PATH}`,
        backchannel_authentication_endpoint: `${base}${BC_AUTHORIZE_PATH}`,
        trust_list_uri: `${base}/trust-list`,
        openapi_uri: `${base}/openapi.json`,
        grant_types_supported: [GRANT_TYPE_CIBA, GRANT_TYPE_JWT_BEARER, 'refresh_token'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
        dpop_signing_alg_values_supported: ['EdDSA'],
        backchannel_token_delivery_modes_supported: ['poll'],
        authorization_details_types_supported: ['holdall_records'],
        envelope_suites_supported: [1],
        max_record_bytes: ctx.config.maxRecordBytes,
      })
    },
  )

  app.get('/healthz', doc('discovery', 'Liveness and database check'), async () => {
    await ctx.db.selectFrom('vaults').select('id').limit(1).execute()
    return { status: 'ok' }
  })

  app.get(
    '/trust-list',
    doc('discovery', 'The signed trust list (compact JWS) this host serves'),
    async (_request, reply) => {
      if (ctx.trustList === undefined) throw new HttpProblem('not_found', 'this host serves no trust list')
      return reply
        .header('content-type', 'application/jwt')
        .header('cache-control', 'public, max-age=300')
        .send(ctx.trustList.jws)
    },
  )

  app.get('/openapi.json', doc('discovery', 'This document'), async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(app.swagger()),
  )

  app.get('/docs', doc('discovery', 'A readable list of the endpoints'), async (_request, reply) => {
    const spec = app.swagger() as { paths?: Record<string, Record<string, { summary?: string }>> }
    const rows = Object.entries(spec.paths ?? {})
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(
          ([method, op]) =>
            `<tr><td>${method.toUpperCase()}</td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}</td></tr>`,
        ),
      )
      .join('\n')
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Holdall host API</title><main><h1>Holdall host API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Normative: protocol-spec/ in the Holdall repository.</p><table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>${rows}</tbody></table></main></html>`,
      )
  })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
