import { HoldallError, HolderClient, IssuerClient, ServiceClient, verifyTrustList } from '@holdall/client'
import type { OstHandover, PendingRequest, RecordPayload, RecordType } from '@holdall/protocol'
import { demoHost, runDemo } from './host.js'
import { jordanLicence } from './jordan.js'
import { scenario17, scenarios6to10 } from './week-more.js'

/*
 * npm run demo:week (issue 21): the rest of release week against one host, checking each pass
 * condition of domain.md (b) that Holdall builds so far: scenario 5 (a pharmacy sees the OST
 * handover only, for a day), 11 (housing never opens victim-protective detail, even when Jordan
 * shares everything), 12 (an employer never sees health or licence detail) and 16 (a licence
 * variation supersedes the old licence and a service holding a grant sees "updated"), and 6, 8, 9
 * and 10 (week-more.ts: GP registration, the drug service, the Jobcentre, the bank), and last 17
 * (Jordan closes the vault). Like the
 * other demos it starts its own host, or uses yours with `-- --base-url <url>` (host.ts).
 * Exits non-zero the moment a pass condition fails.
 */
const say = (line: string) => process.stdout.write(`${line}\n`)
const check = (condition: boolean, failure: string) => {
  if (!condition) throw new Error(`pass condition failed: ${failure}`)
}

/** The licence of release week: living at, and a curfew at, the approved address. */
const CURFEW = {
  additionalConditions: [{ code: 'res-1', text: 'Live at the approved address.' }],
  bespokeConditions: [{ code: 'cur-1', text: 'Stay at the approved address from 19:00 to 07:00.' }],
}

async function main(): Promise<void> {
  const { url, orgs, stop } = await demoHost(process.argv, say)
  const trusted = verifyTrustList(orgs.trustListJws, orgs.operatorPublicKey)
  const trust = { trusted, fetchMetadata: fetch }
  try {
    const jordan = await HolderClient.createVault(url)

    /** A service asks through a fresh pairing code; the request reaches Jordan's phone. */
    const ask = async (
      service: ServiceClient | IssuerClient,
      types: RecordType[],
      binding: string,
      days: number,
      actions: ('read' | 'deposit')[] = ['read'],
    ) => {
      const code = (await jordan.createPairingCode()).qr
      const { authReqId } = await service.requestAccess({
        pairingCode: code,
        bindingMessage: binding,
        details: [
          { type: 'holdall_records', actions, record_types: types, purpose: 'Release week', duration_days: days },
        ],
      })
      const request = (await jordan.pendingRequests()).find((r) => r.binding_message === binding)
      if (request === undefined) throw new Error('the request never reached the phone')
      return { authReqId, request: request as PendingRequest }
    }
    const deposit = async (issuer: IssuerClient, type: RecordType, payload: RecordPayload, binding: string) => {
      const { authReqId, request } = await ask(issuer, [type], binding, 1, ['deposit'])
      await jordan.approve(request, trust)
      await issuer.waitForDecision(authReqId, { intervalMs: 200 })
      const { recordId } = await issuer.deposit(type, payload, type.replaceAll('_', ' '))
      const waiting = (await jordan.inbox()).find((d) => d.record_id === recordId)
      if (waiting === undefined) throw new Error('the deposit never reached the inbox')
      await jordan.acceptDeposit(waiting, trust)
      return recordId
    }
    const refusedWith = async (promise: Promise<unknown>): Promise<string | undefined> => {
      try {
        await promise
        return undefined
      } catch (error) {
        return (error as { error?: string; code?: string }).error ?? (error as { code?: string }).code
      }
    }

    // Day before release: prison healthcare and probation issue, Jordan keeps.
    const healthcare = new IssuerClient(url, orgs.prisonHealthcare)
    await deposit(healthcare, 'ost_handover', ostHandover(), 'HMP Leeds 7001')
    const probation = new IssuerClient(url, orgs.probation)
    const licenceId = await deposit(probation, 'licence_conditions', jordanLicence(CURFEW), 'Leeds PDU 7002')
    await jordan.putRecord('victim_protective_conditions', victimConditions(), 'Conditions that protect other people')
    await jordan.putRecord('cv', cv(), 'My CV')
    say('Jordan keeps a signed OST handover, a signed licence, the victim-protective conditions and a CV.')

    // Scenario 5: the pharmacy, day of release.
    const pharmacy = new ServiceClient(url, orgs.pharmacy)
    check(
      (await refusedWith(ask(pharmacy, ['ost_handover'], 'Pharmacy 7003', 2))) === 'outside_template',
      'a pharmacy may ask for 24 hours at most',
    )
    check(
      (await refusedWith(ask(pharmacy, ['ost_handover', 'identity_document'], 'Pharmacy 7004', 1))) ===
        'outside_template',
      'a pharmacy may ask for the OST handover and medicines only',
    )
    const atPharmacy = await ask(pharmacy, ['ost_handover'], 'Pharmacy 7005', 1)
    const pharmacyGrant = await jordan.approve(atPharmacy.request, trust)
    await pharmacy.waitForDecision(atPharmacy.authReqId, { intervalMs: 200 })
    const seen = await pharmacy.records()
    check(
      seen.length === 1 && seen[0]?.record_type === 'ost_handover',
      'the pharmacy sees nothing but the OST handover',
    )
    const ost = (await pharmacy.readRecord(seen[0] as NonNullable<(typeof seen)[0]>, trusted)).payload as OstHandover
    check(ost.dailyDose.value === 60 && ost.bridgingPrescription !== undefined, 'dose and instalments are shown')
    const hours = (pharmacyGrant.expires_at - Date.now()) / 3_600_000
    check(hours > 0 && hours <= 24.1, 'the pharmacy grant ends within 24 hours')
    say(
      `Scenario 5 passed: the pharmacy sees ${ost.dailyDose.value} ${ost.dailyDose.unit} a day, last dose ${ost.lastDoseInCustody}, ` +
        `instalments of ${ost.bridgingPrescription?.instalmentAmount.value} ${ost.bridgingPrescription?.instalmentAmount.unit} every ${ost.bridgingPrescription?.instalmentIntervalDays} day; nothing else; the grant ends within 24 hours.`,
    )

    // Scenario 11: housing.
    const housing = new ServiceClient(url, orgs.housing)
    check(
      (await refusedWith(ask(housing, ['licence_conditions', 'victim_protective_conditions'], 'Housing 7006', 28))) ===
        'invalid_authorization_details',
      'housing may not ask for victim-protective conditions',
    )
    const atHousing = await ask(housing, ['licence_conditions', 'proof_of_address'], 'Housing 7007', 28)
    // Jordan taps "share everything": a forged request naming T5 is refused on the phone too.
    const everything = {
      ...atHousing.request,
      authorization_details: [
        {
          ...(atHousing.request.authorization_details[0] as PendingRequest['authorization_details'][0]),
          record_types: ['licence_conditions', 'victim_protective_conditions'] as RecordType[],
        },
      ],
    }
    const phoneSays = await refusedWith(jordan.approve(everything, trust))
    check(phoneSays === 'RECORD_NOT_FOR_REQUESTER', 'the phone refuses to share T5 detail with housing')
    await jordan.approve(atHousing.request, trust)
    await housing.waitForDecision(atHousing.authReqId, { intervalMs: 200 })
    const housingSees = (await housing.records()).map((r) => r.record_type)
    check(!housingSees.includes('victim_protective_conditions'), 'housing cannot open T5 detail')
    say(
      'Scenario 11 passed: housing reads the licence; the victim-protective conditions stay closed, whatever Jordan taps.',
    )

    // Scenario 12: an employer.
    const employer = new ServiceClient(url, orgs.employer)
    check(
      (await refusedWith(ask(employer, ['cv', 'medication_list'], 'Build Right 7008', 7))) === 'outside_template',
      'an employer may not ask for health',
    )
    check(
      (await refusedWith(ask(employer, ['licence_conditions'], 'Build Right 7009', 7))) ===
        'invalid_authorization_details',
      'an employer may not ask for licence detail',
    )
    const atEmployer = await ask(employer, ['cv'], 'Build Right 7010', 7)
    await jordan.approve(atEmployer.request, trust)
    await employer.waitForDecision(atEmployer.authReqId, { intervalMs: 200 })
    check(
      (await employer.records()).every((r) => r.record_type === 'cv'),
      'the employer sees the CV and nothing else',
    )
    say(
      'Scenario 12 passed: the employer reads the CV; health and licence detail were refused. (Cooling-off: issue 19.)',
    )

    // Scenario 16: the licence changes after six weeks.
    const variationId = await deposit(
      new IssuerClient(url, orgs.probation),
      'licence_conditions',
      { ...jordanLicence(CURFEW), bespokeConditions: [], supersedes: licenceId, variationReason: 'Curfew removed' },
      'Leeds PDU 7011',
    )
    const housingNow = await housing.records()
    const old = housingNow.find((r) => r.record_id === licenceId)
    check(old?.superseded_by === variationId, 'housing, holding a grant, sees the licence updated')
    const mine = await jordan.listRecords()
    check(
      mine.find((r) => r.record_id === licenceId)?.superseded_by === variationId,
      'the old licence is marked superseded',
    )
    say(
      'Scenario 16 passed: probation varied the licence; housing sees "updated" and the old licence is marked superseded.',
    )

    // Scenarios 6, 8, 9 and 10 (week-more.ts).
    const context = { url, orgs, jordan, trusted, trust, ask, deposit, refusedWith, check, say }
    await scenarios6to10(context)
    // Scenario 17, last: Jordan leaves Holdall.
    await scenario17(context, [housing, employer])
    say('The week worked.')
  } catch (error) {
    if (error instanceof HoldallError) throw new Error(`${error.code}: ${error.message}`)
    throw error
  } finally {
    await stop()
  }
}

function ostHandover(): RecordPayload {
  return {
    recordType: 'ost_handover',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: '2026-11-20T09:30:00Z',
    drug: {
      system: 'https://dmd.nhs.uk',
      code: '3674611000001106',
      display: 'Methadone 1mg/ml oral solution sugar free',
    },
    formulation: 'oral solution',
    dailyDose: { value: 60, unit: 'mg' },
    lastDoseInCustody: '2026-11-20T08:05:00+00:00',
    lastDoseSupervised: true,
    bridgingPrescription: {
      form: 'FP10MDA',
      startDate: '2026-11-21',
      endDate: '2026-11-27',
      instalmentAmount: { value: 60, unit: 'mg' },
      instalmentIntervalDays: 1,
      supervisedConsumption: true,
      dispensingPharmacy: { name: 'High Street Pharmacy', odsCode: 'FA123' },
    },
    receivingService: { name: 'Forward Leeds', firstAppointment: '2026-11-23T11:00:00+00:00' },
    naloxoneSupplied: true,
    prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
  }
}

function victimConditions(): RecordPayload {
  return {
    recordType: 'victim_protective_conditions',
    conditions: [{ code: 'no-contact', text: 'Do not contact the named person or their family.' }],
  }
}

function cv(): RecordPayload {
  return {
    recordType: 'cv',
    name: 'Jordan Ellis',
    contact: { phone: '07700 900000' },
    summary: 'Reliable worker with kitchen and warehouse experience.',
    experience: [{ role: 'Kitchen assistant', where: 'Prison kitchen', from: '2024-05', to: '2026-11' }],
    skills: ['Food hygiene level 2'],
  }
}

runDemo('demo:week', main)
