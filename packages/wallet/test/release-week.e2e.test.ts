import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { LicenceConditions, RecordPayload, RecordType } from '@holdall/protocol'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Issue 21 in Debian's Chromium against a real host: "My things" shows a release letter with the
 * GP registration card, and an old licence that a signed variation replaced as an old version.
 */
const PIN = '483920'

async function makeVault(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/`)
  await page.getByRole('button', { name: 'Make my vault' }).click()
  await page.getByLabel('PIN', { exact: true }).fill(PIN)
  await page.getByLabel('Type the same PIN again').fill(PIN)
  await page.getByRole('button', { name: 'Make my vault' }).click()
  await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
}

async function showCode(page: Page): Promise<{ pairingCode: string; holderRoot: { safetyCode: string } }> {
  await page.getByRole('button', { name: 'Show my code at a desk' }).click()
  const box = page.getByTestId('pairing-code')
  await box.waitFor({ timeout: 15_000 })
  const safetyCode = (await page.getByTestId('safety-code').textContent()) ?? ''
  return { pairingCode: (await box.textContent()) ?? '', holderRoot: { safetyCode } }
}

/** Probation sends a record and the holder keeps it on the phone; returns its record id. */
async function receive(page: Page, host: Host, type: RecordType, payload: RecordPayload, binding: string) {
  const issuer = host.issuer(host.orgs.probation)
  const ask = await issuer.requestAccess({
    ...(await showCode(page)),
    bindingMessage: binding,
    details: [
      { type: 'holdall_records', actions: ['deposit'], record_types: [type], purpose: 'On release', duration_days: 1 },
    ],
  })
  await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('heading', { name: 'What they want to give you' }).waitFor()
  await page.getByRole('button', { name: 'Next' }).click()
  await page.getByRole('button', { name: 'Accept', exact: true }).click()
  await page.getByRole('heading', { name: 'You said yes' }).waitFor({ timeout: 15_000 })
  await issuer.waitForDecision(ask.authReqId, { intervalMs: 100 })
  const { recordId } = await issuer.deposit(type, payload, 'On release')
  await page.getByRole('button', { name: 'Back to home' }).click()
  await page
    .getByRole('button', { name: 'Things sent to you' })
    .or(page.getByText(/new thing sent to you/))
    .click()
  await page.getByRole('button', { name: 'Keep it' }).first().click()
  await page.getByText(/It is now in My things/).waitFor({ timeout: 15_000 })
  await page.getByRole('button', { name: 'Back to home' }).click()
  await page.getByRole('heading', { name: 'Home' }).waitFor()
  return recordId
}

function licence(extra: Partial<LicenceConditions> = {}): LicenceConditions {
  return {
    recordType: 'licence_conditions',
    licenceKind: 'CRD',
    licenceStartDate: '2026-11-20',
    licenceExpiryDate: '2027-05-20',
    supervisingOfficer: { name: 'Sam Okafor', phone: '0113 496 0000' },
    initialAppointment: {
      person: 'Sam Okafor',
      time: '2026-11-22T10:00:00Z',
      address: '1 Park Row, Leeds',
      phone: '0113 496 0000',
    },
    standardConditions: [{ code: 'STD1', text: 'Be of good behaviour.' }],
    additionalConditions: [],
    bespokeConditions: [{ code: 'CUR1', text: 'Stay in from 7pm to 7am.' }],
    policyVersion: '2.1',
    ...extra,
  }
}

describe.skipIf(skipBrowser)('the wallet in release week (issue 21)', () => {
  let host: Host
  let browser: Browser
  let walletDir: string

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-week-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[SUP-VER-01] shows the GP card with the release letter, and the replaced licence as an old version', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    const page = await context.newPage()
    try {
      await makeVault(page, host.url)
      await receive(
        page,
        host,
        'release_letter',
        {
          recordType: 'release_letter',
          name: 'Jordan Ellis',
          birthDate: '1991-04-02',
          releaseDate: '2026-11-20',
          releasedFrom: { name: 'HMP Leeds', registryCode: 'LEI' },
          nhsNumber: '9434765919',
          correspondenceAddress: { lines: ['St George’s Crypt', 'Leeds'], careOf: 'St George’s Crypt' },
        },
        'Leeds 4901',
      )
      const first = await receive(page, host, 'licence_conditions', licence(), 'Leeds 4902')
      await receive(
        page,
        host,
        'licence_conditions',
        licence({ bespokeConditions: [], supersedes: first, variationReason: 'Curfew removed' }),
        'Leeds 4903',
      )
      await page.getByRole('button', { name: 'My things', exact: true }).click()
      const card = page.getByTestId('gp-card')
      await card.waitFor({ timeout: 15_000 })
      expect(await card.textContent()).toContain('You do not need ID or an address to register with a GP.')
      expect(await page.locator('main').textContent()).toContain('You left HMP Leeds on')
      await expect.poll(() => page.getByText('Old version. A newer one replaced it.').count()).toBe(1)
      await checkScreen(page, 'week-01-my-things')
    } finally {
      await context.close()
    }
  }, 180_000)
})
