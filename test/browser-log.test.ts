import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowser } from './support/chromium.js'

/*
 * @holdall/log claims to be isomorphic, as a wallet needs it to be. This bundles it from source
 * with esbuild, as an app would, and runs the log vectors in real Chromium (Debian's).
 */
const root = join(import.meta.dirname, '..')

describe.skipIf(skipBrowser)('@holdall/log in a real browser', () => {
  let server: Server
  let browser: Browser
  let url: string

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(root, 'test/browser/log-in-browser.ts')],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      write: false,
      alias: { '@holdall/crypto': join(root, 'packages/crypto/src/index.ts') },
    })
    const script = bundle.outputFiles[0]?.text ?? ''
    expect(script).not.toMatch(/require\(["']node:/)
    const page = `<!doctype html><meta charset="utf-8"><title>holdall log</title><script>${script}</script>`
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

  it('[LOG-HASH-01] [LOG-NOTE-04] builds the RFC 6962 tree, verifies proofs, signs and checks checkpoints as in Node', async () => {
    const vectors = JSON.parse(readFileSync(join(root, 'protocol-spec/vectors/holdall/log.json'), 'utf8'))
    const page = await browser.newPage()
    await page.goto(url)
    const results = await page.evaluate(
      (v) => (globalThis as unknown as { holdallLogRun: (v: unknown) => Record<string, unknown> }).holdallLogRun(v),
      vectors,
    )
    expect(results.root8).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328')
    expect(results.proofsVerify).toBe(true)
    expect(results.noteReproduced).toBe(true)
    expect(results.validOpen).toEqual(vectors.checkpoints.valid.map(() => 'none'))
    for (const c of results.invalid as { name: string; expected: string; got: string }[])
      expect(c.got, c.name).toBe(c.expected)
    expect(String(results.userAgent)).toMatch(/Chrome/)
  })
})
