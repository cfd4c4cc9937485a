import { vaultPathSchema } from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, binaryBody, route } from '../http/route.js'

const HEARTBEAT_MS = 15_000

/** Server-sent events: a hint to a holder's devices that a request or deposit arrived (spec 5.15). */
export function registerEventRoutes(app: App, ctx: AppContext): void {
  const slots = ctx.streams
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/events',
    auth: 'holder',
    tag: 'holder',
    summary: 'Server-sent events: new requests and deposits',
    schema: { params: vaultPathSchema, produces: ['text/event-stream'], response: { 200: binaryBody } },
    hijacks: true,
    async handler(request, reply, principal) {
      let end = () => {}
      const release = slots.acquire(principal.deviceId, request.ip, () => end())
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
      // A removed device's streams end at once (spec 9.2).
      end = () => {
        close()
        raw.end()
      }
    },
  })
}
