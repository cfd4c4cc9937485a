import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Domain scenario 13 in real Chromium (issue 19): a resettlement worker asks to help with
 * appointments and also asks for medicines; the wallet offers appointments and the licence only,
 * medicines off; once shared, every screen says who can see what, and one tap stops it: the
 * supporter is refused at once.
 */
const PIN = '604217'

describe.skipIf(skipBrowser)('a supporter (scenario 13)', () => {
  let host: Host
  let browser: Browser
  let page: Page
  let walletDir: string

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-supporter-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })).newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[SUP-GRANT-01][SUP-GRANT-02][SUP-REV-01] defaults leave health out; every screen names the supporter; one tap stops it at once', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByLabel('Type the same PIN again').press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    const supporter = host.service(host.orgs.supporter)
    const ask = await supporter.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'Reconnect 4410',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment', 'licence_conditions', 'medication_list'],
          purpose: 'To help you get to your appointments.',
          duration_days: 90,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Before you go on' }).waitFor()
    await page.getByRole('button', { name: 'No, go on' }).click()
    await page.getByRole('heading', { name: 'What to share' }).waitFor()
    expect(await page.getByRole('checkbox', { name: 'Your appointments' }).isChecked()).toBe(true)
    expect(await page.getByRole('checkbox', { name: 'Your licence conditions' }).isChecked()).toBe(true)
    expect(await page.getByRole('checkbox', { name: 'Your medicines' }).isChecked()).toBe(false)
    await checkScreen(page, 'supporter-01-what')
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor()
    await supporter.waitForDecision(ask.authReqId, { intervalMs: 100 })
    const granted = await supporter.grant()
    expect(granted.authorization_details.flatMap((d) => d.record_types).sort()).toEqual([
      'appointment',
      'licence_conditions',
    ])
    expect(granted.expires_at - (granted.starts_at ?? granted.created_at)).toBeLessThanOrEqual(90 * 86_400_000 + 60_000)

    // Every screen says who can see what.
    // Still in its 24-hour cooling-off: the notice says when it starts.
    const notice = /^Reconnect Support will see your appointments and your licence conditions from \d\d:\d\d on .+\./
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor()
    await expect.poll(() => page.getByTestId('supporter-notice').textContent()).toMatch(notice)
    await checkScreen(page, 'supporter-02-home')
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByRole('heading', { name: 'My things' }).waitFor()
    await expect.poll(() => page.getByTestId('supporter-notice').textContent()).toMatch(notice)

    // One tap: the supporter is refused at once.
    await page.getByRole('button', { name: 'Stop Reconnect Support seeing them' }).click()
    await page.getByText('Reconnect Support cannot see your things now.').waitFor()
    await expect(supporter.records()).rejects.toMatchObject({ status: 401 })
  })
})
