import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import { type NoteSigner, parseCheckpoint, parseNote, signCheckpoint } from '@holdall/log'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * The wallet against a host that forks its log, in real Chromium (security.md 5.3 case 35): the
 * phone has checked the vault's signed log once; then the host's operator, who holds the log key,
 * answers with a checkpoint of the same size and another root. The "What happened" screen says
 * so in plain words, keeps both signed checkpoints and lets the person save them.
 */
const PIN = '591736'

describe.skipIf(skipBrowser)('the wallet when the host rewrites its log', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  const signer: NoteSigner = { name: 'wallet-test/log', secretKey: new Uint8Array(randomBytes(32)) }
  /** While true, the host's checkpoint answers carry a fork: same size, another root. */
  let fork = false

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-log-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir, app: { logKeys: [signer] } })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.route('**/*', async (route) => {
      const request = route.request()
      if (!request.url().startsWith(host.url)) return route.abort('blockedbyclient')
      if (!fork || !new URL(request.url()).pathname.endsWith('/log/checkpoint')) return route.continue()
      const response = await route.fetch()
      const body = (await response.json()) as { checkpoint: string }
      const { origin, size } = parseCheckpoint(parseNote(body.checkpoint).text)
      const forked = signCheckpoint({ origin, size, rootHash: new Uint8Array(32).fill(0x5a) }, [signer])
      return route.fulfill({ response, json: { checkpoint: forked } })
    })
    page = await context.newPage()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  it('[LOG-CLIENT-03] shows the alarm in plain words, in English and Welsh, with both checkpoints to save', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })

    // First visit: the phone checks the log from its first entry; all is well.
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByRole('heading', { name: 'What happened' }).waitFor()
    await page.locator('ul.log li').first().waitFor()
    await page.waitForTimeout(500)
    expect(await page.getByTestId('log-alarm').count()).toBe(0)
    await page.getByRole('button', { name: 'Back to home' }).click()

    // The operator forks the log: same size, another root, signed with the host's log key.
    fork = true
    await page.getByRole('button', { name: 'What happened' }).click()
    const alarm = page.getByTestId('log-alarm')
    await alarm.waitFor({ timeout: 15_000 })
    expect(await alarm.textContent()).toContain(
      'Someone changed the record of who saw your things. Your vault may not be safe.',
    )
    const save = page.getByRole('link', { name: 'Save the proof' })
    expect(await save.getAttribute('download')).toBe('holdall-log-proof.json')
    // The person saves the proof: a file with both signed checkpoints.
    const [download] = await Promise.all([page.waitForEvent('download'), save.click()])
    const proof = JSON.parse(readFileSync((await download.path()) as string, 'utf8')) as {
      code: string
      evidence: { trusted: string; presented: string }
    }
    expect(proof.code).toBe('LOG_FORKED')
    expect(proof.evidence.trusted).not.toBe(proof.evidence.presented)
    expect(parseCheckpoint(parseNote(proof.evidence.trusted).text).size).toBe(
      parseCheckpoint(parseNote(proof.evidence.presented).text).size,
    )
    await checkScreen(page, '20-log-alarm')

    // The alarm is kept: an honest answer later does not clear it.
    fork = false
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'What happened' }).click()
    await page.getByTestId('log-alarm').waitFor({ timeout: 15_000 })
  }, 120_000)
})
