import { PROTOCOL_VERSION_HEADER, SUPPORTED_PROTOCOL_VERSIONS } from '@holdall/protocol'
import type { FastifyInstance } from 'fastify'
import { sendProblem } from './errors.js'

const SUPPORTED = new Set<string>(SUPPORTED_PROTOCOL_VERSIONS.map(String))

/**
 * Version agreement (protocol-spec chapter 6): a client sends the version it chose from discovery
 * in the `Holdall-Version` header. A version this host does not speak is refused before any other
 * processing, so a client never gets a half-understood answer. No header means version 1.
 */
export function registerProtocolVersionCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const value = request.headers[PROTOCOL_VERSION_HEADER]
    if (value === undefined) return
    if (typeof value === 'string' && SUPPORTED.has(value.trim())) return
    return sendProblem(reply, 'unsupported_version', `this host speaks protocol versions ${[...SUPPORTED].join(', ')}`)
  })
}
