import { vaultPathSchema } from '@holdall/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { dpopAccessToken } from '../auth/tokens.js'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import type { HolderPrincipal } from '../http/principal.js'
import { type App, binaryBody, route } from '../http/route.js'
import type { VaultEvent } from '../services/notifier.js'
import { StreamSlots } from '../services/stream-slots.js'

const HEARTBEAT_MS = 15_000
/** A holder's wallet needs one stream per open screen: a few per device is plenty. */
const STREAMS_PER_DEVICE = 4
/** Several devices (a household, a support worker's office) may share one address. */
const STREAMS_PER_ADDRESS = 32
/**
 * Events the holder's devices are told of (a recovery started or cancelled, another device
 * removed: spec 9); 'tokens_revoked' only closes streams, and 'device_removed' also ends the
 * removed device's own streams (services/stream-slots.ts).
 */
const FORWARDED = new Set<VaultEvent['type']>(['request', 'deposit', 'grant_revoked', 'recovery', 'device_removed'])

/** Server-sent events: a hint to a holder's devices that a request or deposit arrived (spec 5.15). */
export function registerEventRoutes(app: App, ctx: AppContext): void {
  const slots = new StreamSlots({ perDevice: STREAMS_PER_DEVICE, perAddress: STREAMS_PER_ADDRESS })
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/events',
    auth: 'holder',
    tag: 'holder',
    summary: 'Server-sent events: new requests and deposits',
    schema: { params: vaultPathSchema, produces: ['text/event-stream'], response: { 200: binaryBody } },
    hijacks: true,
    async handler(request, reply, principal) {
      // HEAD (RFC 9110 9.3.2) says what a GET would start, and holds no stream or slot open.
      if (request.method === 'HEAD') return reply.code(200).type('text/event-stream').send('')
      const release = slots.acquire(principal.deviceId, request.ip)
      if (release === undefined) {
        throw new HttpProblem('rate_limited', 'too many event streams open; close one first', {
          headers: { 'retry-after': '15' },
        })
      }
      try {
        await openStream(ctx, request, reply, principal, release)
      } catch (error) {
        release()
        throw error
      }
    },
  })
}

/**
 * A stream lives no longer than what let it open: it ends when its access token expires (on the
 * host's clock), when its token family is revoked or its device removed (a notice on the
 * notifier, from any instance), and at the first heartbeat that finds either, should a notice be lost.
 */
async function openStream(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: HolderPrincipal,
  release: () => void,
): Promise<void> {
  const tokenHash = sha256Base64url(dpopAccessToken(String(request.headers.authorization)) ?? '')
  const token = await ctx.repos.tokens.stream(tokenHash)
  if (token === undefined) throw new HttpProblem('unauthorized', 'the access token is not valid')
  reply.hijack()
  const raw = reply.raw
  raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
  raw.write(': connected\n\n')
  const unsubscribe = ctx.notifier.subscribe(principal.vaultId, (event) => {
    if (
      (event.type === 'device_removed' && event.id === principal.deviceId) ||
      (event.type === 'tokens_revoked' && event.id === token.family) ||
      event.type === 'vault_erased'
    )
      end()
    else if (FORWARDED.has(event.type)) raw.write(`event: ${event.type}\ndata: ${JSON.stringify({ id: event.id })}\n\n`)
  })
  const expiry = setTimeout(() => end(), Math.max(0, Number(token.expires_at) - ctx.clock()))
  const heartbeat = setInterval(() => {
    raw.write(': keep-alive\n\n')
    void ctx.repos.tokens.stream(tokenHash).then(
      (now) => {
        if (now === undefined || now.revoked !== 0 || now.device_status !== 'active') end()
      },
      () => {},
    )
  }, HEARTBEAT_MS)
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    clearTimeout(expiry)
    clearInterval(heartbeat)
    unsubscribe()
    release()
  }
  function end() {
    close()
    raw.end()
  }
  request.raw.on('close', close)
  raw.on('close', close)
}
