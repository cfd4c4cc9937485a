import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthSchema } from '@holdall/protocol'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import type { ServerConfig } from '../src/config.js'
import { declaredRoutes } from '../src/http/authenticate.js'
import { AUTH_KINDS } from '../src/http/principal.js'
import { type App, route } from '../src/http/route.js'

/*
 * Every route declares who may call it and what it answers (http/route.ts). These tests read the
 * routes back from a built host and fail on one that declares nothing, and show that a response
 * that drifts from its declared schema never leaves the host.
 */

function config(dataDir: string): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    dataDir,
    publicUrl: 'http://127.0.0.1:1',
    allowLoopbackMetadata: true,
    maxRecordBytes: 1024 * 1024,
    vaultQuotaBytes: 10 * 1024 * 1024,
    trustListFile: undefined,
  }
}

describe('routes declare their callers and their responses', () => {
  let dataDir: string
  let app: FastifyInstance

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'holdall-routes-'))
    app = await buildApp({ config: config(dataDir), rateLimits: false })
    // Added before the app is ready, through the same helper as every real route: it sends a
    // body its schema does not allow, as a route drifting from the spec would.
    route(app as App, {
      method: 'GET',
      url: '/test/drifting',
      auth: 'public',
      tag: 'test',
      summary: 'answers with what it does not declare',
      schema: { response: { 200: healthSchema } },
      handler: async () => ({ status: 'fine', extra: 1 }),
    })
    route(app as App, {
      method: 'GET',
      url: '/test/faithful',
      auth: 'public',
      tag: 'test',
      summary: 'answers with what it declares',
      schema: { response: { 200: healthSchema } },
      handler: async () => ({ status: 'ok' }),
    })
    await app.ready()
  })
  afterAll(async () => {
    await app?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('every route declares one of the known kinds of caller', () => {
    const routes = declaredRoutes(app)
    expect(routes.length).toBeGreaterThan(30)
    for (const r of routes) expect(AUTH_KINDS, `${r.method} ${r.url}`).toContain(r.auth)
    const byUrl = new Map(routes.map((r) => [`${r.method} ${r.url}`, r.auth]))
    expect(byUrl.get('GET /vaults/:vaultId/records')).toBe('holder')
    expect(byUrl.get('GET /grant/records')).toBe('grantee')
    expect(byUrl.get('POST /grant/deposits')).toBe('issuer')
    expect(byUrl.get('POST /vaults')).toBe('new-device')
    expect(byUrl.get('POST /oauth/token')).toBe('oauth')
    expect(byUrl.get('GET /.well-known/holdall')).toBe('public')
  })

  it('every API route declares a schema for each of its answers, errors included', () => {
    for (const r of declaredRoutes(app)) {
      const schema = r.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined
      if (schema?.hide === true) continue // the wallet's static files
      const codes = Object.keys(schema?.response ?? {})
      expect(
        codes.some((c) => /^2\d\d$/.test(c)),
        `${r.method} ${r.url} declares no success response`,
      ).toBe(true)
      expect(codes, `${r.method} ${r.url}`).toEqual(expect.arrayContaining(['4xx', '5xx']))
    }
  })

  it('a route that declares no caller stops the host from starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdall-routes-'))
    const other = await buildApp({ config: config(dir), rateLimits: false })
    try {
      expect(() => other.get('/test/undeclared', async () => ({}))).toThrow(/declares no authentication/)
    } finally {
      await other.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a response that does not match its declared schema is never sent', async () => {
    const faithful = await app.inject({ method: 'GET', url: '/test/faithful' })
    expect(faithful.statusCode).toBe(200)
    const drifting = await app.inject({ method: 'GET', url: '/test/drifting' })
    expect(drifting.statusCode).toBe(500)
    expect(drifting.json()).toMatchObject({ code: 'internal' })
    expect(drifting.body).not.toContain('fine')
  })

  it('/openapi.json lists every response and security requirement', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      components: { securitySchemes: Record<string, unknown> }
      paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses?: object }>>
    }
    const schemes = Object.keys(spec.components.securitySchemes)
    expect(schemes).toEqual(expect.arrayContaining(['dpop', 'dpopProof', 'privateKeyJwt']))
    let operations = 0
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        operations++
        const where = `${method.toUpperCase()} ${path}`
        expect(operation.security, where).toBeDefined()
        for (const requirement of operation.security ?? []) {
          for (const name of Object.keys(requirement)) expect(schemes, where).toContain(name)
        }
        const codes = Object.keys(operation.responses ?? {})
        expect(
          codes.some((c) => /^2\d\d$/.test(c)),
          where,
        ).toBe(true)
        expect(
          codes.some((c) => /^4/i.test(c)),
          where,
        ).toBe(true)
      }
    }
    expect(operations).toBeGreaterThan(30)
    expect(spec.paths['/vaults/{vaultId}/records']?.get?.security).toEqual([{ dpop: [] }])
    expect(spec.paths['/healthz']?.get?.security).toEqual([])
  })
})
