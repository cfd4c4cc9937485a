import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { RecordPayload } from '@holdall/protocol'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Assisted mode in real Chromium (issue 19, [SUP-ASSIST-01], domain.md (d) 12): a resettlement
 * worker helps on the holder's phone. Every screen says so; showing the licence asks for the
 * holder's own PIN (a wrong one is refused); the phone's log line of the showing names the helper.
 */
const PIN = '739104'

function licence(): RecordPayload {
  const today = new Date().toISOString().slice(0, 10)
  return {
    recordType: 'licence_conditions',
    licenceKind: 'CRD',
    licenceStartDate: today,
    licenceExpiryDate: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
    supervisingOfficer: { name: 'Sam Patel', phone: '0113 000 0000' },
    initialAppointment: { person: 'Duty officer', time: `${today}T15:00:00Z`, address: 'Leeds PDU', phone: '0113' },
    standardConditions: [{ code: 'std-1', text: 'Be of good behaviour and do not commit any offence.' }],
    additionalConditions: [],
    bespokeConditions: [],
    policyVersion: '4.0',
  }
}

describe.skipIf(skipBrowser)('assisted mode: a helper on the holder’s phone', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-assisted-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[SUP-ASSIST-01][OFF-HLD-03] every screen says who is helping; the holder’s own PIN confirms; the log line names the helper', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByLabel('Type the same PIN again').press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })

    // In prison: probation gives Jordan the licence.
    const probation = host.issuer(host.orgs.probation)
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    const ask = await probation.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'HMP Leeds 4821',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['licence_conditions'],
          purpose: 'Your licence',
          duration_days: 1,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Accept', exact: true }).click()
    await page.getByRole('heading', { name: 'You said yes' }).waitFor()
    await probation.waitForDecision(ask.authReqId, { intervalMs: 100 })
    await probation.deposit('licence_conditions', licence(), 'My licence')
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: '1 new thing sent to you' }).click()
    await page.getByRole('button', { name: 'Keep it' }).click()
    await page.getByText('It is now in My things.', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Sam Patel', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()

    // A resettlement worker is helping on the phone.
    await page.getByRole('button', { name: 'Someone is helping me' }).click()
    await page.getByRole('heading', { name: 'Who is helping you?' }).waitFor()
    await page.getByRole('button', { name: 'Start' }).click()
    await page.getByText('Type the name of the person helping you.').first().waitFor()
    await checkScreen(page, 'assisted-01-who')
    await page.getByLabel('Their name').fill('Sam Jones')
    await page.getByRole('button', { name: 'Start' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor()
    await expect.poll(() => page.getByTestId('helper-notice').textContent()).toContain('Sam Jones is helping you.')
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await expect.poll(() => page.getByTestId('helper-notice').textContent()).toContain('Sam Jones is helping you.')
    await page.getByRole('button', { name: 'Back to home' }).click()

    // Showing the licence asks for the holder's own PIN; a wrong one is refused.
    await page.getByRole('button', { name: 'Show without internet' }).click()
    await expect.poll(() => page.getByTestId('helper-notice').textContent()).toContain('Sam Jones is helping you.')
    await page.getByRole('button', { name: 'Show your licence conditions' }).click()
    const pinBox = page.getByLabel('Type your own PIN to say yes. Do not let Sam Jones type it.')
    await pinBox.waitFor()
    await checkScreen(page, 'assisted-02-pin')
    await pinBox.fill('000000')
    await page.getByRole('button', { name: 'Yes, go on' }).click()
    await page.getByText('That PIN is not right.').first().waitFor()
    expect(await page.getByTestId('offline-code').count()).toBe(0)
    await pinBox.fill(PIN)
    await page.getByRole('button', { name: 'Yes, go on' }).click()
    await page.getByRole('img', { name: 'A code for your licence conditions' }).waitFor({ timeout: 30_000 })
    await expect.poll(() => page.locator('main').textContent()).toContain('Shown with help from Sam Jones.')

    // The phone's log line of the showing names the helper.
    await page.getByRole('button', { name: 'Show something else' }).click()
    await expect.poll(() => page.locator('main').textContent()).toContain('Times shown without internet: 1.')
    await expect.poll(() => page.locator('main').textContent()).toContain('Shown with help from Sam Jones.')

    // Stopping the help removes the notice; locking would too.
    await page.getByRole('button', { name: 'Stop help from Sam Jones' }).click()
    expect(await page.getByTestId('helper-notice').count()).toBe(0)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
