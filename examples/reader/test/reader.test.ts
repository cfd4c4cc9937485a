import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { base64urlDecode } from '@holdall/crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { axeViolations, launchChromium, skipBrowser } from '../../../test/support/chromium.js'
import { createOfflineReader, startReaderServer } from '../src/index.js'

/*
 * The desk reader (spec 10.3) with the offline vectors: the page a USB scanner types into, in
 * real Chromium with axe; what the desk says for a good code, a second viewing and bad input.
 */
const root = join(import.meta.dirname, '..', '..', '..')
const vectors = JSON.parse(readFileSync(join(root, 'protocol-spec/vectors/holdall/offline-qr.json'), 'utf8'))
const reader = () =>
  createOfflineReader({
    trustListJws: vectors.trustList,
    operatorPublicKey: base64urlDecode(vectors.operatorPublicKey),
    now: () => vectors.readerTime,
  })

describe('the desk reader', () => {
  it('[OFF-READ-07] says in plain words that the licence is current and who signed it, then refuses a second viewing', async () => {
    const desk = reader()
    const first = await desk.verify(vectors.valid[0].text)
    expect(first.ok).toBe(true)
    expect(first.heading).toBe('Checked: licence conditions')
    expect(first.lines[0]).toBe('The licence is current: 2026-11-20 to 2027-05-20.')
    expect(first.lines.join(' ')).toContain('Signed by Leeds Probation Delivery Unit (N53)')
    expect(first.lines.join(' ')).toContain('We do not know this person’s phones')
    const second = await desk.verify(vectors.valid[0].text)
    expect(second).toMatchObject({ ok: false, code: 'REPLAYED' })
  })

  it('refuses a body far longer than any code with 413, and serves its page with a strict policy', async () => {
    const server = await startReaderServer(reader())
    try {
      const page = await fetch(`${server.url}/`)
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
      expect(page.headers.get('cache-control')).toBe('no-store')
      const long = await fetch(`${server.url}/verify`, { method: 'POST', body: 'A'.repeat(20_000) })
      expect(long.status).toBe(413)
      expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404)
    } finally {
      await server.close()
    }
  })
})

describe.skipIf(skipBrowser)('the desk page in Chromium', () => {
  let browser: Browser
  let page: Page
  let server: Awaited<ReturnType<typeof startReaderServer>>

  beforeAll(async () => {
    server = await startReaderServer(reader())
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 320, height: 740 } })).newPage()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('[OFF-READ-01] a USB scanner types the code and presses Enter; the page shows the answer; axe finds nothing', async () => {
    const requests: string[] = []
    page.on('request', (request) => requests.push(new URL(request.url()).origin))
    await page.goto(`${server.url}/`)
    expect(await axeViolations(page)).toEqual([])
    await page.getByLabel('Code (a scanner types it here)').fill(vectors.valid[1].text)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Checked: licence conditions' }).waitFor()
    expect(await axeViolations(page)).toEqual([])
    await page.getByLabel('Code (a scanner types it here)').fill(vectors.invalid[1].text)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Not accepted' }).waitFor()
    expect(await page.getByRole('status').textContent()).toContain('This code has run out.')
    // The page talks to the desk's own server only.
    expect(new Set(requests)).toEqual(new Set([server.url]))
  })
})
