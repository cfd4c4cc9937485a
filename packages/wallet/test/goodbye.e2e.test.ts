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
 * Domain scenario 17 in real Chromium: the holder closes the vault from one screen that says what
 * it means (every sharing stops, it cannot be undone, a GP keeps what it copied), confirms once,
 * and is told only what the phone checked of the host's receipt. Played by the host's operator, a
 * receipt whose tombstone is not the log's is never shown as "closed".
 */
const PIN = '604217'

describe.skipIf(skipBrowser)('goodbye: closing the vault (scenario 17)', () => {
  let host: Host
  let browser: Browser
  let walletDir: string

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-goodbye-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  /** A fresh phone with a vault and a supporter's grant (scenario 13's flow). */
  async function phoneWithGrant(): Promise<{ page: Page; supporter: ReturnType<Host['service']> }> {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })).newPage()
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
      bindingMessage: `Reconnect ${Math.floor(Math.random() * 9000) + 1000}`,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
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
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('heading', { name: 'For how long' }).waitFor()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor()
    await supporter.waitForDecision(ask.authReqId, { intervalMs: 100 })
    await supporter.grant()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor()
    return { page, supporter }
  }

  it('[ERA-CLI-02][ERA-CLI-03] one screen says what closing means; once closed, the phone says what it checked and what it could not', async () => {
    const { page, supporter } = await phoneWithGrant()
    await page.getByRole('button', { name: 'Close my vault' }).click()
    await page.getByRole('heading', { name: 'Close your vault' }).waitFor()
    const explained = (await page.locator('main').textContent()) ?? ''
    expect(explained).toContain('All sharing stops at once.')
    expect(explained).toContain('You cannot undo this.')
    expect(explained).toContain('Your GP may have put your medicines in your GP record.')
    // "Keep" is as easy to reach as "close".
    await page.getByRole('button', { name: 'Keep my vault' }).waitFor()
    await checkScreen(page, 'goodbye-01-explain')

    await page.getByRole('button', { name: 'Close my vault now' }).click()
    await page.getByRole('button', { name: 'Yes, close it' }).click()
    await page.getByRole('heading', { name: 'Your vault is closed.' }).waitFor({ timeout: 20_000 })
    const done = (await page.getByTestId('goodbye-done').textContent()) ?? ''
    expect(done).toContain('What this phone checked')
    expect(done).toContain('Holdall signed a note that your vault is closed.')
    expect(done).toContain('What this phone cannot check')
    expect(done).toContain('It cannot check that your things are gone.')
    await checkScreen(page, 'goodbye-02-done')
    await expect(supporter.grant()).rejects.toMatchObject({ status: 410, code: 'vault_erased' })

    await page.getByRole('button', { name: 'Delete from this phone too' }).click()
    await page.getByRole('button', { name: 'Yes, delete them' }).click()
    await page.getByRole('button', { name: 'Make my vault' }).waitFor()
    await page.context().close()
  }, 120_000)

  it('[ERA-CLI-01] the operator answers with a receipt whose last entry is not the tombstone: the phone never says the vault is closed', async () => {
    const { page } = await phoneWithGrant()
    await page.route('**/erasure', async (route) => {
      const response = await route.fetch()
      const receipt = (await response.json()) as { tombstone: string }
      // Another entry of the log passed off as the tombstone (a `host_event` named otherwise).
      const entry = Buffer.from(receipt.tombstone, 'base64url')
      entry[entry.length - 5] = (entry[entry.length - 5] as number) ^ 1
      await route.fulfill({ response, json: { ...receipt, tombstone: entry.toString('base64url') } })
    })
    await page.getByRole('button', { name: 'Close my vault' }).click()
    await page.getByRole('button', { name: 'Close my vault now' }).click()
    await page.getByRole('button', { name: 'Yes, close it' }).click()
    await page.getByTestId('goodbye-unproven').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('goodbye-unproven').textContent()).toContain('this phone could not check it')
    expect(await page.getByRole('heading', { name: 'Your vault is closed.', exact: true }).count()).toBe(0)
    expect(await page.getByTestId('goodbye-done').count()).toBe(0)
    await checkScreen(page, 'goodbye-03-unproven')
    await page.context().close()
  }, 120_000)
})
