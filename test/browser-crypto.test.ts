import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowser } from './support/chromium.js'

/*
 * @holdall/crypto claims to be isomorphic. This runs it in real Chromium (Debian's, installed by
 * .ci/run), bundled from source with esbuild exactly as an app would bundle it. Set
 * HOLDALL_SKIP_BROWSER=1 to skip on a machine without Chromium; CI never sets it.
 */
const root = join(import.meta.dirname, '..')

describe.skipIf(skipBrowser)('@holdall/crypto in a real browser', () => {
  let server: Server
  let browser: Browser
  let url: string

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(root, 'test/browser/crypto-in-browser.ts')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
    })
    const script = bundle.outputFiles[0]?.text ?? ''
    // A bundle that pulled in a Node built-in would not run here; make that failure obvious.
    expect(script).not.toMatch(/require\(["']node:/)
    const page = `<!doctype html><meta charset="utf-8"><title>holdall crypto</title><script>${script}</script>`
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(page)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('[CRY-ENV-04] seals our vector byte for byte, streams, refuses tampering, wraps with HPKE and verifies manifests', async () => {
    const vectors = JSON.parse(readFileSync(join(root, 'protocol-spec/vectors/holdall/envelope.json'), 'utf8'))
    const shortText = vectors.valid.find((v: { name: string }) => v.name === 'short text')
    const page = await browser.newPage()
    await page.goto(url)
    const results = await page.evaluate(
      (vector) =>
        (globalThis as unknown as { holdallRun: (v: unknown) => Promise<Record<string, unknown>> }).holdallRun(vector),
      shortText,
    )
    expect(results).toMatchObject({
      vectorReproduced: true,
      streamRoundTrip: true,
      tamperRefused: 'ENVELOPE_AUTH_FAILED',
      hpkeRoundTrip: true,
      manifestVerified: true,
    })
    expect(String(results.userAgent)).toMatch(/Chrome/)
  })
})
