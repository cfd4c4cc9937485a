import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { AccessLogEntry, RecordPayload } from '@holdall/protocol'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Key transparency in the wallet (issue 13 point 5), in real Chromium: "What happened" says which
 * phones were added and which services the holder let see what, from the entries this phone
 * verified in the vault's signed log, named from the receipt it signed and its own trust list.
 * The host's operator then rewrites the old access log (GET /vaults/:id/log): deletes the phone,
 * the "yes" and every read, and renames the grantee there and in the grants list. The verified
 * sentences stay as they were.
 */
const PIN = '604913'

function medicationList(): RecordPayload {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: new Date().toISOString(),
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '323509004', display: 'Sertraline 50mg tablets' },
        strength: '50 mg',
        form: 'tablet',
        dose: 'One tablet each morning',
        lastIssueDate: '2026-11-20',
        quantitySupplied: { value: 28, unit: 'tablet' },
        supplyDate: '2026-11-20',
        runOutDate: '2026-12-18',
        repeat: true,
        prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
      },
    ],
    allergies: [],
  }
}

async function showCode(page: Page): Promise<{ pairingCode: string; holderRoot: { safetyCode: string } }> {
  await page.getByRole('button', { name: 'Show my code at a desk' }).click()
  const box = page.getByTestId('pairing-code')
  await box.waitFor({ timeout: 15_000 })
  const safetyCode = (await page.getByTestId('safety-code').textContent()) ?? ''
  return { pairingCode: (await box.textContent()) ?? '', holderRoot: { safetyCode } }
}

const verifiedText = async (page: Page) => (await page.getByTestId('log-verified').textContent()) ?? ''

describe.skipIf(skipBrowser)('the wallet shows the keys that got your things, from the log it verified', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  /** While true, the host's operator rewrites the old access log it serves. */
  let rewrite = false
  let rewritten = 0

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-kt-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.route('**/*', async (route) => {
      const request = route.request()
      if (!request.url().startsWith(host.url)) return route.abort('blockedbyclient')
      const path = new URL(request.url()).pathname
      // The grants list: the operator renames the surgery (its receipts stay as the holder signed them).
      if (rewrite && /^\/vaults\/[^/]+\/grants$/.test(path)) {
        const response = await route.fetch()
        const body = (await response.json()) as { grants: { client_name: string }[] }
        const grants = body.grants.map((g) => ({ ...g, client_name: 'Quick Loans Ltd' }))
        return route.fulfill({ response, json: { ...body, grants } })
      }
      // The old access log: /vaults/:id/log exactly (the verifiable log is /log/...).
      if (!rewrite || !/^\/vaults\/[^/]+\/log$/.test(path)) return route.continue()
      const response = await route.fetch()
      const body = (await response.json()) as { entries: AccessLogEntry[] }
      const gone = new Set(['device_added', 'request_approved', 'key_served'])
      const entries = body.entries
        .filter((e) => !gone.has(e.event))
        .map((e) => ({ ...e, details: { ...e.details, client_name: 'Quick Loans Ltd' } }))
      rewritten += body.entries.length - entries.length
      return route.fulfill({ response, json: { ...body, entries } })
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[LOG-CLIENT-03] says which phone was added and who the holder let see what, after the host rewrites its access log', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })

    // Prison healthcare gives Jordan the medicines list.
    const prison = host.issuer(host.orgs.prisonHealthcare)
    const give = await prison.requestAccess({
      ...(await showCode(page)),
      bindingMessage: 'Leeds 4821',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['medication_list'],
          purpose: 'On release',
          duration_days: 1,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'What they want to give you' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Accept', exact: true }).click()
    await page.getByRole('heading', { name: 'You said yes' }).waitFor({ timeout: 15_000 })
    await prison.waitForDecision(give.authReqId, { intervalMs: 100 })
    await prison.deposit('medication_list', medicationList(), 'On release')
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page
      .getByRole('button', { name: 'Things sent to you' })
      .or(page.getByText(/new thing sent to you/))
      .click()
    await page.getByRole('button', { name: 'Keep it' }).first().click()
    await page.getByText(/It is now in My things/).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Back to home' }).click()

    // Jordan shares the medicines with Riverside Surgery, which reads them.
    const surgery = host.service(host.orgs.gp)
    const ask = await surgery.requestAccess({
      ...(await showCode(page)),
      bindingMessage: 'Riverside 6844',
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
    const decision = surgery.waitForDecision(ask.authReqId, { intervalMs: 200 })
    decision.catch(() => undefined)
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'What to share' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor({ timeout: 15_000 })
    await decision
    expect((await surgery.records()).map((v) => v.record_type)).toEqual(['medication_list'])
    await page.getByRole('button', { name: 'Back to home' }).click()

    // The host's operator rewrites the old access log from now on.
    rewrite = true
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByRole('heading', { name: 'What happened' }).waitFor()
    const verified = page.getByTestId('log-verified')
    await verified.waitFor({ timeout: 15_000 })
    await page.locator('ul.log li').first().waitFor({ timeout: 15_000 })
    expect(rewritten).toBeGreaterThan(0)

    const shown = await verifiedText(page)
    expect(shown).toContain('Checked by this phone')
    expect(shown).toMatch(/This phone was added on .+\./)
    expect(shown).toMatch(/You let Riverside Surgery see your medicines on .+\./)
    // The prison's grant (to send, not to read) is there too, named from the trust list.
    expect(shown).toMatch(/You let HMP Leeds Healthcare send you your medicines on .+\./)
    // The name the host sent is never in the checked part.
    expect(shown).not.toContain('Quick Loans')
    expect(shown).not.toContain('not checked')
    // The rewritten access log no longer has the phone or the "yes" the verified part shows.
    const hostPart = (await page.locator('ul.log').textContent()) ?? ''
    expect(hostPart).not.toContain('You added a phone')
    expect(hostPart).not.toContain('You said yes to Riverside Surgery')
    expect(await page.getByTestId('log-alarm').count()).toBe(0)
    await checkScreen(page, '21-log-verified')

    // In Welsh, the same sentences from the same checks.
    await page.getByRole('button', { name: 'Cymraeg' }).click()
    await page.getByRole('heading', { name: 'Beth ddigwyddodd' }).waitFor()
    const welsh = await verifiedText(page)
    expect(welsh).toMatch(/Cafodd y ffôn hwn ei ychwanegu ar /)
    expect(welsh).toContain('Fe wnaethoch chi adael i Riverside Surgery weld')
    await page.getByRole('button', { name: 'English' }).click()

    // Back again: the verified entries are kept sealed on the phone, not only in this visit.
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByText(/You let Riverside Surgery see your medicines on /).waitFor({ timeout: 15_000 })
  }, 180_000)
})
