import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HolderClient } from '@holdall/client'
import { generateSigningKeyPair } from '@holdall/crypto'
import { ERROR_CODES } from '@holdall/protocol'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { craftProof, deviceAccessToken, type Scenario, scenario } from './attacks/support.js'
import { type Host, startHost } from './harness.js'

/*
 * Property-based fuzzing of every route, from the JSON Schemas the host publishes at
 * /openapi.json (generated from the zod schemas the routes validate with). Each generated
 * request is valid-looking (drawn from the schema), broken (a member dropped, added or of the
 * wrong type, odd path ids, other content types, random bytes) or both, and is sent with no
 * credentials, garbage credentials or real ones. Properties: never a 5xx; every error is
 * problem+json (RFC 6749 JSON at the OAuth endpoints) with a known code and matching status;
 * a refused request changes nothing in the database or the blob folder; the host is healthy
 * afterwards. Rate limits are off here (they are tested in attacks/limits.test.ts).
 */

type JsonSchema = {
  type?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  minItems?: number
  maxItems?: number
  pattern?: string
}
type Operation = {
  parameters?: { name: string; in: string; schema: JsonSchema }[]
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
}

/** A fast-check arbitrary for values that satisfy the schema (the subset zod emits here). */
function fromSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum)
  switch (schema.type) {
    case 'object': {
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const record: Record<string, fc.Arbitrary<unknown>> = {}
      for (const [name, property] of Object.entries(properties)) record[name] = fromSchema(property)
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in properties) })
    }
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      })
    case 'string': {
      const constraints = { minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 64, 400) }
      if (schema.pattern !== '^[A-Za-z0-9_-]*$') return fc.string(constraints)
      // Random bytes, base64url-encoded and cut to length: much faster than character by character.
      return fc
        .tuple(
          fc.integer({ min: constraints.minLength, max: constraints.maxLength }),
          fc.uint8Array({
            minLength: Math.ceil((constraints.maxLength * 3) / 4),
            maxLength: Math.ceil((constraints.maxLength * 3) / 4),
          }),
        )
        .map(([length, bytes]) => Buffer.from(bytes).toString('base64url').slice(0, length))
    }
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1e6, Number.MIN_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER),
      })
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true })
    case 'boolean':
      return fc.boolean()
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** Values that break a schema in the ways a careless or hostile client would. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '..',
    '../../holdall.sqlite3',
    '%00',
    '\u0000',
    'A'.repeat(300),
    '🙂🙂',
    '__proto__',
    'constructor',
    ' ',
    '',
  ),
)
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 53, 1e308, -0, null, true, [], {}),
  fc.jsonValue({ maxDepth: 3 }),
)

function brokenBody(schema: JsonSchema): fc.Arbitrary<unknown> {
  const valid = fromSchema(schema)
  const names = Object.keys(schema.properties ?? {})
  return fc.oneof(
    // Drop a member.
    fc.tuple(valid, fc.constantFrom(...(names.length > 0 ? names : ['x']))).map(([v, name]) => {
      const copy = { ...(v as Record<string, unknown>) }
      delete copy[name]
      return copy
    }),
    // Add an unknown member (mass assignment), or a poisoned one.
    fc
      .tuple(valid, fc.constantFrom('scope', 'admin', 'status', 'vault_id', 'extra'), hostileValue)
      .map(([v, name, value]) => ({
        ...(v as Record<string, unknown>),
        [name]: value,
      })),
    // A member of the wrong type or shape.
    fc.tuple(valid, fc.constantFrom(...(names.length > 0 ? names : ['x'])), hostileValue).map(([v, name, value]) => ({
      ...(v as Record<string, unknown>),
      [name]: value,
    })),
    // Not an object at all.
    hostileValue,
    fc.array(valid, { maxLength: 2 }),
  )
}

interface Generated {
  auth: 'none' | 'garbage' | 'valid'
  pathParams: Record<string, string>
  body: { kind: 'none' } | { kind: 'json'; text: string } | { kind: 'raw'; contentType: string; bytes: Uint8Array }
}

describe('fuzzing every route from its schema', () => {
  let host: Host
  let s: Scenario
  let deviceToken = ''
  let db: Database.Database
  const counts = new Map<string, number>()
  const millis = new Map<string, number>()
  const statuses = new Map<number, number>()

  beforeAll(async () => {
    host = await startHost({ maxRecordBytes: 64 * 1024 }, { app: { rateLimits: false } })
    s = await scenario(host)
    deviceToken = await deviceAccessToken(s.holder, s.device)
    db = new Database(join(host.dataDir, 'holdall.sqlite3'), { readonly: true })
  })
  afterAll(async () => {
    db?.close()
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    const lines = [...counts.entries()].map(
      ([route, n]) =>
        `  ${String(n).padStart(5)} requests ${String(Math.round(millis.get(route) ?? 0)).padStart(6)} ms  ${route}`,
    )
    const byStatus = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}:${n}`)
    process.stdout.write(`fuzz: ${total} generated requests\n${lines.join('\n')}\n  by status ${byStatus.join(' ')}\n`)
    await host?.close()
  })

  let counter: Database.Statement | undefined
  /** Row counts of every table but dpop_jti and rate_limit_counters (see attacks/support.ts), and every file. */
  const snapshot = () => {
    if (counter === undefined) {
      const names = (
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('dpop_jti', 'rate_limit_counters') AND name NOT LIKE 'sqlite_%'",
          )
          .all() as { name: string }[]
      ).map((t) => t.name)
      counter = db.prepare(`SELECT ${names.map((n, i) => `(SELECT count(*) FROM "${n}") AS c${i}`).join(', ')}`)
    }
    const rows = counter.get()
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name.startsWith('holdall.sqlite3')) continue
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(`${path}:${statSync(path).size}`)
      }
    }
    walk(host.dataDir)
    return JSON.stringify({ rows, files: files.sort() })
  }

  it('[API-ERR-01][SEC-ERR-01] never answers 5xx, always problem+json, writes nothing when it refuses, over at least 10,000 requests', async () => {
    const spec = (await host.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>
    }
    const routes = Object.entries(spec.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    )
    expect(routes.length).toBeGreaterThanOrEqual(29)
    const runsPerRoute = Math.ceil(10_000 / routes.length)

    const stranger = generateSigningKeyPair()
    let before = snapshot()
    for (const { path, method, op } of routes) {
      const route = `${method} ${path}`
      const started = performance.now()
      const oauth = path.startsWith('/oauth/')
      const streaming = path.endsWith('/events')
      const params = (op.parameters ?? []).filter((p) => p.in === 'path')
      const paramArb = fc.record(
        Object.fromEntries(
          params.map((p) => [
            p.name,
            fc.oneof(
              { weight: 3, arbitrary: fromSchema(p.schema).map(String) },
              {
                weight: 2,
                arbitrary: fc.constant(
                  p.name === 'vaultId'
                    ? s.holder.vaultId
                    : p.name === 'sha256'
                      ? ((s.gpGrant.grant as unknown as { records?: { ciphertext_sha256: string }[] }).records?.[0]
                          ?.ciphertext_sha256 ?? 'x')
                      : 'x',
                ),
              },
              { weight: 2, arbitrary: hostileString },
            ),
          ]),
        ),
      ) as fc.Arbitrary<Record<string, string>>
      const jsonSchema = op.requestBody?.content['application/json']?.schema
      const formArb = fc
        .dictionary(
          fc.constantFrom(
            'grant_type',
            'client_id',
            'client_assertion_type',
            'client_assertion',
            'login_hint',
            'binding_message',
            'authorization_details',
            'auth_req_id',
            'refresh_token',
            'assertion',
            'scope',
          ),
          fc.oneof(
            hostileString,
            fc.constantFrom(
              'urn:openid:params:grant-type:ciba',
              'urn:ietf:params:oauth:grant-type:jwt-bearer',
              'refresh_token',
              'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
              'http://127.0.0.1:1/org',
              'https://10.0.0.1/org',
              '[{"type":"holdall_records","actions":["read"],"record_types":["medication_list"],"purpose":"x","duration_days":1}]',
              'ABCD-EFGH',
            ),
          ),
          { maxKeys: 6 },
        )
        .map((form) => ({
          kind: 'raw' as const,
          contentType: 'application/x-www-form-urlencoded',
          bytes: new TextEncoder().encode(new URLSearchParams(form).toString()),
        }))
      const bodyArb: fc.Arbitrary<Generated['body']> = fc.oneof(
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
        {
          weight: jsonSchema ? 4 : 1,
          arbitrary: (jsonSchema
            ? fc.oneof(fromSchema(jsonSchema), brokenBody(jsonSchema))
            : fc.jsonValue({ maxDepth: 3 })
          ).map((v) => ({
            kind: 'json' as const,
            text: JSON.stringify(v) ?? 'null',
          })),
        },
        { weight: oauth ? 4 : 1, arbitrary: formArb },
        {
          weight: 1,
          arbitrary: fc
            .tuple(
              fc.constantFrom(
                'application/octet-stream',
                'text/plain',
                'application/xml',
                'multipart/form-data; boundary=x',
                'application/json',
              ),
              fc.uint8Array({ maxLength: 600 }),
            )
            .map(([contentType, bytes]) => ({ kind: 'raw' as const, contentType, bytes })),
        },
      )
      const requestArb = fc.record({
        auth: streaming
          ? fc.constantFrom('none' as const, 'garbage' as const)
          : fc.constantFrom('none' as const, 'garbage' as const, 'valid' as const),
        pathParams: paramArb,
        body: method === 'GET' ? fc.constant({ kind: 'none' as const }) : bodyArb,
      })

      await fc.assert(
        fc.asyncProperty(requestArb, async (generated: Generated) => {
          const url = path.replace(/\{(\w+)\}/g, (_m, name: string) =>
            encodeURIComponent(generated.pathParams[name] ?? ''),
          )
          const headers: Record<string, string> = {}
          const grantee = url.startsWith('/grant')
          const token = grantee ? s.gpGrant.token : deviceToken
          const signer = grantee ? host.orgs.gp.identity.keys.signing : s.holder.deviceKeys.signing
          if (generated.auth === 'valid') {
            headers.authorization = `DPoP ${token}`
            headers.dpop = craftProof(signer, { url: `${host.url}${url}`, method, accessToken: token })
          } else if (generated.auth === 'garbage') {
            headers.authorization = 'DPoP not-a-token'
            headers.dpop = craftProof(stranger, { url: `${host.url}${url}`, method })
          }
          let payload: string | Buffer | undefined
          if (generated.body.kind === 'json') {
            headers['content-type'] = 'application/json'
            payload = generated.body.text
          } else if (generated.body.kind === 'raw') {
            headers['content-type'] = generated.body.contentType
            payload = Buffer.from(generated.body.bytes)
          }
          const response = await host.app.inject({
            method: method as 'GET',
            url,
            headers,
            ...(payload === undefined ? {} : { payload }),
          })
          counts.set(route, (counts.get(route) ?? 0) + 1)
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
          expect(response.statusCode, `${method} ${url}`).toBeLessThan(500)
          if (response.statusCode < 400) {
            before = snapshot() // an accepted request may write: the next comparison starts here
            return
          }
          const contentType = String(response.headers['content-type'] ?? '')
          const body = response.json() as { code?: string; status?: number; error?: string }
          if (oauth && contentType.startsWith('application/json')) {
            expect(typeof body.error).toBe('string')
          } else {
            expect(contentType, `${method} ${url}`).toMatch(/^application\/problem\+json/)
            expect(Object.keys(ERROR_CODES)).toContain(body.code)
            expect(body.status).toBe(response.statusCode)
          }
          expect(snapshot(), `${method} ${url} ${response.statusCode} wrote something`).toBe(before)
        }),
        {
          numRuns: runsPerRoute,
          seed: Number(process.env.HOLDALL_FUZZ_SEED ?? Date.now() % 2 ** 31),
          endOnFailure: true,
        },
      )
      millis.set(route, performance.now() - started)
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThanOrEqual(10_000)
    const health = await fetch(`${host.url}/healthz`)
    expect(health.status).toBe(200)
    // And a real client still works end to end.
    const fresh = await HolderClient.createVault(host.url)
    expect((await fresh.createPairingCode()).code).toMatch(/^[0-9A-Z]{4}-?[0-9A-Z]{4}$/)
  }, 180_000)
})
