import { formatVerifierKey } from '@holdall/log'
import {
  authorizationServerMetadataSchema,
  ED25519_JOSE_ALGS,
  healthSchema,
  hostMetadataSchema,
  PROTOCOL_VERSION,
} from '@holdall/protocol'
import { z } from 'zod'
import { type AppContext, BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, binaryBody, route } from '../http/route.js'
import { authorizationServerMetadata } from '../oauth/authorization-server-metadata.js'
import { GRANT_TYPE_CIBA, GRANT_TYPE_JWT_BEARER } from './oauth.js'

/** Discovery (spec 5.2), the trust list (5.4), health, and this API's own description. */
export function registerDiscoveryRoutes(app: App, ctx: AppContext): void {
  const base = ctx.config.publicUrl
  const discovery = { auth: 'public', tag: 'discovery', method: 'GET' } as const

  route(app, {
    ...discovery,
    url: '/.well-known/holdall',
    summary: 'Host metadata: endpoints, protocol versions, algorithms',
    schema: { response: { 200: hostMetadataSchema } },
    async handler(_request, reply) {
      return reply.header('cache-control', 'public, max-age=300').send({
        issuer: base,
        protocol_versions: [PROTOCOL_VERSION],
        token_endpoint: `${base}${TOKEN_PATH}`,
        backchannel_authentication_endpoint: `${base}${BC_AUTHORIZE_PATH}`,
        trust_list_uri: `${base}/trust-list`,
        openapi_uri: `${base}/openapi.json`,
        grant_types_supported: [GRANT_TYPE_CIBA, GRANT_TYPE_JWT_BEARER, 'refresh_token'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: [...ED25519_JOSE_ALGS],
        dpop_signing_alg_values_supported: [...ED25519_JOSE_ALGS],
        backchannel_token_delivery_modes_supported: ['poll'],
        authorization_details_types_supported: ['holdall_records'],
        envelope_suites_supported: [1],
        max_record_bytes: ctx.config.maxRecordBytes,
        log_verifier_keys: ctx.logCheckpoints.keys.verifierKeys.map(formatVerifierKey),
      })
    },
  })

  registerOAuthDiscovery(app, base)

  route(app, {
    ...discovery,
    url: '/healthz',
    summary: 'Liveness and database check',
    schema: { response: { 200: healthSchema } },
    async handler() {
      await ctx.repos.vaults.ping()
      return { status: 'ok' as const }
    },
  })

  route(app, {
    ...discovery,
    url: '/trust-list',
    summary: 'The signed trust list (compact JWS) this host serves',
    schema: { produces: ['application/jwt'], response: { 200: binaryBody } },
    async handler(_request, reply) {
      if (ctx.trustList === undefined) throw new HttpProblem('not_found', 'this host serves no trust list')
      return reply
        .header('content-type', 'application/jwt')
        .header('cache-control', 'public, max-age=300')
        .send(ctx.trustList.jws)
    },
  })

  route(app, {
    ...discovery,
    url: '/openapi.json',
    summary: 'This document',
    schema: { response: { 200: z.record(z.string(), z.unknown()) } },
    handler: async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(app.swagger() as Record<string, unknown>),
  })

  route(app, {
    ...discovery,
    url: '/docs',
    summary: 'A readable list of the endpoints',
    schema: { produces: ['text/html'], response: { 200: binaryBody } },
    handler: async (_request, reply) => {
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
    },
  })
}

/**
 * [DISC-06] Where stock OAuth libraries look (RFC 8414). No openid-configuration: this host
 * issues no ID tokens, so it is not an OpenID Provider (spec 2.1).
 */
function registerOAuthDiscovery(app: App, base: string): void {
  route(app, {
    auth: 'public',
    tag: 'discovery',
    method: 'GET',
    url: '/.well-known/oauth-authorization-server',
    summary: 'RFC 8414 authorization server metadata, for stock OAuth libraries',
    schema: { response: { 200: authorizationServerMetadataSchema } },
    async handler(_request, reply) {
      return reply.header('cache-control', 'public, max-age=300').send(authorizationServerMetadata(base))
    },
  })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
