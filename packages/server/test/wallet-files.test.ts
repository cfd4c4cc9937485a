import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import type { ServerConfig } from '../src/config.js'

/* The host serves a built wallet as plain files: only files that were there at start, strict headers. */

const dataDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-files-'))
const walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-dist-'))
const config: ServerConfig = {
  host: '127.0.0.1',
  port: 0,
  dataDir,
  publicUrl: 'http://127.0.0.1:8080',
  allowLoopbackMetadata: false,
  maxRecordBytes: 1024 * 1024,
  vaultQuotaBytes: 10 * 1024 * 1024,
  trustListFile: undefined,
}

describe('the wallet’s files', () => {
  let app: FastifyInstance
  let bare: FastifyInstance

  beforeAll(async () => {
    mkdirSync(join(walletDir, 'assets'))
    writeFileSync(join(walletDir, 'index.html'), '<!doctype html><title>wallet</title>')
    writeFileSync(join(walletDir, 'sw.js'), 'self.addEventListener("fetch", () => {})')
    writeFileSync(join(walletDir, 'assets/app-0123456789ab.js'), 'console.log(1)')
    writeFileSync(join(walletDir, 'assets/notes.txt'), 'not a served type')
    app = await buildApp({ config, walletDir })
    bare = await buildApp({ config: { ...config, dataDir: mkdtempSync(join(tmpdir(), 'holdall-bare-')) } })
  })

  afterAll(async () => {
    await app.close()
    await bare.close()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(walletDir, { recursive: true, force: true })
  })

  it('serves index.html at / with a CSP that allows no inline script, no eval and no framing', async () => {
    const response = await app.inject({ method: 'GET', url: '/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = String(response.headers['content-security-policy'])
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
    expect(response.headers['cache-control']).toBe('no-cache')
    expect(response.headers['x-content-type-options']).toBe('nosniff')
  })

  it('caches hashed assets for a year and the service worker not at all', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/app-0123456789ab.js' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const worker = await app.inject({ method: 'GET', url: '/sw.js' })
    expect(worker.headers['cache-control']).toBe('no-cache')
  })

  it('serves nothing else: no other types, no paths made from input, problem+json 404s', async () => {
    for (const url of [
      '/assets/notes.txt',
      '/assets/../index.html',
      '/..%2findex.html',
      '/index.html',
      '/etc/passwd',
    ]) {
      const response = await app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(404)
      expect(response.headers['content-type'], url).toContain('application/problem+json')
    }
    // The API is untouched and the wallet's routes are not in the published API.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: object }
    expect(Object.keys(openapi.paths)).not.toContain('/')
  })

  it('serves no wallet when none is configured', async () => {
    expect((await bare.inject({ method: 'GET', url: '/' })).statusCode).toBe(404)
  })
})
