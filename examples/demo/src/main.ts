import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HolderClient, IssuerClient, ServiceClient, verifyTrustList } from '@holdall/client'
import type { MedicationList, RecordPayload } from '@holdall/protocol'
import { buildApp } from '@holdall/server'
import { demoOrganisations } from './organisations.js'

/*
 * npm run demo: the repeat-prescription journey against a real Holdall host on 127.0.0.1, in plain
 * words. Exits non-zero if any step misbehaves.
 *   npm run demo                          starts its own host with an empty SQLite database
 *   npm run demo -- --base-url <url>      uses a host that is already running; it must fetch
 *                                         metadata from 127.0.0.1 (HOLDALL_ALLOW_LOOPBACK_METADATA=1),
 *                                         and without the demo's trust list it shows the
 *                                         organisations as unverified and refuses their deposit.
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const step = (n: number, line: string) => say(`\n${n}. ${line}`)

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo step failed: ${what}`)
}

async function main(): Promise<void> {
  const baseUrlArg = process.argv.indexOf('--base-url')
  const orgs = await demoOrganisations()
  let url: string
  let stop = async () => {}
  if (baseUrlArg >= 0) {
    url = (process.argv[baseUrlArg + 1] ?? '').replace(/\/+$/, '')
    say(`Using the Holdall host at ${url}`)
  } else {
    const probe = createNetServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const dataDir = mkdtempSync(join(tmpdir(), 'holdall-demo-'))
    url = `http://127.0.0.1:${port}`
    const app = await buildApp({
      config: {
        host: '127.0.0.1',
        port,
        dataDir,
        publicUrl: url,
        allowLoopbackMetadata: true,
        maxRecordBytes: 5 * 1024 * 1024,
        vaultQuotaBytes: 50 * 1024 * 1024,
        trustListFile: undefined,
      },
      trustList: { jws: orgs.trustListJws, anchor: orgs.operatorJwk },
    })
    await app.listen({ host: '127.0.0.1', port })
    say(`Started a Holdall host at ${url} (SQLite in ${dataDir})`)
    stop = async () => {
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)

  try {
    step(1, 'Jordan is about to leave HMP Leeds. On their phone, they make a Holdall vault.')
    const jordan = await HolderClient.createVault(url)
    say(`   The keys were made on the phone; the host only ever sees locked data.`)

    step(2, 'Prison healthcare asks to put the medicines list in Jordan’s vault, and Jordan agrees.')
    const prison = new IssuerClient(url, orgs.prisonHealthcare)
    const shown = await jordan.createPairingCode()
    say(`   Jordan's phone shows code ${shown.code} and safety code ${shown.safetyCode}; the desk scans its QR code.`)
    say(`   The QR code names Jordan's own list of devices, so the host cannot slip in a "device" of its own.`)
    let code = shown.qr
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
      `   Jordan's phone shows: "${request?.client_name}${request?.verified ? ' (checked)' : ' (NOT checked)'} wants to give you: your medicines". Code on both screens: ${request?.binding_message}`,
    )
    await jordan.approve(request as NonNullable<typeof request>)
    await prison.waitForDecision(ask.authReqId, { intervalMs: 200 })
    await prison.deposit('medication_list', medicationList(), 'Medicines on release')
    const [deposit] = await jordan.inbox()
    const prisonKey = trusted.byClientId(orgs.prisonHealthcare.clientId)
    const issuerKey = prisonKey === undefined ? undefined : trusted.byKeyId(prisonKey.signing_key_id)?.publicKey
    check(deposit !== undefined && issuerKey !== undefined, 'the deposit arrived')
    await jordan.acceptDeposit(deposit as NonNullable<typeof deposit>, issuerKey as Uint8Array)
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
    say(
      `   Jordan's phone: "${request?.client_name} (${request?.verified ? `checked: ${request?.category.replace('_', ' ')}` : 'NOT checked'}) wants to see: your medicines, your appointments, for 30 days."`,
    )

    step(4, 'Jordan shares only the medicines, and only for 14 days.')
    const grant = await jordan.approve(request as NonNullable<typeof request>, {
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
    await orgs.close()
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

function medicationList(): RecordPayload {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: new Date().toISOString(),
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '39109611000001108', display: 'Sertraline 50mg tablets' },
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

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
