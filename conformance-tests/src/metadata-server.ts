import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Serves the organisations' metadata documents, as each organisation's own website would. The host
 * under test fetches them by their client_id URLs, so it must be able to reach this server.
 */
export async function serveMetadata(
  documents: Map<string, unknown>,
  listen: { host: string; port: number },
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const document = request.method === 'GET' ? documents.get(request.url ?? '') : undefined
    if (document === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, resolve)
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
