import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'

/*
 * Serves a built wallet (packages/wallet/dist, or any directory of the same shape) at `/`. The
 * host only serves files: it never imports the wallet's code. The file list is read once at
 * start, so a request can name only a file that was there (no path is ever joined from input).
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
}

/** No inline script or style, no eval, nothing from another origin, no framing. */
export const WALLET_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

interface WalletFile {
  readonly body: Buffer
  readonly contentType: string
  readonly cacheControl: string
}

function walletFiles(dir: string): Map<string, WalletFile> {
  const files = new Map<string, WalletFile>()
  const add = (urlPath: string, filePath: string, name: string) => {
    const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))]
    if (contentType === undefined) return
    files.set(urlPath, {
      body: readFileSync(filePath),
      contentType,
      // Hashed names never change: cache for a year. Everything else is checked on every load.
      cacheControl: urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
  }
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      if (name === 'assets') for (const asset of readdirSync(path)) add(`/assets/${asset}`, join(path, asset), asset)
    } else add(name === 'index.html' ? '/' : `/${name}`, path, name)
  }
  return files
}

export function registerWalletFiles(app: FastifyInstance, dir: string): void {
  const files = walletFiles(dir)
  for (const [urlPath, file] of files) {
    app.get(urlPath, { schema: { hide: true }, config: { auth: 'public' } }, async (_request, reply) =>
      reply
        .header('content-type', file.contentType)
        .header('cache-control', file.cacheControl)
        .header('content-security-policy', WALLET_CSP)
        .header('cross-origin-opener-policy', 'same-origin')
        .header('cross-origin-resource-policy', 'same-origin')
        .header('permissions-policy', 'camera=(), microphone=(), geolocation=()')
        .send(file.body),
    )
  }
}
