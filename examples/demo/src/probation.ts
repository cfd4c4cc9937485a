import { HolderClient, ServiceClient, verifyTrustList } from '@holdall/client'
import type { LicenceConditions } from '@holdall/protocol'
import { demoHost, runDemo } from './host.js'
import { jordanLicence } from './jordan.js'

/*
 * npm run demo:probation: a probation officer reads the licence conditions, including the
 * conditions that protect a victim; a GP who asks for those is refused by the host, whatever the
 * holder would tap. Exits non-zero if anything goes differently. Like `npm run demo`, it starts its
 * own host, or uses yours with `-- --base-url <url>` (host.ts).
 */
const say = (line: string) => process.stdout.write(`${line}\n`)

async function main(): Promise<void> {
  const { url, orgs, stop } = await demoHost(process.argv, say)
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
  try {
    const jordan = await HolderClient.createVault(url)
    await jordan.putRecord('licence_conditions', jordanLicence(), 'My licence')
    await jordan.putRecord(
      'victim_protective_conditions',
      {
        recordType: 'victim_protective_conditions',
        conditions: [{ code: 'no-contact', text: 'Do not contact the named person or their family.' }],
      },
      'Conditions that protect other people',
    )
    say('Jordan keeps their licence, with the victim-protective conditions as a separate record.')

    const gp = new ServiceClient(url, orgs.surgery)
    let code = (await jordan.createPairingCode()).qr
    try {
      await gp.requestAccess({
        pairingCode: code,
        bindingMessage: 'Riverside 3030',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['victim_protective_conditions'],
            purpose: 'Care',
            duration_days: 1,
          },
        ],
      })
      throw new Error('the host let a GP ask for victim-protective conditions')
    } catch (error) {
      if ((error as { error?: string }).error !== 'invalid_authorization_details') throw error
      say('A GP asked for the victim-protective conditions: the host refused before Jordan was even asked.')
    }

    const officer = new ServiceClient(url, orgs.probation)
    code = (await jordan.createPairingCode()).qr
    const { authReqId } = await officer.requestAccess({
      pairingCode: code,
      bindingMessage: 'Leeds PDU 5501',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['licence_conditions', 'victim_protective_conditions'],
          purpose: 'Supervision on licence',
          duration_days: 90,
        },
      ],
    })
    const [request] = await jordan.waitForRequest(10_000)
    if (request === undefined) throw new Error('the request never reached the phone')
    await jordan.approve(request, { trusted, fetchMetadata: fetch })
    await officer.waitForDecision(authReqId, { intervalMs: 200 })
    for (const view of await officer.records()) {
      const record = await officer.readRecord(view, trusted)
      if (record.payload.recordType === 'licence_conditions') {
        const l = record.payload as LicenceConditions
        say(
          `The officer reads the licence: ${l.licenceKind}, until ${l.licenceExpiryDate}; first appointment ${l.initialAppointment.time} at ${l.initialAppointment.address}.`,
        )
      } else {
        say(`The officer reads the ${view.record_type.replaceAll('_', ' ')} too: probation may.`)
      }
    }
    say('Done.')
  } finally {
    await stop()
  }
}

runDemo('demo:probation', main)
