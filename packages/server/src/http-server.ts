import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { ERROR_CODES, type ErrorCode, PROBLEM_CONTENT_TYPE, problemType } from '@holdall/protocol'
import { TITLES } from './errors.js'

/** Node's default; stated here because the security chapter promises it. */
export const MAX_HEADER_BYTES = 16 * 1024

export interface HttpLimits {
  /** A whole request, body included (slowloris, a Content-Length that overstates the body). */
  readonly requestTimeoutMs: number
  /** An idle socket. */
  readonly idleTimeoutMs: number
}

/**
 * The HTTP server under Fastify, built here so that its limits are ours: Node checks request
 * timeouts only every `connectionsCheckingInterval` (30 s by default), which would let a slow
 * upload outlive a short timeout by half a minute.
 */
export function httpServerFactory(limits: HttpLimits) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const server = createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: Math.min(limits.requestTimeoutMs, 30_000),
        connectionsCheckingInterval: Math.max(250, Math.min(limits.requestTimeoutMs / 4, 30_000)),
        keepAliveTimeout: 5_000,
      },
      handler,
    )
    server.setTimeout(limits.idleTimeoutMs)
    return server
  }
}

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (a folded or NUL-bearing
 * header, bytes after a body shorter than announced, headers over the limit, a request too slow)
 * with problem+json like every other error, then closes the connection.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [code, detail]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['headers_too_large', `headers larger than ${MAX_HEADER_BYTES} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['invalid_request', 'the request was not completed in time']
        : ['invalid_request', 'the request is not valid HTTP']
  const status = ERROR_CODES[code]
  const body = JSON.stringify({ type: problemType(code), title: TITLES[code], status, code, detail })
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\ncache-control: no-store\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
