import { vaultPathSchema } from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, binaryBody, route } from '../http/route.js'
import { StreamSlots } from '../services/stream-slots.js'

const HEARTBEAT_MS = 15_000
/** A holder's wallet needs one stream per open screen: a few per device is plenty. */
const STREAMS_PER_DEVICE = 4
/** Several devices (a household, a support worker's office) may share one address. */
const STREAMS_PER_ADDRESS = 32

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
      const release = slots.acquire(principal.deviceId, request.ip)
      if (release === undefined) {
        throw new HttpProblem('rate_limited', 'too many event streams open; close one first', {
          headers: { 'retry-after': '15' },
        })
      }
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
      raw.write(': connected\n\n')
      const unsubscribe = ctx.notifier.subscribe(principal.vaultId, (event) => {
        raw.write(`event: ${event.type}\ndata: ${JSON.stringify({ id: event.id })}\n\n`)
      })
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS)
      const close = () => {
        clearInterval(heartbeat)
        unsubscribe()
        release()
      }
      request.raw.on('close', close)
      raw.on('close', close)
    },
  })
}
