import { createServer, type Server } from 'node:http'
import { READER_PAGE, READER_SCRIPT } from './page.js'
import type { OfflineReader } from './reader.js'

/** A share's text is at most 2,956 symbols; anything far longer is not one. */
const MAX_BODY = 8 * 1024

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/**
 * The desk's own small web server: the page, its script, and POST /verify. It listens on the
 * desk's machine (loopback by default); what it verifies never leaves it.
 */
export async function startReaderServer(
  reader: OfflineReader,
  options: { port?: number; host?: string } = {},
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type })
      response.end(body)
    }
    if (request.method === 'GET' && request.url === '/') return send(200, 'text/html; charset=utf-8', READER_PAGE)
    if (request.method === 'GET' && request.url === '/reader.js')
      return send(200, 'text/javascript; charset=utf-8', READER_SCRIPT)
    if (request.method !== 'POST' || request.url !== '/verify') return send(404, 'text/plain', 'Not found')
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        send(
          413,
          'application/json',
          JSON.stringify({ ok: false, heading: 'Not accepted', lines: ['That is too long to be a Holdall code.'] }),
        )
        request.destroy()
      } else chunks.push(chunk)
    })
    request.on('end', () => {
      if (size > MAX_BODY) return
      reader
        .verify(Buffer.concat(chunks).toString('utf8'))
        .then((view) => send(200, 'application/json', JSON.stringify(view)))
        .catch(() =>
          send(
            500,
            'application/json',
            JSON.stringify({
              ok: false,
              heading: 'Not checked',
              lines: ['This desk could not check codes: its trust list may have run out.'],
            }),
          ),
        )
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
