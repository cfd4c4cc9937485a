import { type HolderClient, IssuerClient, ServiceClient, type TrustedOrganisations } from '@holdall/client'
import {
  GP_REGISTRATION_GUIDANCE,
  type OstHandover,
  type PendingRequest,
  type RecordPayload,
  type RecordType,
  type ReleaseLetter,
} from '@holdall/protocol'
import type { DemoOrganisations } from './organisations.js'

/** What week.ts hands these scenarios: Jordan, the host, and its helpers. */
export interface WeekContext {
  readonly url: string
  readonly orgs: DemoOrganisations
  readonly jordan: HolderClient
  readonly trusted: TrustedOrganisations
  readonly trust: { trusted: TrustedOrganisations; fetchMetadata: typeof fetch }
  readonly ask: (
    service: ServiceClient | IssuerClient,
    types: RecordType[],
    binding: string,
    days: number,
  ) => Promise<{ authReqId: string; request: PendingRequest }>
  readonly deposit: (issuer: IssuerClient, type: RecordType, payload: RecordPayload, binding: string) => Promise<string>
  readonly refusedWith: (promise: Promise<unknown>) => Promise<string | undefined>
  readonly check: (condition: boolean, failure: string) => void
  readonly say: (line: string) => void
}

const JORDAN = { name: 'Jordan Ellis', birthDate: '1991-04-02' }
const HMP_LEEDS = { name: 'HMP Leeds', registryCode: 'LEI' }

/** A service asks, Jordan approves, the service reads every record it was given (opened and checked). */
async function shareWith(ctx: WeekContext, service: ServiceClient, types: RecordType[], binding: string, days: number) {
  const asked = await ctx.ask(service, types, binding, days)
  const grant = await ctx.jordan.approve(asked.request, ctx.trust)
  await service.waitForDecision(asked.authReqId, { intervalMs: 200 })
  const records = await service.records()
  const opened = []
  for (const view of records) opened.push({ view, ...(await service.readRecord(view, ctx.trusted)) })
  return { grant, opened }
}

/**
 * Scenarios 6, 8, 9 and 10 of domain.md (b), each a real journey through the host with the SDKs:
 * the GP registers Jordan with no ID or address, the drug service takes over OST, the Jobcentre
 * sees issuer-attested ID and nothing of health or licence, and the bank gets two documents.
 */
export async function scenarios6to10(ctx: WeekContext): Promise<void> {
  const { url, orgs, check, say } = ctx
  const prison = new IssuerClient(url, orgs.prison)
  const probation = new IssuerClient(url, orgs.probation)
  // The day before release, HMP Leeds and probation issue the papers Jordan will need.
  await ctx.deposit(prison, 'release_letter', releaseLetter(), 'HMP Leeds 7101')
  await ctx.deposit(prison, 'birth_certificate', birthCertificate(), 'HMP Leeds 7102')
  await ctx.deposit(prison, 'national_insurance_number', niNumber(), 'HMP Leeds 7103')
  await ctx.deposit(probation, 'proof_of_address', proofOfAddress(), 'Leeds PDU 7104')

  // Scenario 6: the GP surgery, day 2, no photo ID and no fixed address.
  const gp = new ServiceClient(url, orgs.surgery)
  const atGp = await shareWith(ctx, gp, ['release_letter'], 'Riverside 7105', 1)
  const letter = atGp.opened[0]?.payload as ReleaseLetter | undefined
  check(letter?.nhsNumber === '9434765919', 'the NHS number is shared with the GP')
  check(atGp.opened[0]?.issuer === 'HMP Leeds', 'the release letter is signed by the prison')
  check(GP_REGISTRATION_GUIDANCE.text === 'You do not need ID or an address to register with a GP.', 'the card')
  say(
    `Scenario 6 passed: the phone shows "${GP_REGISTRATION_GUIDANCE.text}" (${GP_REGISTRATION_GUIDANCE.source}); ` +
      `Riverside Surgery reads NHS number ${letter?.nhsNumber} from the letter signed by HMP Leeds, care of ${letter?.correspondenceAddress?.careOf}.`,
  )

  // Scenario 8: the drug service takes over OST (days 1 to 5); Jordan renews the grant.
  const drugs = new ServiceClient(url, orgs.drugService)
  const atDrugs = await shareWith(ctx, drugs, ['ost_handover'], 'Forward Leeds 7106', 28)
  const ost = atDrugs.opened.find((r) => r.view.record_type === 'ost_handover')?.payload as OstHandover | undefined
  const runsOut = ost?.bridgingPrescription?.endDate ?? ''
  check(
    ost !== undefined && ost.lastDoseInCustody.slice(0, 10) < runsOut,
    'the drug service sees the last custody dose before the bridging prescription runs out',
  )
  const renewed = await shareWith(ctx, drugs, ['ost_handover'], 'Forward Leeds 7107', 28)
  check(renewed.grant.grant_id !== atDrugs.grant.grant_id, 'Jordan renews the grant')
  check(renewed.grant.expires_at >= atDrugs.grant.expires_at, 'the renewed grant runs at least as long')
  say(
    `Scenario 8 passed: Forward Leeds sees the last dose in custody (${ost?.lastDoseInCustody}) before the bridging prescription ends on ${runsOut}; Jordan renewed the grant.`,
  )

  // Scenario 9: the Jobcentre, Universal Credit claim, first week.
  const jobcentre = new ServiceClient(url, orgs.jobcentre)
  check(
    (await ctx.refusedWith(ctx.ask(jobcentre, ['national_insurance_number', 'medication_list'], 'JCP 7108', 14))) ===
      'outside_template',
    'the Jobcentre may not ask for health',
  )
  const jobTypes: RecordType[] = [
    'national_insurance_number',
    'birth_certificate',
    'release_letter',
    'proof_of_address',
  ]
  const atJobcentre = await shareWith(ctx, jobcentre, jobTypes, 'JCP 7109', 14)
  const seenTypes = atJobcentre.opened.map((r) => r.view.record_type)
  check(
    seenTypes.every((t) => jobTypes.includes(t)) && jobTypes.every((t) => seenTypes.includes(t)),
    'the Jobcentre sees its four documents and nothing else',
  )
  check(
    atJobcentre.opened.every((r) => r.issuer === 'HMP Leeds' || r.issuer === 'Leeds Probation Delivery Unit'),
    'every document the coach sees is issuer-attested',
  )
  say(
    `Scenario 9 passed: the work coach sees ${seenTypes.join(', ')}, each signed by ${[...new Set(atJobcentre.opened.map((r) => r.issuer))].join(' or ')}; no health or licence data is in scope.`,
  )

  // Scenario 10: the bank, proof of name and proof of address as two documents.
  const bank = new ServiceClient(url, orgs.bank)
  const atBank = await shareWith(ctx, bank, ['birth_certificate', 'proof_of_address'], 'Northern Bank 7110', 1)
  const ids = new Set(atBank.opened.map((r) => r.view.record_id))
  const issuers = atBank.opened.map((r) => r.issuer)
  check(atBank.opened.length === 2 && ids.size === 2, 'two distinct documents are presented')
  check(
    issuers.every((i) => i === 'HMP Leeds' || i === 'Leeds Probation Delivery Unit'),
    'both are issuer-signed',
  )
  say(`Scenario 10 passed: the bank sees two distinct signed documents (${issuers.join(' and ')}).`)
}

/**
 * Scenario 17: Jordan closes the vault. Every grant ends at once and each service is told
 * `vault_erased`; the phone checks the receipt against the vault's signed log (spec 13.5).
 */
export async function scenario17(ctx: WeekContext, services: readonly ServiceClient[]): Promise<void> {
  const { jordan, check, say, refusedWith } = ctx
  const live = (await jordan.grants()).filter((g) => g.status === 'active').length
  const { receipt, finalSize } = await jordan.erase()
  for (const service of services)
    check((await refusedWith(service.records())) === 'vault_erased', 'every service is told the vault was erased')
  check((await refusedWith(jordan.listRecords())) === 'vault_erased', "Jordan's own device is refused too")
  say(
    `Scenario 17 passed: ${live} live grants ended at once; ${services.length} services are told vault_erased; ` +
      `the phone checked the tombstone as entry ${finalSize} of the log signed by the host; kept: ${receipt.kept.join(', ')}. ` +
      'Copies a GP already imported stay with the GP, under its own legal basis.',
  )
}

function releaseLetter(): RecordPayload {
  return {
    recordType: 'release_letter',
    ...JORDAN,
    prisonNumber: 'A1234BC',
    releaseDate: '2026-11-20',
    releasedFrom: HMP_LEEDS,
    nhsNumber: '9434765919',
    correspondenceAddress: {
      lines: ['St George’s Crypt', 'Great George Street', 'Leeds'],
      careOf: 'St George’s Crypt',
    },
    contactPhone: '0113 203 2600',
  }
}

function birthCertificate(): RecordPayload {
  return {
    recordType: 'birth_certificate',
    ...JORDAN,
    certificateKind: 'full',
    attestedBy: HMP_LEEDS,
    seenOn: '2026-10-01',
    status: 'in_prison_property',
  }
}

function niNumber(): RecordPayload {
  return {
    recordType: 'national_insurance_number',
    ...JORDAN,
    number: 'AB123456C',
    attestedBy: HMP_LEEDS,
    attestedOn: '2026-10-01',
  }
}

function proofOfAddress(): RecordPayload {
  return {
    recordType: 'proof_of_address',
    name: JORDAN.name,
    address: { lines: ['Approved Premises', '12 Elm Road', 'Leeds'], postcode: 'LS6 1AA' },
    accommodationType: 'approved_premises',
    issuedBy: { name: 'Leeds Probation Delivery Unit', registryCode: 'N53' },
    issuedOn: '2026-11-20',
    jmlsgNote: 'JMLSG guidance allows this letter for a customer without the usual documents.',
  }
}
