import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { HolderClient } from '@holdall/client'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { axeViolations, launchChromium, skipBrowser } from '../../../test/support/chromium.js'
import { checkBundle } from './fhir-rules.js'
import { loadFhirDefinitions, validateBundle } from './fhir-validator.js'
import { medicationList } from './fixtures.js'
import { ukCoreProblems } from './ukcore-checks.js'
import { startWorld, type World } from './world.js'

/*
 * The GP journey from the reception page's side, in Debian's Chromium against a real host, a real
 * issuer and a holder driven by the HolderClient SDK. Every page is checked with axe-core (zero
 * violations) and photographed at 1280x800 into examples/surgery/screenshots/ (git-ignored).
 * HOLDALL_SKIP_BROWSER=1 skips it on a machine without Chromium; CI never sets it.
 */
const shots = join(import.meta.dirname, '..', 'screenshots')
async function expectAccessible(page: Page, name: string): Promise<void> {
  const summary = (await axeViolations(page)).map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )
  expect(summary, `axe violations on ${name}`).toEqual([])
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
}

describe.skipIf(skipBrowser)('surgery reception page in Chromium', () => {
  let world: World
  let browser: Browser
  let context: BrowserContext
  const today = () => new Date()

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true })
    world = await startWorld()
    browser = await launchChromium()
    // The validator's definitions load here, not inside the journey's own time budget.
    loadFhirDefinitions()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await world?.close()
  })

  const newPage = async () => {
    await context?.close()
    context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
      bypassCSP: true,
    })
    return context.newPage()
  }

  /** Reception types the code (and NHS number) and sends; returns the request as the phone sees it. */
  async function ask(page: Page, holder: HolderClient, nhsNumber = '943 476 5919') {
    const { code, safetyCode } = await holder.createPairingCode()
    await page.goto(world.surgeryUrl)
    await page.getByLabel('The code on the patient’s phone').fill(`${code.slice(0, 4)} ${code.slice(4).toLowerCase()}`)
    await page.getByLabel('The safety code on the patient’s phone').fill(safetyCode.toLowerCase())
    await page.getByLabel('NHS number from your records (optional)').fill(nhsNumber)
    await page.getByRole('button', { name: 'Ask the patient' }).click()
    await page.getByRole('heading', { name: 'Waiting for the patient' }).waitFor()
    const [request] = await holder.waitForRequest(10_000)
    if (request === undefined) throw new Error('the request did not reach the phone')
    return request
  }

  it('reception asks by keyboard alone, the binding message matches the phone, and the GP sees the verified list', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    const { code, safetyCode } = await holder.createPairingCode()
    await page.goto(world.surgeryUrl)
    await expectAccessible(page, '01-ask')
    // Keyboard only: skip link, code, safety code, NHS number, button.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content')
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('pairing_code')
    await page.keyboard.type(code)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('safety_code')
    await page.keyboard.type(safetyCode)
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('nhs_number')
    await page.keyboard.type('9434765919')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Ask the patient')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Waiting for the patient' }).waitFor()
    const shown = await page.getByTestId('binding-message').textContent()
    const [request] = await holder.waitForRequest(10_000)
    expect(request?.binding_message).toBe(shown)
    expect(request?.client_name).toBe('Riverside Surgery')
    expect(request?.verified).toBe(true)
    await expectAccessible(page, '02-waiting')

    await holder.approve(request as NonNullable<typeof request>, world.trust)
    // No click: the page learns of the decision itself.
    await page.getByRole('heading', { name: 'The patient’s medicines from prison' }).waitFor({ timeout: 20_000 })
    const panel = page.getByTestId('verification')
    expect(await panel.getAttribute('data-verification')).toBe('verified')
    const panelText = await panel.textContent()
    expect(panelText).toContain('HMP Leeds Healthcare (ODS NTE01), Prison healthcare, on the trust list')
    expect(panelText).toContain('Valid: not changed since it was signed')
    expect(panelText).toContain('Matches the NHS number you entered')
    const table = await page.locator('table').textContent()
    for (const expected of [
      'Sertraline 50mg tablets',
      'dm+d 323509004',
      'One tablet each morning',
      '28 tablets',
      'GMC 7012345',
      'Yes, Schedule 2',
      'NMC 71A2998E',
    ])
      expect(table).toContain(expected)
    // The methadone runs out in two days: highlighted, and said in words.
    expect(await page.locator('tr.soon').count()).toBe(1)
    expect(await page.locator('tr.soon').textContent()).toContain('in 2 days')
    expect(await page.locator('.allergies').textContent()).toContain('Penicillin: Rash')
    expect(await page.getByTestId('import-plan').textContent()).toContain('Will be written')
    await expectAccessible(page, '03-approved')

    // 200% zoom: the same page in half the CSS pixels: nothing needs scrolling sideways.
    await page.setViewportSize({ width: 640, height: 400 })
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    ).toBe(true)
    await expectAccessible(page, '04-approved-200-percent')
    await page.setViewportSize({ width: 1280, height: 800 })

    // Keep: the FHIR bundle, checked against the documented UK Core rules.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Download for the clinical system/ }).click(),
    ])
    const bundle = JSON.parse(readFileSync(await download.path(), 'utf8'))
    const grants = await holder.grants()
    const grantId = grants.find((g) => g.status === 'active' && g.client_name === 'Riverside Surgery')?.grant_id ?? ''
    expect(checkBundle(bundle, { grantId })).toEqual([])
    expect([...validateBundle(bundle), ...ukCoreProblems(bundle)]).toEqual([])
    expect(download.suggestedFilename()).toBe('medicines-from-prison.fhir.json')

    const print = await context.newPage()
    await print.goto(`${world.surgeryUrl}/session/print`)
    expect(await print.getByRole('heading', { level: 1 }).textContent()).toBe('Medicines from prison healthcare')
    expect(await print.locator('table').textContent()).toContain('Methadone 1mg/ml oral solution sugar free')
    await expectAccessible(print, '05-print')
    await print.close()

    // Lose: the holder stops sharing; the page says so without a click, and the data is dropped.
    await holder.revoke(grantId)
    await page.getByRole('heading', { name: 'The patient stopped sharing' }).waitFor({ timeout: 20_000 })
    expect(await page.content()).not.toContain('Sertraline')
    await expectAccessible(page, '06-revoked')
    const exportAfter = await page.request.get(`${world.surgeryUrl}/session/export`, { maxRedirects: 0 })
    expect(exportAfter.status()).toBe(303)
    await page.getByRole('button', { name: 'Finish' }).click()
    await page.getByRole('heading', { name: 'Check a patient’s medicines from prison' }).waitFor()
    expect(world.sessions.size).toBe(0)
  })

  it('a refusal is shown kindly, with what to do instead; a wrong code is explained first', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    await page.goto(world.surgeryUrl)
    await page.getByLabel('The code on the patient’s phone').fill('ZZZZ ZZZZ')
    await page.getByLabel('The safety code on the patient’s phone').fill('0000 0000 0000 0000')
    await page.getByRole('button', { name: 'Ask the patient' }).click()
    await page.getByRole('heading', { name: 'There is a problem' }).waitFor()
    expect(await page.textContent('#error-summary')).toContain('That code did not work')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary')
    await expectAccessible(page, '00-wrong-code')
    const request = await ask(page, holder)
    await holder.deny(request)
    await page.getByRole('heading', { name: 'The patient chose not to share' }).waitFor({ timeout: 20_000 })
    expect(await page.textContent('main')).toContain('Phone the prison healthcare team')
    await expectAccessible(page, '07-refused')
  })

  it('[CRY-MAN-03] a tampered list: the signature fails and a warning is shown, never the contents', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    // The host's disk is changed under it: one byte of the stored ciphertext.
    const [record] = await holder.listRecords()
    const sha = record?.ciphertext_sha256 ?? ''
    const file = join(world.hostDir, 'blobs', sha.slice(0, 2), sha)
    const bytes = readFileSync(file)
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff
    writeFileSync(file, bytes)
    const request = await ask(page, holder)
    await holder.approve(request, world.trust)
    const panel = page.getByTestId('verification')
    await panel.waitFor({ timeout: 20_000 })
    expect(await panel.getAttribute('data-verification')).toBe('invalid')
    expect(await panel.textContent()).toContain('Warning: the signature on this list is not valid')
    expect(await page.locator('table').count()).toBe(0)
    expect(await page.getByRole('link', { name: /Download for the clinical system/ }).count()).toBe(0)
    await expectAccessible(page, '08-tampered')
  })

  it('a list the patient wrote themselves is marked as not from prison healthcare', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    await holder.putRecord('medication_list', medicationList(today()), 'My own copy')
    const request = await ask(page, holder)
    await holder.approve(request, world.trust)
    await page.getByRole('heading', { name: 'The patient’s medicines from prison' }).waitFor({ timeout: 20_000 })
    const kinds = await page
      .getByTestId('verification')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-verification')))
    expect(kinds).toEqual(['verified', 'self_asserted'])
    expect(await page.textContent('main')).toContain(
      'The patient shared 2 medicines lists: one checked from its signer and one written on the patient’s phone.',
    )
    expect(await page.textContent('main')).toContain('Not from prison healthcare: written on the patient’s own phone')
    await expectAccessible(page, '11-self-written')
  })

  it('the grant expires: the page says so and stops reading', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    const request = await ask(page, holder)
    await holder.approve(request, world.trust)
    await page.getByRole('heading', { name: 'The patient’s medicines from prison' }).waitFor({ timeout: 20_000 })
    world.setSurgeryClockOffset(25 * 3_600_000)
    try {
      await page.getByRole('heading', { name: 'Sharing has ended' }).waitFor({ timeout: 20_000 })
    } finally {
      world.setSurgeryClockOffset(0)
    }
    expect(await page.getByTestId('ended').textContent()).toContain('The time the patient agreed to share for is over')
    expect(await page.content()).not.toContain('Sertraline')
    await expectAccessible(page, '09-expired')
  })

  it('[API-TRUST-01] an issuer missing from the trust list (checked against the pinned operator key): unverified, with a warning', async () => {
    const page = await newPage()
    const holder = await world.holderWithDeposit(medicationList(today()))
    // The operator takes prison healthcare off the list after the deposit; the surgery rechecks.
    await world.relist('surgery only')
    const request = await ask(page, holder)
    await holder.approve(request, world.trust)
    const panel = page.getByTestId('verification')
    await panel.waitFor({ timeout: 20_000 })
    expect(await panel.getAttribute('data-verification')).toBe('unknown_signer')
    expect(await panel.textContent()).toContain('Warning: we cannot check who signed this list')
    expect(await page.locator('table').count()).toBe(0)
    await expectAccessible(page, '10-unlisted-issuer')
    expect(readdirSync(shots).length).toBeGreaterThanOrEqual(12)
  })
})
