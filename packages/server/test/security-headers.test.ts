import { connect } from 'node:net'
import fastifyHelmet from '@fastify/helmet'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerHardening } from '../src/hardening.js'
import { SECURITY_HEADERS } from '../src/security-headers.js'
import { type Host, startHost } from './harness.js'

/*
 * [SEC-HDR-01] The security headers come from a fixed table (src/security-headers.ts) instead of
 * @fastify/helmet, which rebuilt helmet's middleware on every request. The table must send what
 * helmet sent for the options the host used, byte for byte and in the same order, on the wire.
 */

/** The options the host gave @fastify/helmet before the table replaced it. */
const OLD_HELMET_OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] } },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
}

const SECURITY_NAMES = new Set(SECURITY_HEADERS.map(([name]) => name.toLowerCase()))

/** The response head's header lines exactly as they crossed the socket. */
function rawHeaderLines(url: string, path: string): Promise<string[]> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`)
    })
    let data = ''
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1')
    })
    socket.on('end', () => resolve(data.slice(0, data.indexOf('\r\n\r\n')).split('\r\n').slice(1)))
    socket.on('error', reject)
  })
}

/** The security header lines of a response, in the order sent. */
const securityLines = (lines: string[]) =>
  lines.filter((l) => SECURITY_NAMES.has(l.slice(0, l.indexOf(':')).toLowerCase()))

async function tinyApp(
  withHeaders: (app: FastifyInstance) => Promise<void>,
): Promise<{ url: string; app: FastifyInstance }> {
  const app = Fastify()
  await withHeaders(app)
  app.get('/ok', async () => ({ ok: true }))
  app.get('/fails', async () => {
    throw new Error('boom')
  })
  app.get('/raw', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'text/plain' })
    reply.raw.end('written by the route itself')
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, app }
}

describe('[SEC-HDR-01] security headers from a fixed table', () => {
  let old: Awaited<ReturnType<typeof tinyApp>>
  let now: Awaited<ReturnType<typeof tinyApp>>
  let host: Host
  beforeAll(async () => {
    old = await tinyApp(async (app) => {
      await app.register(fastifyHelmet, OLD_HELMET_OPTIONS)
    })
    now = await tinyApp((app) => registerHardening(app, { rateLimits: false }))
    host = await startHost()
  })
  afterAll(async () => {
    await old?.app.close()
    await now?.app.close()
    await host?.close()
  })

  it('sends on the wire exactly the lines @fastify/helmet sent, in its order: a reply, an error, a 404 and a hijacked reply', async () => {
    const expected = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`)
    for (const path of ['/ok', '/fails', '/nothing-here', '/raw']) {
      const before = await rawHeaderLines(old.url, path)
      const after = await rawHeaderLines(now.url, path)
      expect(securityLines(before), path).toEqual(expected)
      expect(securityLines(after), path).toEqual(securityLines(before))
      expect(
        after.some((line) => /^x-powered-by:/i.test(line)),
        path,
      ).toBe(false)
    }
  })

  it('sends the same lines from the host on public, refused, missing and authenticated-only routes', async () => {
    const expected = SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`)
    for (const path of ['/healthz', '/.well-known/holdall', '/nothing-here', '/grant/records', '/openapi.json']) {
      expect(securityLines(await rawHeaderLines(host.url, path)), path).toEqual(expected)
    }
  })
})
