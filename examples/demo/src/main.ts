import { checkRequester, HolderClient, IssuerClient, ServiceClient, verifyTrustList } from '@holdall/client'
import type { MedicationList, PendingRequest } from '@holdall/protocol'
import { demoHost, runDemo } from './host.js'
import { jordanMedicationList } from './jordan.js'

/*
 * npm run demo: the repeat-prescription journey against a real Holdall host on 127.0.0.1, in plain
 * words. Exits non-zero if any step misbehaves.
 *   npm run demo                          starts its own host with an empty SQLite database
 *   npm run demo -- --base-url <url>      uses a host you started with `npm run dev`: it plays the
 *                                         development fixtures' organisations (.holdall-dev), which
 *                                         that host's trust list names (host.ts)
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const step = (n: number, line: string) => say(`\n${n}. ${line}`)

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo step failed: ${what}`)
}

async function main(): Promise<void> {
  const { url, orgs, stop } = await demoHost(process.argv, say)
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
  // What Jordan's phone trusts: the list it verified under the operator key it pinned, and its own
  // connection to read an unlisted service's metadata. Never the host's word.
  const trust = { trusted, fetchMetadata: fetch }
  /** A requester as the phone shows it: checked against the pinned list, or marked NOT checked. */
  const shown = (request: PendingRequest | undefined) => {
    if (request === undefined) return 'nobody'
    const who = checkRequester(request, trusted)
    const listed = trusted.byClientId(request.client_id)
    return who.checked ? `${who.name} (checked: ${listed?.category.replace('_', ' ')})` : `${who.name} (NOT checked)`
  }

  try {
    step(1, 'Jordan is about to leave HMP Leeds. On their phone, they make a Holdall vault.')
    const jordan = await HolderClient.createVault(url)
    say(`   The keys were made on the phone; the host only ever sees locked data.`)

    step(2, 'Prison healthcare asks to put the medicines list in Jordan’s vault, and Jordan agrees.')
    const prison = new IssuerClient(url, orgs.prisonHealthcare)
    const pairing = await jordan.createPairingCode()
    say(
      `   Jordan's phone shows code ${pairing.code} and safety code ${pairing.safetyCode}; the desk scans its QR code.`,
    )
    say(`   The QR code names Jordan's own list of devices, so the host cannot slip in a "device" of its own.`)
    let code = pairing.qr
    let ask = await prison.requestAccess({
      pairingCode: code,
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
    let [request] = await jordan.waitForRequest(10_000)
    check(request !== undefined, 'the deposit request reached the phone')
    say(
      `   Jordan's phone shows: "${shown(request)} wants to give you: your medicines". Code on both screens: ${request?.binding_message}`,
    )
    await jordan.approve(request as NonNullable<typeof request>, trust)
    await prison.waitForDecision(ask.authReqId, { intervalMs: 200 })
    await prison.deposit('medication_list', jordanMedicationList(), 'Medicines on release')
    const [deposit] = await jordan.inbox()
    check(deposit !== undefined, 'the deposit arrived')
    // The phone finds the signer on its trust list, checks prison healthcare may issue a
    // medicines list, and checks the signed type before it keeps the record.
    await jordan.acceptDeposit(deposit as NonNullable<typeof deposit>, trust)
    say('   The signed medicines list is now in Jordan’s vault.')

    step(3, 'Day 3: at Riverside Surgery, reception asks for Jordan’s medicines and appointments.')
    const surgery = new ServiceClient(url, orgs.surgery)
    code = (await jordan.createPairingCode()).qr
    say(`   Jordan shows the code ${code}; reception types it in.`)
    const waiting = jordan.waitForRequest(10_000)
    ask = await surgery.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list', 'appointment'],
          purpose: 'Continue your repeat prescription',
          duration_days: 30,
        },
      ],
    })
    ;[request] = await waiting
    check(request?.client_id === orgs.surgery.clientId, 'the surgery’s request reached the phone')
    say(`   Jordan's phone: "${shown(request)} wants to see: your medicines, your appointments, for 30 days."`)

    step(4, 'Jordan shares only the medicines, and only for 14 days.')
    // Before wrapping anything, the phone checks the surgery's key is the one on the trust list
    // and that each record's signed type is one Jordan is sharing.
    const grant = await jordan.approve(request as NonNullable<typeof request>, trust, {
      recordTypes: ['medication_list'],
      durationDays: 14,
    })
    say(`   Shared until ${new Date(grant.expires_at).toDateString()}.`)
    await surgery.waitForDecision(ask.authReqId, { intervalMs: 200 })

    step(5, 'The GP reads the list and checks that prison healthcare really signed it.')
    const views = await surgery.records()
    check(views.length === 1 && views[0]?.record_type === 'medication_list', 'the surgery sees only the medicines')
    const record = await surgery.readRecord(views[0] as NonNullable<(typeof views)[0]>, trusted)
    check(record.payload.recordType === 'medication_list', 'the record is a medicines list')
    const list = record.payload as MedicationList
    say(
      `   Signed by ${record.issuer} (ODS ${list.issuingOrganisation.odsCode}) on ${record.signedAt.toDateString()}: signature valid.`,
    )
    for (const m of list.medicines) {
      say(
        `   - ${m.medication.display} (dm+d ${m.medication.code}): ${m.dose}. ${m.quantitySupplied.value} ${m.quantitySupplied.unit}s supplied ${m.supplyDate}; runs out ${m.runOutDate}.`,
      )
    }

    step(6, 'Jordan looks at what happened, then stops sharing.')
    for (const entry of await jordan.log())
      say(`   ${new Date(entry.at).toLocaleString('en-GB')}: ${describe(entry.event, entry.details)}`)
    await jordan.revoke(grant.grant_id)
    say('   Jordan tapped "Stop sharing".')

    step(7, 'The GP tries to read again, and is refused.')
    let refused = false
    try {
      await surgery.records()
    } catch (error) {
      refused = (error as { status?: number }).status === 401
    }
    check(refused, 'the surgery is refused after revocation')
    say('   Refused: the surgery keeps only what it already saw.')
    say('\nThe journey worked. The host never saw the medicines, the keys or Jordan’s name.')
  } finally {
    await stop()
  }
}

function describe(event: string, details: Record<string, unknown>): string {
  switch (event) {
    case 'vault_created':
      return 'you made your vault'
    case 'request_created':
      return `${details.client_name} asked to see or add your records`
    case 'request_approved':
      return `you said yes to ${details.client_name}`
    case 'request_denied':
      return 'you said no to a request'
    case 'deposit_received':
      return 'a record was given to you'
    case 'deposit_accepted':
      return 'you kept a record you were given'
    case 'key_served':
      return `${String(details.record_type).replace('_', ' ')} was opened by someone you shared with`
    case 'grant_revoked':
      return 'you stopped sharing'
    default:
      return event
  }
}

runDemo('demo', main)
