import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { verifyTrustList } from '@holdall/client'
import { hostMetadataSchema, PROTOCOL_VERSION } from '@holdall/protocol'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

/** Chapter 5.15: every endpoint a host serves, by method and path. */
const ENDPOINTS = [
  'GET /.well-known/holdall',
  'GET /healthz',
  'GET /trust-list',
  'POST /oauth/token',
  'POST /oauth/bc-authorize',
  'POST /vaults',
  'GET /vaults/{v}',
  'POST /vaults/{v}/devices',
  'PUT /vaults/{v}/blobs/{sha256}',
  'GET /vaults/{v}/blobs/{sha256}',
  'PUT /vaults/{v}/records/{r}/versions/{n}',
  'GET /vaults/{v}/records',
  'GET /vaults/{v}/records/{r}/versions/{n}',
  'GET /vaults/{v}/inbox',
  'POST /vaults/{v}/inbox/{r}/accept',
  'POST /vaults/{v}/pairing-codes',
  'GET /vaults/{v}/requests',
  'POST /vaults/{v}/requests/{q}/approve',
  'POST /vaults/{v}/requests/{q}/deny',
  'GET /vaults/{v}/grants',
  'POST /vaults/{v}/grants/{g}/revoke',
  'GET /vaults/{v}/log',
  'GET /vaults/{v}/events',
  'GET /grant',
  'GET /grant/records',
  'GET /grant/blobs/{sha256}',
  'PUT /grant/blobs/{sha256}',
  'POST /grant/deposits',
]

describe('discovery and versions (chapters 2 and 6)', () => {
  it('[DISC-01] serves host metadata whose issuer is the host and whose endpoints are on it', async () => {
    const response = await fetch(ctx.url('/.well-known/holdall'))
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    const metadata = hostMetadataSchema.parse(await response.json())
    assert.equal(metadata.issuer, ctx.baseUrl)
    for (const endpoint of [
      metadata.token_endpoint,
      metadata.backchannel_authentication_endpoint,
      metadata.trust_list_uri,
      metadata.openapi_uri,
    ]) {
      assert.equal(new URL(endpoint).origin, new URL(ctx.baseUrl).origin, `${endpoint} is not on the host`)
    }
    assert.deepEqual(metadata.dpop_signing_alg_values_supported, ['Ed25519', 'EdDSA'])
    assert.deepEqual(metadata.token_endpoint_auth_signing_alg_values_supported, ['Ed25519', 'EdDSA'])
    assert.ok(metadata.envelope_suites_supported.includes(1))
    assert.ok(metadata.max_record_bytes >= 1024 * 1024, 'a host accepts records of at least 1 MiB')
  })

  it('[DISC-02] answers the health check', async () => {
    const response = await fetch(ctx.url('/healthz'))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { status: 'ok' })
  })

  it('[DISC-03] serves an OpenAPI 3.1 description of its endpoints', async () => {
    const metadata = hostMetadataSchema.parse(await (await fetch(ctx.url('/.well-known/holdall'))).json())
    const response = await fetch(metadata.openapi_uri)
    assert.equal(response.status, 200)
    const document = (await response.json()) as { openapi?: string; paths?: Record<string, unknown> }
    assert.match(document.openapi ?? '', /^3\.1\./)
    assert.ok(Object.keys(document.paths ?? {}).length > 10)
  })

  it('[API-PATH-01] describes every endpoint of the summary table at its path', async () => {
    const document = (await (await fetch(ctx.url('/openapi.json'))).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const served = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`),
      ),
    )
    const missing = ENDPOINTS.filter((endpoint) => !served.has(endpoint.replace(/\{[^}]+\}/g, '{}')))
    assert.deepEqual(missing, [])
  })

  it('[DISC-04] serves its trust list as a compact JWS of type application/jwt', {
    skip: ctx.skipUnless('verified-organisations'),
  }, async () => {
    const response = await fetch(ctx.url('/trust-list'))
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/jwt/)
    const trusted = verifyTrustList(await response.text(), ctx.fixtures.operatorPublicKey)
    assert.ok(trusted.byClientId(ctx.org('gp').clientId))
  })

  it('[VER-01] lists the protocol versions it speaks, including version 1', async () => {
    const metadata = hostMetadataSchema.parse(await (await fetch(ctx.url('/.well-known/holdall'))).json())
    assert.ok(metadata.protocol_versions.includes(PROTOCOL_VERSION))
  })

  it('[VER-02] refuses a request that names a protocol version it does not speak', async () => {
    for (const version of ['999', 'one', '']) {
      const response = await fetch(ctx.url('/.well-known/holdall'), { headers: { 'holdall-version': version } })
      await assertProblem(response, 'unsupported_version')
    }
    const agreed = await fetch(ctx.url('/.well-known/holdall'), { headers: { 'holdall-version': '1' } })
    assert.equal(agreed.status, 200)
  })
})
