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
 * Issue 19, consent pattern 13 in real Chromium: a listed landlord (not a care or justice service)
 * is shared with only after a 24-hour cooling-off by the host's clock; until then the host refuses
 * the landlord, and the holder can stop it. (The wallet shares with listed organisations only.) (Saying "Yes" to the pressure question is in
 * wallet.e2e.test.ts; a GP reads at once there, with no cooling-off.)
 */
const PIN = '582013'

describe.skipIf(skipBrowser)('cooling-off for a landlord', () => {
  let host: Host
  let browser: Browser
  let page: Page
  let walletDir: string

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-pressure-'))
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

  it('[SUP-COOL-01] a landlord gets nothing for 24 hours; the holder is told when it starts and can stop it', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByLabel('Type the same PIN again').press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    const landlord = host.service(host.orgs.landlord)
    const ask = await landlord.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'Homes 7731',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
          purpose: 'To plan your move.',
          duration_days: 7,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Before you go on' }).waitFor()
    await page.getByRole('button', { name: 'No, go on' }).click()
    await page.getByRole('heading', { name: 'What to share' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Check your answers' }).waitFor()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor()
    const notice = (await page.getByTestId('cooling-off').textContent()) ?? ''
    expect(notice).toMatch(/^Homes First Lettings can see it from \d\d:\d\d on .+\. You can stop it before then\.$/)
    await checkScreen(page, 'cooling-off-01-done')

    // The landlord's decision arrives, but the host gives it nothing yet.
    await landlord.waitForDecision(ask.authReqId, { intervalMs: 100 })
    const grant = await landlord.grant()
    expect(grant.starts_at).toBeGreaterThan(Date.now() + 23 * 3_600_000)
    await expect(landlord.records()).rejects.toMatchObject({ status: 403, code: 'forbidden' })

    // One tap (and a confirmation) stops it before it starts.
    await page.getByRole('button', { name: 'Stop sharing with Homes First Lettings' }).click()
    await page.getByRole('button', { name: 'Yes, stop sharing' }).click()
    await page.getByRole('heading', { name: 'Sharing stopped' }).waitFor()
    await expect(landlord.records()).rejects.toMatchObject({ status: 401 })
  })
})
