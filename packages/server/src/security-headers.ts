import type { FastifyInstance } from 'fastify'

/*
 * The security headers on every response ([SEC-HDR-01]), as a fixed table set by one hook.
 * They are byte for byte, and in the same order, what helmet 8 set through @fastify/helmet for
 * the options this host used (CSP default-src, frame-ancestors and base-uri 'none' over helmet's
 * defaults; X-Frame-Options DENY; no-referrer; CORP same-origin). @fastify/helmet rebuilt
 * helmet's middleware, parsing the CSP again, on every request: 5% of the host's CPU on the
 * authorised read (bench/README.md). test/security-headers.test.ts compares this table with
 * what @fastify/helmet sends for those options, on the wire.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  [
    'Content-Security-Policy',
    "default-src 'none';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  ],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'DENY'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
]

/**
 * Sets the table on the raw response at the start of every request, as helmet did, so that
 * errors, 404s and responses a route writes itself carry them too. A route may still replace one
 * (the wallet page sets its own CSP).
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw
    for (const [name, value] of SECURITY_HEADERS) raw.setHeader(name, value)
    done()
  })
}
