import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * The wallet against a host that changes the vault's device list, in real Chromium (issue 12's
 * known gap): the phone made the vault and pinned its device chain; then the host's operator
 * answers with a chain entry whose signature no longer verifies (as an operator adding a phone of
 * their own would). The phone must not call that "offline": it says so loudly on the home screen,
 * offers no sharing, and still opens the person's own copies.
 */
const PIN = '591736'

describe.skipIf(skipBrowser)('the wallet when the host changes the device list', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  /** While true, the host's vault answers carry a device chain with one signature byte changed. */
  let tamper = false

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-devices-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.route('**/*', async (route) => {
      const request = route.request()
      if (!request.url().startsWith(host.url)) return route.abort('blockedbyclient')
      const path = new URL(request.url()).pathname
      if (!tamper || request.method() !== 'GET' || !/^\/vaults\/[^/]+$/.test(path)) return route.continue()
      const response = await route.fetch()
      const body = (await response.json()) as { device_chain: string[] }
      const bytes = Buffer.from(body.device_chain[0] as string, 'base64url')
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x01
      body.device_chain[0] = bytes.toString('base64url')
      return route.fulfill({ response, json: body })
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[CRY-CHAIN-02] says the device list was changed, in plain words, and shares nothing', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('home-alarm').count()).toBe(0)
    await page.getByRole('button', { name: 'Show my code at a desk' }).waitFor()

    tamper = true
    await page.getByRole('button', { name: 'Lock' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    const alarm = page.getByTestId('home-alarm')
    await alarm.waitFor({ timeout: 15_000 })
    expect(await alarm.textContent()).toContain(
      'Someone changed the list of phones that can open your vault. Your vault may not be safe.',
    )
    // Nothing to share with, nothing to approve: the phone does not act on that host's word.
    expect(await page.getByRole('button', { name: 'Show my code at a desk' }).count()).toBe(0)
    await page.getByRole('button', { name: 'My things' }).waitFor()
    await checkScreen(page, '21-device-alarm')
  }, 120_000)
})
