import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { RecordPayload } from '@holdall/protocol'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../../server/test/harness.js'
import { buildWallet } from '../tools/build.js'
import { checkScreen, launchChromium, skipBrowser } from './browser.js'

/*
 * Domain scenario 14 in real Chromium (issue 19): an ex-partner demands to see the licence and
 * health files. The leaver opens the app with the second (duress) PIN: the decoy shows only T1
 * items, offers no sharing, code or key action, and nothing on screen says what it is. Then the
 * phone's storage is read directly: the real keys do not open under the duress PIN, and a real
 * unlock and a duress unlock read and write the same entries in the same order.
 */
const PIN = '582047'
const DURESS = '316924'
const STATIC_FILE = /\.(svg|png|ico|js|css|webmanifest|woff2?)$/

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

const appointment: RecordPayload = {
  recordType: 'appointment',
  with: 'Probation',
  purpose: 'First meeting',
  time: '2026-12-04T15:00:00Z',
  address: 'Leeds Probation Office',
}

/** Every IndexedDB call the page makes, as "operation:key", from before the app starts. */
function recordStorageCalls(): void {
  const calls: string[] = []
  ;(window as unknown as { __idb: string[] }).__idb = calls
  const proto = IDBObjectStore.prototype as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const op of ['get', 'put', 'add', 'delete', 'clear', 'getAll', 'getAllKeys', 'openCursor', 'count']) {
    const original = proto[op]
    if (typeof original !== 'function') continue
    proto[op] = function (this: IDBObjectStore, ...args: unknown[]) {
      const key = op === 'put' || op === 'add' ? args[1] : args[0]
      calls.push(`${op}:${String(key)}`)
      return original.apply(this, args)
    }
  }
}

interface DumpedEntry {
  name: string
  salt: string
  iv: string
  ciphertext: string
  kdf: { N: number; r: number; p: number }
}

/** Every sealed entry in the wallet's IndexedDB, as base64, read from the page. */
function dumpStorage(): Promise<DumpedEntry[]> {
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('holdall-wallet', 1)
    request.onerror = () => reject(request.error)
    request.onsuccess = () => {
      const store = request.result.transaction('sealed', 'readonly').objectStore('sealed')
      const out: DumpedEntry[] = []
      const cursor = store.openCursor()
      cursor.onsuccess = () => {
        const c = cursor.result
        if (c === null) {
          request.result.close()
          return resolve(out)
        }
        const v = c.value as { salt?: Uint8Array; iv?: Uint8Array; ciphertext?: ArrayBuffer; kdf?: DumpedEntry['kdf'] }
        if (v.ciphertext !== undefined && v.salt !== undefined && v.iv !== undefined && v.kdf !== undefined)
          out.push({
            name: String(c.key),
            salt: b64(v.salt),
            iv: b64(v.iv),
            ciphertext: b64(new Uint8Array(v.ciphertext)),
            kdf: v.kdf,
          })
        c.continue()
      }
    }
  })
}

const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'))

/** Opens a dumped entry with a PIN as the wallet would (scrypt, AES-256-GCM): the plaintext, or undefined. */
async function openWithPin(entry: DumpedEntry, pin: string): Promise<string | undefined> {
  const raw = await scryptAsync(new TextEncoder().encode(pin), fromB64(entry.salt), {
    ...entry.kdf,
    dkLen: 32,
    maxmem: 64 * 1024 * 1024,
  })
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt'])
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromB64(entry.iv), additionalData: new TextEncoder().encode('holdall-wallet/v1') },
      key,
      fromB64(entry.ciphertext),
    )
    return new TextDecoder().decode(plain)
  } catch {
    return undefined
  }
}

describe.skipIf(skipBrowser)('the duress PIN (scenario 14)', () => {
  let host: Host
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let walletDir: string
  const pageErrors: string[] = []

  beforeAll(async () => {
    const operator = generateSigningKeyPair()
    walletDir = mkdtempSync(join(tmpdir(), 'holdall-wallet-duress-'))
    await buildWallet({ outDir: walletDir, trustAnchor: toPublicJwk(operator.publicKey, 'Ed25519') as never })
    host = await startHost({}, { operator, walletDir })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' })
    await context.addInitScript(recordStorageCalls)
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await host?.close()
    if (walletDir) rmSync(walletDir, { recursive: true, force: true })
  })

  const unlock = async (pin: string) => {
    await page.getByRole('heading', { name: 'Open your vault' }).waitFor()
    await page.evaluate(() => {
      ;(window as unknown as { __idb: string[] }).__idb.length = 0
    })
    await page.getByLabel('PIN', { exact: true }).fill(pin)
    const started = Date.now()
    await page.getByRole('button', { name: 'Open', exact: true }).click()
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })
    const ms = Date.now() - started
    // Home has read what it shows from the phone (records, any kept alarm).
    await page.waitForTimeout(500)
    const calls = await page.evaluate(() => [...(window as unknown as { __idb: string[] }).__idb])
    return { ms, calls }
  }

  it('[DUR-PIN-01][DUR-PIN-02] the duress PIN opens T1 items only, no sharing, nothing that says so; storage shows the real keys unreachable and the same access pattern', async () => {
    await page.goto(`${host.url}/`)
    await page.getByRole('button', { name: 'Make my vault' }).click()
    await page.getByLabel('PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the same PIN again').fill(PIN)
    await page.getByLabel('Type the same PIN again').press('Enter')
    await page.getByRole('heading', { name: 'Home' }).waitFor({ timeout: 30_000 })

    // Probation gives the licence (T4) and an appointment (T1).
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
          record_types: ['licence_conditions', 'appointment'],
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
    await probation.deposit('appointment', appointment, 'First meeting')
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: /new thing sent to you/ }).click()
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Keep it' }).first().click()
      await page.getByText('It is now in My things.', { exact: false }).first().waitFor()
    }
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Sam Patel', { exact: false }).waitFor()
    await page.getByText('Leeds Probation Office', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()

    // The holder sets a second PIN. Their own PIN is refused as the second one.
    await page.getByRole('button', { name: 'A second PIN for when you are not safe' }).click()
    await page.getByRole('heading', { name: 'A second PIN' }).waitFor()
    await checkScreen(page, 'duress-01-set')
    await page.getByLabel('Second PIN', { exact: true }).fill(PIN)
    await page.getByLabel('Type the second PIN again').fill(PIN)
    await page.getByRole('button', { name: 'Save my second PIN' }).click()
    await page.getByText('Your second PIN must not be the same as your PIN.').first().waitFor()
    await page.getByLabel('Second PIN', { exact: true }).fill(DURESS)
    await page.getByLabel('Type the second PIN again').fill(DURESS)
    await page.getByRole('button', { name: 'Save my second PIN' }).click()
    await page.getByText('Your second PIN is saved.', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Lock' }).click()

    // Storage: which entries each PIN opens.
    const entries = await page.evaluate(dumpStorage)
    const names = entries.map((e) => e.name).sort()
    expect(names).toEqual(expect.arrayContaining(['device-keys', 'device-keys-2', 'records']))
    const realKeys = entries.find((e) => e.name === 'device-keys') as DumpedEntry
    const second = entries.find((e) => e.name === 'device-keys-2') as DumpedEntry
    // The same salt and scrypt cost: one PIN costs what the other costs.
    expect(second.salt).toBe(realKeys.salt)
    expect(second.kdf).toEqual(realKeys.kdf)
    const realPlain = JSON.parse((await openWithPin(realKeys, PIN)) ?? 'null') as {
      vaultId: string
      signing: [string, string]
      agreement: [string, string]
    }
    expect(realPlain.vaultId).toBeTypeOf('string')
    const opened: string[] = []
    let decoyText = ''
    for (const entry of entries) {
      const plain = await openWithPin(entry, DURESS)
      if (plain !== undefined) {
        opened.push(entry.name)
        decoyText = plain
      }
    }
    // The duress PIN opens its own slot and nothing else; the slot holds no key and no vault id.
    expect(opened).toEqual(['device-keys-2'])
    for (const secret of [realPlain.signing[0], realPlain.agreement[0], realPlain.signing[1], realPlain.vaultId])
      expect(decoyText).not.toContain(secret)
    for (const word of ['Sam Patel', 'licence_conditions', 'manifest', 'dataKey', 'envelope'])
      expect(decoyText).not.toContain(word)
    expect(decoyText).toContain('Leeds Probation Office')
    // Padded to 8 KiB blocks (plus the 16-byte GCM tag): its size tells little of what it holds.
    expect(fromB64(second.ciphertext).length % 8192).toBe(16)

    // A real unlock with no network, then the duress unlock: the same storage calls, in order.
    await context.setOffline(true)
    const real = await unlock(PIN)
    await page.getByRole('button', { name: 'Lock' }).click()
    const duress = await unlock(DURESS)
    expect(real.calls.length).toBeGreaterThan(3)
    expect(duress.calls).toEqual(real.calls)
    process.stdout.write(
      `unlock to home (offline): real ${real.ms} ms, duress ${duress.ms} ms; storage calls ${JSON.stringify(real.calls)}\n`,
    )
    await page.getByRole('button', { name: 'Lock' }).click()

    // Scenario 14 proper: the phone has network; the coercer watches the screen.
    await context.setOffline(false)
    // The app opened afresh, so nothing the real session started is still in flight.
    await page.reload({ waitUntil: 'networkidle' })
    const requests: string[] = []
    // The app's own files (an icon loaded late) are not requests about the vault.
    page.on('request', (request) => {
      if (!STATIC_FILE.test(new URL(request.url()).pathname)) requests.push(request.url())
    })
    const online = await unlock(DURESS)
    // No alert was chosen: the decoy sends nothing at all.
    expect(requests).toEqual([])
    expect(online.calls).toEqual(real.calls)
    const home = (await page.locator('main').textContent()) ?? ''
    for (const tell of ['second PIN', 'decoy', 'duress', 'not safe'])
      expect(home.toLowerCase()).not.toContain(tell.toLowerCase())
    // No way to share, make a code, see grants, add a phone, or set PINs.
    for (const button of ['Show my code at a desk', 'Who can see my things', 'A second PIN for when you are not safe'])
      expect(await page.getByRole('button', { name: button }).count()).toBe(0)
    await checkScreen(page, 'duress-02-home')
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Leeds Probation Office', { exact: false }).waitFor()
    const things = (await page.locator('main').textContent()) ?? ''
    expect(things).not.toContain('Sam Patel')
    expect(things.toLowerCase()).not.toContain('licence')
    await checkScreen(page, 'duress-03-things')
    await page.getByRole('button', { name: 'Back to home' }).click()
    await page.getByRole('button', { name: 'Show without internet' }).click()
    await page.getByText('There is nothing to show yet.', { exact: false }).waitFor()
    expect(await page.getByRole('button', { name: /^Show / }).count()).toBe(0)
    expect(requests).toEqual([])

    // The real PIN still opens the real vault, with the licence.
    await page.getByRole('button', { name: 'Lock' }).click()
    const realOnline = await unlock(PIN)
    process.stdout.write(
      `unlock to home (online): real ${realOnline.ms} ms, storage calls ${JSON.stringify(realOnline.calls)}\n`,
    )
    await page.getByRole('button', { name: 'My things', exact: true }).click()
    await page.getByText('Sam Patel', { exact: false }).waitFor()
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('[DUR-ALERT-01][DUR-ALERT-03] with a supporter chosen, the duress unlock tells them silently: one request, nothing on screen', async () => {
    // The real vault (open from the test above) shares appointments with a resettlement worker.
    await page.getByRole('button', { name: 'Back to home' }).click()
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
          record_types: ['appointment'],
          purpose: 'To help you get to your appointments.',
          duration_days: 90,
        },
      ],
    })
    await page.getByRole('heading', { name: 'Who is asking' }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'No, go on' }).click()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByRole('button', { name: 'Share', exact: true }).click()
    await page.getByRole('heading', { name: 'You shared your things' }).waitFor()
    await supporter.waitForDecision(ask.authReqId, { intervalMs: 100 })
    const grantId = (await supporter.grant()).grant_id
    await page.getByRole('button', { name: 'Back to home' }).click()

    // The holder chooses to tell the supporter quietly.
    await page.getByRole('button', { name: 'A second PIN for when you are not safe' }).click()
    await page.getByRole('radio', { name: 'Quietly tell Reconnect Support' }).check()
    await checkScreen(page, 'duress-04-alert')
    await page.getByLabel('Second PIN', { exact: true }).fill(DURESS)
    await page.getByLabel('Type the second PIN again').fill(DURESS)
    await page.getByRole('button', { name: 'Save my second PIN' }).click()
    await page.getByText('Your second PIN is saved.', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Lock' }).click()

    // The coercer watches the screen; the phone has network; the app opened afresh.
    await page.reload({ waitUntil: 'networkidle' })
    const requests: { method: string; url: string }[] = []
    const listen = (request: { method(): string; url(): string }) => {
      if (!STATIC_FILE.test(new URL(request.url()).pathname))
        requests.push({ method: request.method(), url: request.url() })
    }
    page.on('request', listen)
    await unlock(DURESS)
    page.off('request', listen)
    expect(requests).toEqual([{ method: 'POST', url: `${host.url}/duress-alert` }])
    const home = ((await page.locator('main').textContent()) ?? '').toLowerCase()
    for (const tell of ['reconnect', 'told', 'alert', 'second pin', 'quietly']) expect(home).not.toContain(tell)
    await expect
      .poll(async () => (await host.db.selectFrom('duress_alerts').select('fired_count').execute())[0]?.fired_count)
      .toBe(1)

    // The supporter hears of it once the grant has started (its cooling-off is the host's to end:
    // the test plays the clock by moving the start into the past).
    await host.db
      .updateTable('grants')
      .set({ starts_at: Date.now() - 1000 })
      .where('id', '=', grantId)
      .execute()
    expect((await supporter.duressAlert()).fired_count).toBe(1)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
