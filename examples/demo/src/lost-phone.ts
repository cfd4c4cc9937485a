import {
  HoldallApiError,
  HolderClient,
  IssuerClient,
  manifestAuthorKeyId,
  parseKitQr,
  RecoveringDevice,
  releaseWorkerShare,
  ServiceClient,
  type TrustedOrganisation,
  verifyTrustList,
} from '@holdall/client'
import { parseRecoveryKitCode } from '@holdall/crypto'
import { demoHost, runDemo } from './host.js'
import { jordanLicence, jordanMedicationList } from './jordan.js'

/*
 * npm run demo:lost-phone: Jordan's vault has records and a live grant to a GP; the phone is lost;
 * on a new phone, the printed recovery kit and the key worker's share recover the vault after the
 * waiting period; the records open; the old phone's token is refused; the GP's grant still works.
 * Exits non-zero if anything goes differently.
 *   npm run demo:lost-phone                        its own host, whose waiting period is a few
 *                                                  seconds instead of 24 hours (it says so)
 *   npm run demo:lost-phone -- --base-url <url>    a host started with the development fixtures
 *                                                  (npm run dev) and a short waiting period, e.g.
 *                                                  HOLDALL_RECOVERY_KIT_WAIT_SECONDS=5
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const step = (n: number, line: string) => say(`\n${n}. ${line}`)
/** The demo's own host waits this long with the kit (a real host: 24 hours by default). */
const DEMO_KIT_WAIT_MS = 3000
/** Against a host of yours, the demo waits at most this long for the period to end. */
const LONGEST_WAIT_MS = 5 * 60_000

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`demo step failed: ${what}`)
}

async function main(): Promise<void> {
  const { url, orgs, stop } = await demoHost(process.argv, say, { recoveryKitWaitMs: DEMO_KIT_WAIT_MS })
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
  const trust = { trusted, fetchMetadata: fetch }
  const keyWorker = trusted.byClientId(orgs.probation.clientId) as TrustedOrganisation
  try {
    step(1, 'Jordan makes a vault on their phone; prison healthcare puts the medicines list in it.')
    const phone = await HolderClient.createVault(url)
    const prison = new IssuerClient(url, orgs.prisonHealthcare)
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

    step(2, 'At the resettlement desk, Jordan prints a recovery kit; Leeds Probation holds a second share.')
    const kit = await phone.setUpRecovery(keyWorker)
    say(`   The kit says: ${kit.code.split(' ').slice(0, 4).join(' ')} … (23 groups, and a QR code).`)
    say('   The host holds a third share, locked with a key kept outside its database. No one holds two.')

    step(3, 'Riverside Surgery asks for the medicines list; Jordan agrees for 30 days.')
    const gp = new ServiceClient(url, orgs.surgery)
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
    const [gpRequest] = await waiting
    check(gpRequest !== undefined, 'the GP request reached the phone')
    await phone.approve(gpRequest as NonNullable<typeof gpRequest>, trust)
    await gp.waitForDecision(gpAsk.authReqId, { intervalMs: 200 })
    check((await gp.records()).length === 1, 'the GP sees one record')

    step(4, 'Jordan loses the phone. On a new phone, they type the code from their kit.')
    const kitShare = parseRecoveryKitCode(kit.code)
    const started = await RecoveringDevice.start(url, { vaultId: phone.vaultId, kitShare })
    const newPhone = started.device
    say(`   The host starts the waiting period: ready at ${new Date(started.recovery.ready_at).toISOString()}.`)
    say('   Every device of the vault is told, and could cancel. (This demo host waits seconds, not a day.)')
    check((await phone.recoveries())[0]?.status === 'waiting', 'the old phone would see the recovery')

    step(5, 'At Leeds Probation, a key worker checks it is Jordan, in person; a colleague approves too.')
    await releaseWorkerShare(url, orgs.probation, await newPhone.workerRequest(), ['key-worker-ak', 'manager-bm'])
    say('   The share goes to the host sealed to the new phone only; the host keeps it back until the wait ends.')

    const waitMs = started.recovery.ready_at - phone.hostNow()
    if (waitMs > LONGEST_WAIT_MS)
      throw new Error(
        `this host's waiting period ends at ${new Date(started.recovery.ready_at).toISOString()}; start it with HOLDALL_RECOVERY_KIT_WAIT_SECONDS=5 to run the demo`,
      )
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, waitMs) + 1500))

    step(6, 'The wait is over. The new phone rebuilds the vault key from the kit and the key worker’s share.')
    const {
      holder,
      kit: newKit,
      recovered,
    } = await newPhone.complete({
      kitShare,
      root: parseKitQr(kit.qr)?.root as Uint8Array,
      worker: keyWorker,
    })
    say(
      `   Rebuilt from the ${recovered.used.join(' and the ')} shares. The vault moved to a new key; the old phone is removed.`,
    )
    for (const view of await holder.listRecords()) {
      // Prison healthcare signed the medicines list; Jordan's lost phone signed the licence.
      const opened = await holder.readRecord(view, trusted.byKeyId(manifestAuthorKeyId(view))?.publicKey)
      say(`   Opens on the new phone: ${opened.title}`)
    }
    check((await holder.listRecords()).length === 2, 'both records open on the new phone')
    say(`   A new kit to print: ${newKit.code.split(' ').slice(0, 4).join(' ')} …`)

    step(7, 'Whoever has the old phone is locked out.')
    try {
      await phone.listRecords()
      throw new Error('the old phone could still read the vault')
    } catch (error) {
      check(error instanceof HoldallApiError && error.status === 401, 'the old phone is refused with 401')
      say('   The old phone is refused: 401.')
    }
    try {
      await RecoveringDevice.start(url, { vaultId: phone.vaultId, kitShare })
      throw new Error('the old kit still worked')
    } catch (error) {
      check(error instanceof HoldallApiError && error.status === 403, 'the old kit is refused')
      say('   The old kit no longer works: 403.')
    }

    step(8, 'Riverside Surgery still reads the medicines list Jordan shared.')
    const [view] = await gp.records()
    const record = await gp.readRecord(view as NonNullable<typeof view>, trusted)
    say(`   Signed by ${record.issuer}; the grant was re-signed by Jordan's new phone.`)
    say('\nThe lost-phone journey worked.')
  } finally {
    await stop()
  }
}

runDemo('demo:lost-phone', main)
