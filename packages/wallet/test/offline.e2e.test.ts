import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryOfflineNonceStore, verifyOfflineShare, verifyTrustList } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { RecordPayload } from '@holdall/protocol'
import type { Browser, BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Domain scenario 4 in real Chromium (issue 19): probation deposits the licence; on the day of
 * release the phone has no data, is locked, and is opened with the PIN alone; it shows the licence
 * as a QR code; the duty officer's reader verifies it against its own trust list. From the moment
 * the phone goes offline, not one request leaves the page.
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

describe.skipIf(skipBrowser)('showing the licence with no network (scenario 4)', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-offline-'))
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

  it('[OFF-READ-01][OFF-HLD-01][OFF-HLD-03] the phone offline shows the licence QR; the officer verifies it; no request leaves the phone', async () => {
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
    const devices = new Set((await probation.grant()).holderDevices.map((d) => base64urlEncode(d.keyId)))
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: '1 new thing sent to you' }).click()
    await page.getByRole('button', { name: 'Keep it' }).click()
    await page.getByText('It is now in My things.', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Sam Patel', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Lock' }).click()

    // Friday, day of release: no data. Every request from here on is counted.
    // A request the service worker answers from its cache (the Welsh words, when the screen check
    // switches language) stays on the phone; any other, answered or failed, left it.
    const requests: Request[] = []
    page.on('request', (request) => requests.push(request))
    const leftThePhone = async () => {
      const left: string[] = []
      for (const request of requests) if (!(await request.response())?.fromServiceWorker()) left.push(request.url())
      return left
    }
    await context.setOffline(true)
    await page.getByRole('heading', { name: 'Open your vault' }).waitFor()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    // Opening tried the host and failed (no network); from here, showing the code tries nothing.
    requests.length = 0
    await page.getByRole('button', { name: 'Show without internet' }).click()
    await page.getByRole('heading', { name: 'Show without internet' }).waitFor()
    await checkScreen(page, 'offline-01-choose')
    await page.getByRole('button', { name: 'Show your licence conditions' }).click()
    await page.getByRole('img', { name: 'A code for your licence conditions' }).waitFor()
    await expect.poll(() => page.locator('main').textContent()).toContain('The code works once.')
    await checkScreen(page, 'offline-02-qr')
    const text = (await page.getByTestId('offline-code').textContent()) ?? ''
    expect(await leftThePhone()).toEqual([])

    // The duty officer's reader: its own trust list, its own clock, no request to the host.
    const trusted = verifyTrustList(host.trustListJws, host.operator.publicKey)
    const result = await verifyOfflineShare(text, {
      trusted,
      seen: new MemoryOfflineNonceStore(),
      holderDevices: () => devices,
      fetchLink: () => {
        throw new Error('the reader made a request')
      },
    })
    expect(result).toMatchObject({
      ok: true,
      recordType: 'licence_conditions',
      holderDeviceKnown: true,
      hostTime: true,
    })
    if (result.ok) expect(result.issuer.name).toBe('Leeds Probation Delivery Unit')

    // The phone noted the showing in its own sealed log.
    await page.getByRole('button', { name: 'Show something else' }).click()
    await expect.poll(() => page.locator('main').textContent()).toContain('Times shown without internet: 1.')
    expect(pageErrors).toEqual([])
  })
})
