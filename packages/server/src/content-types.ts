import type { FastifyInstance } from 'fastify'
import { sendProblem } from './errors.js'

/**
 * Each endpoint takes one content type (chapter 5.1): JSON where the route has a body schema,
 * octet-stream where it declares `consumes`. Anything else is 415, never parsed as something it
 * is not: the octet-stream parser (for envelopes) would hand a stream to a JSON route. (app.ts
 * removes fastify's default text/plain parser for the same reason.)
 */
export function registerContentTypeRules(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    const schema = request.routeOptions.schema as { body?: unknown; consumes?: readonly string[] } | undefined
    const expected = schema?.consumes?.[0] ?? (schema?.body === undefined ? undefined : 'application/json')
    if (expected === undefined) return
    const actual = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (actual !== expected) return sendProblem(reply, 'unsupported_media_type', `this endpoint takes ${expected}`)
  })
}
