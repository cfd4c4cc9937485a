import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateAgreementKeyPair, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * The wallet against a host that lies, in real Chromium: the host swaps the surgery's agreement
 * key in the request it relays, and relays an unlisted service that took the surgery's exact name.
 * The wallet says in plain words not to share and sends nothing; the borrowed name is marked
 * "not checked" on the requests list and in the log.
 */
const PIN = '591736'

describe.skipIf(skipBrowser)('the wallet against a malicious host', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  const sent: string[] = []
  /** While set, the host's answer listing requests carries this agreement key instead of the real one. */
  let swapKeyTo: string | undefined

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-refusals-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.route('**/*', async (route) => {
      const request = route.request()
      if (!request.url().startsWith(host.url)) return route.abort('blockedbyclient')
      sent.push(`${request.method()} ${new URL(request.url()).pathname}`)
      if (swapKeyTo === undefined || !/\/vaults\/[^/]+\/requests$/.test(new URL(request.url()).pathname))
        return route.continue()
      // The host's operator relays the surgery's request with a key of its own.
      const response = await route.fetch()
      const body = (await response.json()) as { requests: { agreement_key: { x: string } }[] }
      for (const r of body.requests) r.agreement_key.x = swapKeyTo
      return route.fulfill({ response, json: body })
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  /** The code and the safety code the phone shows, as a desk types them. */
  async function showCode(): Promise<{ pairingCode: string; holderRoot: { safetyCode: string } }> {
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    const safetyCode = (await page.getByTestId('safety-code').textContent()) ?? ''
    return { pairingCode: (await codeBox.textContent()) ?? '', holderRoot: { safetyCode } }
  }

  it('[TRUST-KEY-02] says not to share when the surgery key is not the listed one, and sends nothing', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })

    swapKeyTo = Buffer.from(generateAgreementKeyPair().publicKey).toString('base64url')
    const surgery = host.service(host.orgs.gp)
    await surgery.requestAccess({
      ...(await showCode()),
      bindingMessage: 'Riverside 7001',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'To carry on your repeat prescription.',
          duration_days: 30,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'What to share' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Check your answers' }).waitFor()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page
      .getByText("This surgery's key does not match the one on the NHS list. Do not share. Tell reception.")
      .waitFor()
    await checkScreen(page, '20-refused-key-mismatch')
    expect(sent.filter((s) => s.endsWith('/approve'))).toEqual([])
    const grants = await host.db.selectFrom('grants').select('id').execute()
    expect(grants).toEqual([])
    // The holder can still say no, and does.
    await page.getByRole('button', { name: "Don't share" }).click()
    swapKeyTo = undefined
  })

  it('[TRUST-NAME-01] marks a borrowed name as not checked on the requests list and in the log', async () => {
    await page.getByRole('button', { name: 'Back to home' }).click()
    const impostor = host.service(host.orgs.impostor)
    await impostor.requestAccess({
      ...(await showCode()),
      bindingMessage: 'Riverside 7002',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'To carry on your repeat prescription.',
          duration_days: 30,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await expect.poll(() => page.locator('main').textContent()).toContain('Riverside Surgery (not checked)')
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page
      .getByRole('button', { name: /request/ })
      .first()
      .click()
    await page.getByRole('heading', { name: 'Requests' }).waitFor()
    await page.getByRole('button', { name: 'Look at request from Riverside Surgery (not checked)' }).waitFor()
    await checkScreen(page, '21-requests-not-checked')

    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByRole('heading', { name: 'What happened' }).waitFor()
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('Riverside Surgery (not checked) sent you a request on')
    await checkScreen(page, '22-log-not-checked')
  })
})
