import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { RecordPayload } from '@holdall/protocol'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet, type WalletBuildResult } from '../tools/build.js'
import { checked, checkScreen, launchChromium, screenshotDir, skipBrowser, tabTo } from './browser.js'

/*
 * The holder's journey in real Chromium at 360 x 740, against a real host on 127.0.0.1 with real
 * SQLite and crypto: make a vault by keyboard alone, accept prison healthcare's deposit, share
 * only the medicines with the GP while the GP waits through the service SDK, read the log, stop
 * sharing, and see the GP refused. Every screen gets axe, target-size and reflow checks and a
 * screenshot in packages/wallet/screenshots/.
 */

const PIN = '483920'

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
    allergies: [{ substance: 'Penicillin', reaction: 'Rash' }],
  }
}

describe.skipIf(skipBrowser)('the wallet in a real browser', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  let build: WalletBuildResult
  const pageErrors: string[] = []
  const elsewhere: string[] = []

  beforeAll(async () => {
    rmSync(screenshotDir, { recursive: true, force: true })
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-'))
    build = await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    // Nothing may leave for another origin (no third-party requests).
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith(host.url)) return route.continue()
      elsewhere.push(route.request().url())
      return route.abort('blockedbyclient')
    })
    page = await context.newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text())
    })
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
    process.stdout.write(
      `wallet screens checked (axe, 24 px targets, reflow) and photographed: ${checked.join(', ')}\n`,
    )
  })

  it('builds within 150 KB of JavaScript gzipped for a first load', () => {
    process.stdout.write(`wallet first load: ${(build.firstLoadJsGzipBytes / 1024).toFixed(1)} KB JavaScript gzipped\n`)
    expect(build.firstLoadJsGzipBytes).toBeLessThanOrEqual(150 * 1024)
  })

  it('is served at / with a strict CSP and cache headers that fit hashed assets', async () => {
    const index = await fetch(`${host.url}/`)
    const csp = index.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/unsafe-(inline|eval)/)
    expect(index.headers.get('cache-control')).toBe('no-cache')
    const script = build.files.find((f) => f.endsWith('.js') && f.startsWith('assets/'))
    const asset = await fetch(`${host.url}/${script}`)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${host.url}/assets/../index.html`)).status).toBe(404)
  })

  it('a holder makes a vault by keyboard, keeps a deposit, shares only medicines with the GP, reads the log and stops sharing', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('heading', { name: 'Your vault' }).waitFor()
    await checkScreen(page, '01-welcome')

    // Keyboard only: Tab to the button, Enter, type the PIN twice, Enter.
    await tabTo(page, 'Make my vault')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Choose a PIN' }).waitFor()
    await checkScreen(page, '02-choose-pin')
    await page.getByLabel('PIN', { exact: true }).focus()
    await page.keyboard.type(PIN)
    await page.keyboard.press('Tab')
    await page.keyboard.type(PIN)
    await page.keyboard.press('Enter')
    await page
      .getByRole('heading', { name: 'Home' })
      .waitFor({ timeout: 30_000 })
      .catch(async (e) => {
        console.log('DEBUG', await page.locator('body').textContent(), pageErrors)
        throw e
      })
    await checkScreen(page, '03-home')

    // Prison healthcare asks to give Jordan the medicines list; Jordan shows a code.
    const prison = host.issuer(host.orgs.prisonHealthcare)
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    await checkScreen(page, '04-show-code')
    const depositAsk = await prison.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'HMP Leeds 4821',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['medication_list'],
          purpose: 'Medicines on release',
          duration_days: 1,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('HMP Leeds Healthcare wants to give you a record.')
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'What they want to give you' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'Check your answers' }).waitFor()
    await page.getByRole('button', { name: 'Accept', exact: true }).click()
    await page.getByRole('heading', { name: 'You said yes' }).waitFor()
    await prison.waitForDecision(depositAsk.authReqId, { intervalMs: 100 })
    await prison.deposit('medication_list', medicationList(), 'Medicines on release')

    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: '1 new thing sent to you' }).click()
    await page.getByRole('heading', { name: 'Things sent to you' }).waitFor()
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('HMP Leeds Healthcare sent you your medicines.')
    await checkScreen(page, '05-inbox')
    await page.getByRole('button', { name: 'Keep it' }).click()
    await page.getByText('You kept your medicines. It is now in My things.').waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Sertraline 50mg tablets').waitFor()
    await expect.poll(() => page.locator('main').textContent()).toContain('Runs out on Friday 18 December')
    await checkScreen(page, '06-my-things')

    // Day 3 at Riverside Surgery: the GP asks for medicines and appointments for 30 days.
    const surgery = host.service(host.orgs.gp)
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    await codeBox.waitFor()
    const gpAsk = await surgery.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list', 'appointment', 'licence_conditions'],
          purpose: 'To carry on your repeat prescription.',
          duration_days: 30,
        },
      ],
    })
    const gpDecision = surgery.waitForDecision(gpAsk.authReqId, { intervalMs: 200 })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await expect.poll(() => page.getByTestId('binding-message').textContent()).toBe('Riverside 2231')
    await expect
      .poll(() => page.locator('main').textContent())
      .toContain('We checked that this really is Riverside Surgery.')
    await checkScreen(page, '07-request-who')
    await page.getByRole('button', { name: 'Next' }).click()

    await page.getByRole('heading', { name: 'What to share' }).waitFor()
    const medicines = page.getByRole('checkbox', { name: 'Your medicines' })
    const appointments = page.getByRole('checkbox', { name: 'Your appointments' })
    const licence = page.getByRole('checkbox', { name: 'Your licence conditions' })
    expect(await medicines.isChecked()).toBe(true)
    // Sensitive items start off. (Justice-only items never get this far: the host refuses such a request.)
    expect(await licence.isChecked()).toBe(false)
    await checkScreen(page, '08-request-what')
    await appointments.click()
    expect(await appointments.isChecked()).toBe(false)
    await page.getByRole('button', { name: 'Next' }).click()

    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await checkScreen(page, '09-request-how-long')
    await page.getByRole('button', { name: 'Next' }).click()

    await page.getByRole('heading', { name: 'Check your answers' }).waitFor()
    const main = (await page.locator('main').textContent()) ?? ''
    expect(main).toContain('The GP will save this in your NHS record.')
    expect(main).toContain('Riverside 2231')
    expect(main).not.toContain('appointments')
    await checkScreen(page, '10-request-check')
    // Share and Don't share carry equal weight: same size and same style.
    const share = await page.getByRole('button', { name: 'Share', exact: true }).boundingBox()
    const dont = await page.getByRole('button', { name: "Don't share" }).boundingBox()
    expect(share?.width).toBeCloseTo(dont?.width ?? 0, 0)
    expect(share?.height).toBeCloseTo(dont?.height ?? 0, 0)
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor()
    await checkScreen(page, '11-request-done')
    await gpDecision

    // The GP reads the medicines, and nothing else, and checks prison healthcare signed them.
    const views = await surgery.records()
    expect(views.map((v) => v.record_type)).toEqual(['medication_list'])
    const record = await surgery.readRecord(views[0] as NonNullable<(typeof views)[0]>, host.trusted)
    expect(record.payload.recordType).toBe('medication_list')

    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByRole('heading', { name: 'What happened' }).waitFor()
    await expect
      .poll(() => page.locator('main').textContent())
      .toMatch(/Riverside Surgery looked at your medicines on \w{3} \d{1,2} \w{3} at \d{2}:\d{2}\./)
    await checkScreen(page, '12-what-happened')

    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Who can see my things' }).click()
    await page.getByText(/Riverside Surgery can see your medicines until/).waitFor()
    await checkScreen(page, '13-who-can-see')
    await page.getByRole('button', { name: 'Stop sharing with Riverside Surgery' }).click()
    await page.getByRole('button', { name: 'Yes, stop sharing' }).click()
    await page.getByText('You stopped sharing with Riverside Surgery. They keep what they already saw.').waitFor()
    await expect.poll(() => page.locator('main').textContent()).not.toContain('Riverside Surgery can see')

    // The GP's next read fails.
    await expect(surgery.records()).rejects.toMatchObject({ status: 401 })
    expect(pageErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([])
    expect(elsewhere, 'requests to any origin but the host').toEqual([])
  }, 180_000)

  it('asks an unchecked employer’s holder whether anyone is making them share, and stops quietly on yes', async () => {
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    const codeBox = page.getByTestId('pairing-code')
    await codeBox.waitFor()
    const employer = host.service(host.orgs.employer)
    const ask = await employer.requestAccess({
      pairingCode: (await codeBox.textContent()) ?? '',
      holderRoot: { safetyCode: (await page.getByTestId('safety-code').textContent()) ?? '' },
      bindingMessage: 'Quick 7730',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['identity_document'],
          purpose: 'To check you can work here.',
          duration_days: 7,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await expect.poll(() => page.locator('main').textContent()).toContain('We could not check who this is.')
    await checkScreen(page, '14-request-unchecked')
    // Keyboard only from here: the screen's heading has focus, Tab reaches each choice.
    await tabTo(page, 'Next')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Before you go on' }).waitFor()
    await checkScreen(page, '15-pressure-question')
    await tabTo(page, 'Yes')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'We stopped this' }).waitFor()
    await checkScreen(page, '16-pressure-help')
    await expect(employer.waitForDecision(ask.authReqId, { intervalMs: 100 })).rejects.toThrow()
  })

  it('switches to Welsh on every screen, locks, refuses a wrong PIN and opens with the right one', async () => {
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Cymraeg' }).click()
    await page.getByRole('heading', { name: 'Dechrau' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('cy')
    await checkScreen(page, '17-home-welsh')
    await page.getByRole('button', { name: 'English' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor()

    await page.getByRole('button', { name: 'Lock' }).click()
    await page.getByRole('heading', { name: 'Open your vault' }).waitFor()
    await checkScreen(page, '18-unlock')
    await page.getByLabel('PIN', { exact: true }).fill('000000')
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('link', { name: 'That PIN is not right. Try again.' }).waitFor({ timeout: 30_000 })
    await checkScreen(page, '19-unlock-wrong-pin')
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    const started = Date.now()
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    process.stdout.write(`wallet unlock (scrypt N=2^15 r=8 + sign-in to the host): ${Date.now() - started} ms\n`)
  })

  it('keeps no keys, tokens or record content in localStorage, and reads my things offline', async () => {
    const local = await page.evaluate(() => JSON.stringify({ ...localStorage }))
    expect(local).not.toMatch(/Sertraline|eyJ|secret|token/i)
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('holdall-wallet')
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      const all = await new Promise<unknown[]>((resolve) => {
        const r = db.transaction('sealed').objectStore('sealed').getAll()
        r.onsuccess = () => resolve(r.result)
      })
      db.close()
      return JSON.stringify(
        all.map((e) => {
          const entry = e as { ciphertext: ArrayBuffer }
          return new TextDecoder('latin1').decode(entry.ciphertext)
        }),
      )
    })
    expect(stored).not.toContain('Sertraline')

    // Make sure the service worker holds the app, then cut the network.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true))
    await page.reload()
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true))
    await context.setOffline(true)
    try {
      await page.reload()
      await page.getByRole('heading', { name: 'Open your vault' }).waitFor()
      await page.getByLabel('PIN', { exact: true }).fill(PIN)
      await page.getByRole('button', { name: 'Open', exact: true }).click()
      await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
      await page.getByText('You are offline. You can still read your things.').waitFor()
      await checkScreen(page, '20-home-offline')
      await page.getByRole('button', { name: 'My things', exact: true }).click()
      await page.getByText('Sertraline 50mg tablets').waitFor()
      await checkScreen(page, '21-my-things-offline')
    } finally {
      await context.setOffline(false)
    }
  })

  it('locks itself after two minutes without a tap or key press', async () => {
    await page.clock.install()
    await page.reload()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    // Preact runs effects (which arm the idle timer) from timers, which the fake clock holds back:
    // one fake second lets them run, so the two minutes below count from a known start.
    await page.clock.fastForward('00:01')
    await page.clock.fastForward('01:50')
    expect(await page.getByRole('heading', { name: 'Home' }).isVisible()).toBe(true)
    await page.clock.fastForward('00:15')
    await page.getByRole('heading', { name: 'Open your vault' }).waitFor()
    await page.getByText('We locked your vault because you did not use it for a while.').waitFor()
    // Back to the real time: the host refuses proofs signed more than a few seconds in the future.
    await page.clock.setSystemTime(Date.now())
  })

  it('makes someone who keeps guessing the PIN wait, and still opens with the right PIN later', async () => {
    // Chromium's fake clock (from the test before) runs 40 s behind while the wrong PINs go in, so
    // the wait can end by returning to the real time, which the host needs for signed proofs.
    await page.getByLabel('PIN', { exact: true }).waitFor()
    await page.clock.setSystemTime(Date.now() - 40_000)
    for (let tries = 1; tries <= 5; tries++) {
      await page.getByLabel('PIN', { exact: true }).fill('111111')
      await page.getByRole('button', { name: 'Open', exact: true }).click()
      // The person is warned before the tries run out (the right PIN above reset the count).
      const message = [
        'That PIN is not right. Try again.',
        'That PIN is not right. You have 3 more tries before you must wait.',
        'That PIN is not right. You have 2 more tries before you must wait.',
        'That PIN is not right. If the next one is wrong, you must wait.',
        /Too many wrong tries. You can try again at \d{2}:\d{2}\./,
      ][tries - 1] as string | RegExp
      await page.getByRole('link', { name: message }).waitFor({ timeout: 30_000 })
      await page.getByRole('button', { name: 'Open', exact: true }).waitFor()
    }
    await checkScreen(page, '22-unlock-wait')
    // Even the right PIN waits its turn.
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('status').getByText('Opening your vault…').waitFor({ state: 'detached' })
    await page.getByRole('link', { name: /Too many wrong tries/ }).waitFor()
    expect(await page.getByRole('heading', { name: 'Home' }).count()).toBe(0)
    await page.clock.setSystemTime(Date.now())
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
  })
})
