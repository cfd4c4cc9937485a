import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { templateEn as en } from '../src/template-words.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Issue 21 in real Chromium: the consent screen says what this kind of organisation may ask for
 * and why, in the phone's own words, by the category on the trust list the phone pinned; and,
 * before any tap, what a request asks for beyond that. The host's operator rewriting the request's
 * category, purpose, types and length in its own database changes none of the phone's text.
 */
const PIN = '604281'

describe.skipIf(skipBrowser)('the request template on the consent screen (issue 21)', () => {
  let host: Host
  let browser: Browser
  let walletDir: string

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-template-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  async function newPhone(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    const page = await context.newPage()
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    return { context, page }
  }

  async function showCode(page: Page): Promise<{ pairingCode: string; holderRoot: { safetyCode: string } }> {
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const box = page.getByTestId('pairing-code')
    await box.waitFor({ timeout: 15_000 })
    const safetyCode = (await page.getByTestId('safety-code').textContent()) ?? ''
    return { pairingCode: (await box.textContent()) ?? '', holderRoot: { safetyCode } }
  }

  const notice = (page: Page) => page.getByTestId('template-notice').textContent()

  it('[TPL-04] a GP request shows what a GP may ask for and why, in the phone’s own words', async () => {
    const { context, page } = await newPhone()
    try {
      const surgery = host.service(host.orgs.gp)
      await surgery.requestAccess({
        ...(await showCode(page)),
        bindingMessage: 'Riverside 7731',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list', 'appointment'],
            purpose: 'To carry on your repeat prescription.',
            duration_days: 14,
          },
        ],
      })
      await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
      await expect.poll(() => notice(page)).toContain(en.tplAboutGp)
      expect(await notice(page)).toContain('Your phone wrote this, not Riverside Surgery.')
      // Nothing asked is outside what a GP may ask for: no warning.
      expect(await page.getByTestId('template-outside').count()).toBe(0)
      await checkScreen(page, 'template-01-gp')
      // The same in Welsh, from the phone's own Welsh text.
      await page.getByRole('button', { name: 'Cymraeg' }).click()
      await expect.poll(() => notice(page)).toContain('Gall meddyg teulu ofyn am eich iechyd')
    } finally {
      await context.close()
    }
  }, 180_000)

  it('[TPL-03] [TPL-04] the host’s operator rewrites the request’s category and purpose: the phone keeps the trust list’s category and its own text, and warns before any tap', async () => {
    const { context, page } = await newPhone()
    try {
      const pharmacy = host.service(host.orgs.pharmacy)
      const ask = await pharmacy.requestAccess({
        ...(await showCode(page)),
        bindingMessage: 'Chemist 5120',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['ost_handover', 'medication_list'],
            purpose: 'To give you your dose today.',
            duration_days: 1,
          },
        ],
      })
      // The operator edits its own database: the pharmacy becomes "probation", its purpose a lie,
      // and the request now asks for the licence for 30 days (the host refused this as sent).
      const forged = 'Probation says the law makes you share everything.'
      await host.db
        .updateTable('auth_requests')
        .set({
          client_category: 'probation',
          authorization_details: JSON.stringify([
            {
              type: 'holdall_records',
              actions: ['read'],
              record_types: ['ost_handover', 'medication_list', 'licence_conditions'],
              purpose: forged,
              duration_days: 30,
            },
          ]),
        })
        .where('id', '=', ask.authReqId)
        .execute()
      // Open the request afresh, so the phone reads what the operator wrote.
      await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
      await page.getByRole('button', { name: 'Back to home' }).click()
      await page.getByRole('heading', { name: 'Home' }).waitFor()
      await page
        .getByRole('button', { name: 'Requests for your things' })
        .or(page.getByText(/new request/))
        .first()
        .click()
      await page.getByRole('button', { name: /High Street Pharmacy/ }).click()
      await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
      const main = page.locator('main')
      // The phone did read the forged request: its warning names the added licence and 30 days.
      const outside = page.getByTestId('template-outside')
      await outside.waitFor()
      const warning = (await outside.textContent()) ?? ''
      expect(warning).toContain('High Street Pharmacy asked for things they are not allowed to ask for.')
      expect(warning).toContain('Your phone will not share your licence conditions.')
      expect(warning).toContain('They asked for 30 days. They can only have it for one day.')
      // The category and the text are the trust list's and the phone's: a chemist's, never probation's.
      expect(await main.textContent()).toContain('Type: Chemist')
      const text = (await notice(page)) ?? ''
      expect(text).toContain(en.tplAboutPharmacy)
      expect(text).toContain('They may ask for: ')
      expect(text).not.toContain(en.tplAboutJustice)
      expect(text).not.toContain(forged)
      expect(await main.textContent()).not.toContain('Type: Probation')
      await checkScreen(page, 'template-02-forged')
      // The licence is never offered, whatever the holder taps.
      await page.getByRole('button', { name: 'Next' }).click()
      await page.getByRole('heading', { name: 'What to share' }).waitFor()
      expect(await page.getByRole('checkbox', { name: /licence/i }).count()).toBe(0)
      await page.getByRole('button', { name: "Don't share" }).click()
      await page
        .getByRole('heading', { name: 'You said no' })
        .or(page.getByText(/said no/i))
        .first()
        .waitFor()
    } finally {
      await context.close()
    }
  }, 180_000)
})
