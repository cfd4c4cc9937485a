import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ServiceClient, signTrustList } from '@holdall/client'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HostPair, startHostPair } from '../../server/test/support/host-processes.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Issue 18 in real Chromium, against two real host processes: the wallet on host B (number 2 in
 * the operator's registry) shows its host number with the code, from its own pinned trust list;
 * a GP that knows only the typed code and safety code finds host B and its request reaches the
 * phone. Then host B's operator serves an older trust list after a newer one: the wallet refuses
 * it (rollback), and shows no host number rather than one from a list it does not trust.
 */
const PIN = '604913'

describe.skipIf(skipBrowser)('the wallet names its host in the pairing code', () => {
  let pair: HostPair
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  /** What host B's operator serves at the well-known trust list path, when set. */
  let served: string | undefined

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-fed-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    pair = await startHostPair({ operator, env: { HOLDALL_WALLET_DIR: walletDir } })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.route('**/*', async (route) => {
      const url = route.request().url()
      if (!url.startsWith(pair.b.url)) return route.abort('blockedbyclient')
      if (served !== undefined && new URL(url).pathname === '/.well-known/holdall-trust-list')
        return route.fulfill({ json: { trust_list: served, key_rotations: [] } })
      return route.continue()
    })
    page = await context.newPage()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await pair?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  async function showCode() {
    await page.getByRole('button', { name: 'Show my code at a desk' }).click()
    await page.getByTestId('pairing-code').waitFor({ timeout: 15_000 })
  }

  it('[FED-PAIR-01] shows host number 2 with the code (the QR text comes from the SDK, tested there); a GP with only the typed code reaches this phone', async () => {
    await page.goto(`${pair.b.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await showCode()
    expect(await page.getByTestId('host-number').textContent()).toBe('2')
    const code = (await page.getByTestId('pairing-code').textContent()) ?? ''
    const safetyCode = (await page.getByTestId('safety-code').textContent()) ?? ''
    await page.getByText(`like this: 2-${code.slice(0, 4)} ${code.slice(4)}`).waitFor()
    await checkScreen(page, 'fed-01-pair-host-number')

    const typed = `2-${code}`
    const gp = ServiceClient.forPairing(typed, pair.orgs.gp.identity, pair.trusted)
    expect(gp.hostUrl).toBe(pair.b.url)
    await gp.requestAccess({
      pairingCode: typed,
      holderRoot: { safetyCode },
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Continue your repeat prescription',
          duration_days: 14,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByText('Riverside Surgery').first().waitFor()
  })

  it('[FED-TRUST-05] after a newer list, an older one from the host is refused: no host number from it', async () => {
    const newer = signTrustList({ ...pair.trustList, iat: pair.trustList.iat + 100 }, pair.operator.secretKey)
    served = newer
    await page.goto(`${pair.b.url}/`)
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await showCode()
    expect(await page.getByTestId('host-number').textContent()).toBe('2')

    // The host's operator goes back to the older list (still signed, not expired).
    served = pair.trustListJws
    await page.goto(`${pair.b.url}/`)
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await showCode()
    expect(await page.getByTestId('host-number').count()).toBe(0)
    // A list signed by anyone else is refused the same way.
    served = signTrustList({ ...pair.trustList, iat: pair.trustList.iat + 200 }, generateSigningKeyPair().secretKey)
    await page.goto(`${pair.b.url}/`)
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    await showCode()
    expect(await page.getByTestId('host-number').count()).toBe(0)
    served = undefined
  })
})
