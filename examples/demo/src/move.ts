import { HoldallApiError, HolderClient, IssuerClient, ServiceClient, verifyTrustList } from '@holdall/client'
import { MOVED_TO_HEADER } from '@holdall/protocol'
import { demoHostPair, runDemo } from './host.js'
import { jordanLicence, jordanMedicationList } from './jordan.js'

/*
 * npm run demo:move: Jordan's vault, with records and a live grant to a GP, moves from host A to
 * host B from Jordan's phone (spec chapter 12). The GP reads again after the move with no new
 * approval; host A's old endpoints answer with the holder-signed tombstone, which the GP's SDK
 * checks before it follows. Exits non-zero if anything goes differently.
 *   npm run demo:move                                  two hosts of its own
 *   npm run demo:move -- --from <url> --to <url>       two hosts started with the development
 *                                                      fixtures' trust list (npm run dev)
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const step = (n: number, line: string) => say(`\n${n}. ${line}`)

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo step failed: ${what}`)
}

async function main(): Promise<void> {
  const { from, to, orgs, stop } = await demoHostPair(process.argv, say)
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
  const trust = { trusted, fetchMetadata: fetch }
  try {
    step(1, `Jordan makes a vault on host A (${from}); prison healthcare puts the medicines list in it.`)
    const phone = await HolderClient.createVault(from)
    const prison = new IssuerClient(from, orgs.prisonHealthcare)
    const asked = await prison.requestAccess({
      pairingCode: (await phone.createPairingCode()).qr,
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
    const [depositAsk] = await phone.waitForRequest(10_000)
    check(depositAsk !== undefined, 'the deposit request reached the phone')
    await phone.approve(depositAsk as NonNullable<typeof depositAsk>, trust)
    await prison.waitForDecision(asked.authReqId, { intervalMs: 200 })
    await prison.deposit('medication_list', jordanMedicationList(), 'Medicines on release')
    const [deposit] = await phone.inbox()
    await phone.acceptDeposit(deposit as NonNullable<typeof deposit>, trust)
    await phone.putRecord('licence_conditions', jordanLicence(), 'My licence')
    say('   Jordan keeps two records: the medicines list and their licence.')

    step(2, 'Riverside Surgery asks for the medicines list; Jordan agrees for 30 days; the GP reads it.')
    const gp = new ServiceClient(from, orgs.surgery)
    const waiting = phone.waitForRequest(10_000)
    const gpAsk = await gp.requestAccess({
      pairingCode: (await phone.createPairingCode()).qr,
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Continue your repeat prescription',
          duration_days: 30,
        },
      ],
    })
    const [request] = await waiting
    await phone.approve(request as NonNullable<typeof request>, trust)
    await gp.waitForDecision(gpAsk.authReqId, { intervalMs: 200 })
    const [before] = await gp.records()
    const first = await gp.readRecord(before as NonNullable<typeof before>, trusted)
    say(`   The GP reads: ${first.title}, signed by ${first.issuer}.`)

    step(3, `Jordan moves the vault to host B (${to}) from the phone.`)
    const steps: Record<string, string> = {
      frozen: 'Host A stops changes to the vault and writes "moving to B" as the last line of its signed log.',
      imported:
        'Host B takes the locked vault: records, keys wrapped for Jordan and the GP, the log. Nothing is opened.',
      envelopes: 'The locked records travel from A to B; B checks each against its fingerprint.',
      left: "Jordan's phone signs the move; host A keeps that signed note, pointing to B.",
      arrived: 'Host B goes live and carries on the same log; the phone checks it follows on from A.',
    }
    const moved = await phone.moveTo(to, { onStep: (s) => say(`   ${steps[s] ?? s}`) })
    const records = await moved.listRecords()
    check(records.length === 2, 'both records are at B')
    const licence = records.find((r) => r.record_type === 'licence_conditions')
    const opened = await moved.readRecord(licence as NonNullable<typeof licence>)
    say(`   At host B, Jordan's phone holds both records and opens "${opened.title}".`)

    step(4, 'The GP reads again. Nobody asks Jordan again.')
    let followed = ''
    gp.onMoved = (move) => {
      followed = move.to
    }
    const [after] = await gp.records()
    const second = await gp.readRecord(after as NonNullable<typeof after>, trusted)
    check(followed === to, 'the GP followed the signed move to B')
    check((await moved.pendingRequests()).length === 0, 'no new approval was asked')
    say(`   Host A answered "moved"; the GP's software checked Jordan's signature on it, then went to B.`)
    say(`   The GP reads: ${second.title}, signed by ${second.issuer}. No new request reached Jordan.`)

    step(5, "Host A's old address points to B, with Jordan's signature.")
    const tombstone = await fetch(`${from}/vaults/${phone.vaultId}/tombstone`)
    say(`   Every request for the vault at host A gets "410 vault_moved" and the header ${MOVED_TO_HEADER}.`)
    const document = (await tombstone.json()) as { moved_to: string; kept_until: number }
    check(tombstone.ok && document.moved_to === to, 'host A keeps a tombstone pointing to B')
    say(
      `   Host A says the vault moved to ${document.moved_to}, until ${new Date(document.kept_until).toDateString()}.`,
    )
    try {
      await HolderClient.open(from, phone.deviceKeys, phone.vaultId)
      throw new Error('host A still served the vault')
    } catch (error) {
      const refused = error instanceof HoldallApiError ? `${error.status}` : (error as { code?: string }).code
      check(refused !== undefined, 'host A serves nothing of the vault')
      say("   Host A serves nothing of the vault any more, not even to Jordan's phone.")
    }
    say('\nThe move worked.')
  } finally {
    await stop()
  }
}

runDemo('demo:move', main)
