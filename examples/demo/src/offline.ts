import { HolderClient, IssuerClient, type OfflineShareLogEntry, verifyTrustList } from '@holdall/client'
import { base64urlEncode } from '@holdall/crypto'
import { createOfflineReader, startReaderServer } from '@holdall/example-reader'
import type { LicenceConditions } from '@holdall/protocol'
import { demoHost, runDemo } from './host.js'
import { jordanLicence } from './jordan.js'

/*
 * npm run demo:offline (domain scenario 4): Friday, 15:00, Jordan's first probation appointment on
 * the day of release. Jordan's phone has no data. It shows the licence as a QR code; the duty
 * officer's reader checks probation's signature against its own trust list and says the licence
 * is current, with no request to Jordan's host: the demo counts every request to the host while
 * the phone is offline (it must stay at zero), and stops its own host before the officer scans.
 * Exits non-zero if anything goes differently. Like the other demos it starts its own host, or
 * uses yours with `-- --base-url <url>` (then the host keeps running and only the count proves it).
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const check = (condition: boolean, what: string) => {
  if (!condition) throw new Error(`demo step failed: ${what}`)
}

async function main(): Promise<void> {
  const ownHost = !process.argv.includes('--base-url')
  const { url, orgs, stop } = await demoHost(process.argv, say)
  let stopped = false
  // Every request anyone in this process makes to Jordan's host is counted here.
  let hostRequests = 0
  const realFetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).startsWith(url)) hostRequests++
    return realFetch(input, init)
  }
  let phoneOnline = true
  const phoneFetch: typeof fetch = (input, init) => {
    if (!phoneOnline) return Promise.reject(new TypeError('no network: the phone has no data'))
    return fetch(input, init)
  }
  const reader = { close: async () => {} }
  try {
    const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
    const trust = { trusted, fetchMetadata: fetch }

    say('\n1. In prison, the week before release: probation puts Jordan’s licence in Jordan’s vault.')
    const jordan = await HolderClient.createVault(url, phoneFetch)
    const probation = new IssuerClient(url, orgs.probation)
    const ask = await probation.requestAccess({
      pairingCode: (await jordan.createPairingCode()).qr,
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
    const [request] = await jordan.waitForRequest(10_000)
    check(request !== undefined, 'the deposit request reached the phone')
    await jordan.approve(request as NonNullable<typeof request>, trust)
    await probation.waitForDecision(ask.authReqId, { intervalMs: 200 })
    await probation.deposit('licence_conditions', licence(), 'My licence')
    // Probation checked Jordan's list of phones against the root in the pairing QR code: it keeps
    // the phones' key ids, so its duty officers' readers can tell Jordan's phone from any other.
    const devices = new Set((await probation.grant()).holderDevices.map((d) => base64urlEncode(d.keyId)))
    const [deposit] = await jordan.inbox()
    check(deposit !== undefined, 'the licence arrived')
    await jordan.acceptDeposit(deposit as NonNullable<typeof deposit>, trust)
    const view = (await jordan.listRecords()).find((r) => r.record_type === 'licence_conditions')
    check(view !== undefined, 'the licence is in the vault')
    // While it still has Wi-Fi, the phone keeps a copy it can show offline.
    const copy = await jordan.offlineCopy(view as NonNullable<typeof view>)
    say('   The phone keeps the signed licence, ready to show without the internet.')

    say('\n2. Friday, 15:00, day of release: Jordan has no data. The phone goes offline.')
    phoneOnline = false
    const before = hostRequests
    const phoneLog: OfflineShareLogEntry[] = []
    const made = jordan.offlineShare(copy)
    phoneLog.push(made.log)
    say(`   Jordan taps "Show my licence". The phone shows a QR code of ${made.text.length} symbols, valid 5 minutes.`)
    say(`   The phone notes it in its own log: licence shown at ${new Date(made.log.issuedAt).toISOString()}.`)

    if (ownHost) {
      await stop()
      stopped = true
      say('   (The demo stops Jordan’s host now: the reader cannot reach it even if it tried.)')
    }

    say('\n3. The duty officer scans the code with the office reader.')
    let clockAhead = 0
    const desk = await startReaderServer(
      createOfflineReader({
        trustListJws: orgs.trustListJws,
        operatorPublicKey: orgs.operatorPublicKey,
        now: () => Date.now() + clockAhead,
        holderDevices: (vaultId) => (vaultId === jordan.vaultId ? devices : undefined),
      }),
    )
    reader.close = desk.close
    const scan = async (text: string) => {
      const response = await realFetch(`${desk.url}/verify`, { method: 'POST', body: text })
      return (await response.json()) as { ok: boolean; code?: string; heading: string; lines: string[] }
    }
    const first = await scan(made.text)
    check(first.ok, `the reader accepts the licence (${first.lines.join(' ')})`)
    say(`   Reader: ${first.heading}`)
    for (const line of first.lines) say(`     ${line}`)
    check(first.lines[0]?.startsWith('The licence is current') === true, 'the reader says the licence is current')

    say('\n4. What the reader refuses, in plain words:')
    const again = await scan(made.text)
    check(again.code === 'REPLAYED', 'a second viewing is refused')
    say(`   The same code again: ${again.lines[0]}`)
    const changed = `${made.text.slice(0, 600)}${made.text[600] === '0' ? '1' : '0'}${made.text.slice(601)}`
    const altered = await scan(changed)
    check(altered.code === 'ALTERED' || altered.code === 'NOT_A_SHARE', 'an altered code is refused')
    say(`   A code with one symbol changed: ${altered.lines[0]}`)
    const later = jordan.offlineShare(copy)
    clockAhead = 8 * 60_000
    const expired = await scan(later.text)
    check(expired.code === 'EXPIRED', 'a code shown after its time is refused')
    say(`   A photo of a code, shown 8 minutes later: ${expired.lines[0]}`)

    check(hostRequests === before, 'no request reached the holder’s host while the phone was offline')
    say(`\nRequests to Jordan’s host from the moment the phone went offline: ${hostRequests - before}.`)
    say('Not built yet: copying the phone’s log line to the vault log when it is back online (spec 10.6).')
    say('Done.')
  } finally {
    globalThis.fetch = realFetch
    await reader.close()
    if (!stopped) await stop()
  }
}

/** Jordan's licence, current today: the reader checks that it is. */
function licence(): LicenceConditions {
  const today = new Date().toISOString().slice(0, 10)
  const end = new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10)
  return jordanLicence({
    licenceStartDate: today,
    licenceExpiryDate: end,
    initialAppointment: {
      person: 'Duty officer',
      time: `${today}T15:00:00Z`,
      address: 'Leeds PDU, 1 Park Row',
      phone: '0113 000 0001',
    },
  })
}

runDemo('demo:offline', main)
