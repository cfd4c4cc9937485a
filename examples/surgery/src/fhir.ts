import { randomUUID } from 'node:crypto'
import { CLINICAL_CODE_SYSTEMS, type MedicationList, type OstHandover } from '@holdall/protocol'
import { type ExportProblem, medicationListPlan, ostHandoverPlan } from './export-plan.js'
import { narrative } from './narrative.js'

/*
 * FHIR R4 UK Core export of a verified medicines list or OST handover. The rules this follows,
 * and why, are in ../FHIR.md; test/fhir.test.ts validates every bundle with a FHIR R4 validator
 * and the UK Core constraints it cannot know.
 */

/** The list cannot be exported as valid FHIR: nothing is written, the GP is told why. */
export class ExportRefused extends Error {
  override name = 'ExportRefused'
  constructor(readonly problems: readonly ExportProblem[]) {
    super(`export refused: ${problems.map((p) => `${p.path} (${p.kind})`).join(', ')}`)
  }
}

export const SYSTEMS = {
  dmd: CLINICAL_CODE_SYSTEMS.dmd,
  snomed: CLINICAL_CODE_SYSTEMS.snomed,
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  ods: 'https://fhir.nhs.uk/Id/ods-organization-code',
  registration: {
    GMC: 'https://fhir.hl7.org.uk/Id/gmc-number',
    NMC: 'https://fhir.hl7.org.uk/Id/nmc-number',
    GPhC: 'https://fhir.hl7.org.uk/Id/gphc-number',
    HCPC: 'https://fhir.hl7.org.uk/Id/hcpc-number',
  },
  /** Holdall's own identifiers (grant, record version): URNs, as they name nothing on the web. */
  holdallGrant: 'urn:holdall:grant',
  holdallRecord: 'urn:holdall:record-version',
} as const

const extension = (name: string) => `https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-${name}`
export const PRESCRIBING_ORGANISATION_TYPE =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-MedicationPrescribingOrganizationType'

const profile = (name: string) => `https://fhir.hl7.org.uk/StructureDefinition/UKCore-${name}`

export interface ExportContext {
  readonly list: MedicationList
  /** The issuing organisation as the trust list names it (not as the list claims). */
  readonly issuer: { name: string; odsCode: string }
  readonly surgery: { name: string; odsCode: string }
  readonly signedAt: Date
  readonly verifiedAt: Date
  readonly grantId: string
  readonly recordId: string
  readonly version: number
  readonly exportedAt: Date
}

type Resource = Record<string, unknown> & { resourceType: string }

/** A Bundle of type `collection`: see FHIR.md for why not `document`. */
export function medicationBundle(ctx: ExportContext): Resource {
  const plan = medicationListPlan(ctx.list)
  if (plan.problems.length > 0) throw new ExportRefused(plan.problems)
  const { list } = ctx
  const b = new BundleBuilder()
  const { add } = b
  const patient = b.patient(list.patient)
  const issuer = b.organisation(ctx.issuer)
  const surgery = b.organisation(ctx.surgery)

  const clinical: string[] = []
  for (const m of list.medicines) {
    const medication = { coding: [{ ...m.medication }], text: m.medication.display }
    const lastIssued = `Last issued ${m.lastIssueDate}; supplied on release ${m.supplyDate}: ${m.quantitySupplied.value} ${m.quantitySupplied.unit}, expected to run out ${m.runOutDate}.`
    const dosage = [
      {
        text: m.dose,
        ...(m.route === undefined ? {} : { route: { text: m.route } }),
      },
    ]
    const supplyDays = daysBetween(m.supplyDate, m.runOutDate)
    const request = add({
      resourceType: 'MedicationRequest',
      meta: { profile: [profile('MedicationRequest')] },
      text: narrative([
        `Prescription (${m.repeat ? 'repeat' : 'acute'}): ${m.medication.display}.`,
        `Dose: ${m.dose}.`,
        lastIssued,
        `Prescriber: ${m.prescriber.name} (${m.prescriber.registration.body} ${m.prescriber.registration.number}).`,
        substitutionWords(m.substitutionAllowed),
      ]),
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: medication,
      subject: { reference: patient },
      authoredOn: m.lastIssueDate,
      requester: { reference: b.practitioner(m.prescriber), display: m.prescriber.name },
      courseOfTherapyType: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
            code: m.repeat ? 'continuous' : 'acute',
          },
        ],
      },
      ...(m.indication === undefined ? {} : { reasonCode: [{ text: m.indication }] }),
      dosageInstruction: dosage,
      dispenseRequest: {
        quantity: { value: m.quantitySupplied.value, unit: m.quantitySupplied.unit },
        ...(supplyDays > 0
          ? {
              expectedSupplyDuration: {
                value: supplyDays,
                unit: 'day',
                system: 'http://unitsofmeasure.org',
                code: 'd',
              },
            }
          : {}),
      },
      substitution: substitution(m.substitutionAllowed),
      note: medicineNotes(m),
    })
    clinical.push(request)
    clinical.push(
      add({
        resourceType: 'MedicationDispense',
        meta: { profile: [profile('MedicationDispense')] },
        text: narrative([
          `Supplied on release by ${ctx.issuer.name}: ${m.medication.display}, ${m.quantitySupplied.value} ${m.quantitySupplied.unit} on ${m.supplyDate}.`,
          `Dose: ${m.dose}.`,
        ]),
        status: 'completed',
        medicationCodeableConcept: medication,
        subject: { reference: patient },
        performer: [{ actor: { reference: issuer, display: ctx.issuer.name } }],
        authorizingPrescription: [{ reference: request }],
        quantity: { value: m.quantitySupplied.value, unit: m.quantitySupplied.unit },
        ...(supplyDays > 0
          ? { daysSupply: { value: supplyDays, unit: 'day', system: 'http://unitsofmeasure.org', code: 'd' } }
          : {}),
        whenHandedOver: m.supplyDate,
        dosageInstruction: dosage,
      }),
    )
    clinical.push(
      add({
        resourceType: 'MedicationStatement',
        meta: { profile: [profile('MedicationStatement')] },
        text: narrative([
          `Current medicine, prescribed by another organisation (${ctx.issuer.name}): ${m.medication.display}.`,
          `Dose: ${m.dose}.`,
          lastIssued,
        ]),
        extension: [
          { url: extension('MedicationStatementLastIssueDate'), valueDateTime: m.lastIssueDate },
          {
            url: extension('MedicationPrescribingOrganizationType'),
            valueCodeableConcept: {
              coding: [
                {
                  system: PRESCRIBING_ORGANISATION_TYPE,
                  code: 'prescribed-by-another-organisation',
                  display: 'Prescribed by another organisation',
                },
              ],
            },
          },
        ],
        status: 'active',
        basedOn: [{ reference: request }],
        medicationCodeableConcept: medication,
        subject: { reference: patient },
        ...(m.startDate === undefined ? {} : { effectivePeriod: { start: m.startDate } }),
        dateAsserted: list.issuedAt,
        informationSource: { reference: issuer, display: ctx.issuer.name },
        dosage,
        note: medicineNotes(m),
      }),
    )
  }
  for (const a of list.allergies) {
    clinical.push(
      add({
        resourceType: 'AllergyIntolerance',
        meta: { profile: [profile('AllergyIntolerance')] },
        text: narrative([
          `Allergy or intolerance: ${a.substance}${a.code === undefined ? ' (not coded on the list)' : ` (${a.code.system === SYSTEMS.snomed ? 'SNOMED CT' : 'dm+d'} ${a.code.code})`}.`,
          a.reaction === undefined ? '' : `Reaction: ${a.reaction}.`,
          `Recorded by ${ctx.issuer.name} on ${list.issuedAt.slice(0, 10)}.`,
        ]),
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
        },
        // The code the issuer's record carries, with its text kept; text alone when it carries none.
        code:
          a.code === undefined
            ? { text: a.substance }
            : { coding: [{ system: a.code.system, code: a.code.code, display: a.code.display }], text: a.substance },
        patient: { reference: patient },
        recordedDate: list.issuedAt,
        // No asserter: R4 allows only Patient, RelatedPerson, Practitioner or PractitionerRole
        // there, and the list names no person. The issuing Organization is the Provenance author.
        ...(a.reaction === undefined ? {} : { reaction: [{ manifestation: [{ text: a.reaction }] }] }),
      }),
    )
  }
  b.provenance({ targets: clinical, issuer, surgery, ctx, what: 'Medicines list' })
  return b.bundle(ctx.exportedAt)
}

type Prescriber = MedicationList['medicines'][number]['prescriber']
type Party = { name: string; odsCode: string }

/** Entries with urn:uuid full URLs, and the resources every export shares (patient, organisations, provenance). */
class BundleBuilder {
  readonly entries: { fullUrl: string; resource: Resource }[] = []
  readonly #practitioners = new Map<string, string>()

  add = (resource: Resource): string => {
    const fullUrl = `urn:uuid:${randomUUID()}`
    this.entries.push({ fullUrl, resource })
    return fullUrl
  }

  patient(p: MedicationList['patient']): string {
    return this.add({
      resourceType: 'Patient',
      meta: { profile: [profile('Patient')] },
      text: narrative([`${p.name}, born ${p.birthDate}. NHS number ${p.nhsNumber}.`]),
      identifier: [{ system: SYSTEMS.nhsNumber, value: p.nhsNumber }],
      name: [{ text: p.name }],
      birthDate: p.birthDate,
    })
  }

  organisation(o: { name: string; odsCode?: string | undefined }): string {
    return this.add({
      resourceType: 'Organization',
      meta: { profile: [profile('Organization')] },
      text: narrative([`${o.name}${o.odsCode === undefined ? '' : ` (ODS ${o.odsCode})`}.`]),
      ...(o.odsCode === undefined ? {} : { identifier: [{ system: SYSTEMS.ods, value: o.odsCode }] }),
      name: o.name,
    })
  }

  practitioner(p: Prescriber): string {
    const key = `${p.registration.body}:${p.registration.number}`
    const known = this.#practitioners.get(key)
    if (known !== undefined) return known
    const url = this.add({
      resourceType: 'Practitioner',
      meta: { profile: [profile('Practitioner')] },
      text: narrative([`${p.name}, ${p.registration.body} ${p.registration.number}.`]),
      identifier: [{ system: SYSTEMS.registration[p.registration.body], value: p.registration.number }],
      name: [{ text: p.name }],
    })
    this.#practitioners.set(key, url)
    return url
  }

  provenance(o: {
    targets: string[]
    issuer: string
    surgery: string
    what: string
    ctx: {
      issuer: Party
      surgery: Party
      signedAt: Date
      verifiedAt: Date
      grantId: string
      recordId: string
      version: number
    }
  }): void {
    const { ctx } = o
    const source = `${o.what} shared through Holdall, signed by ${ctx.issuer.name} (ODS ${ctx.issuer.odsCode}) at ${ctx.signedAt.toISOString()}; signature verified by ${ctx.surgery.name} at ${ctx.verifiedAt.toISOString()}`
    this.add({
      resourceType: 'Provenance',
      text: narrative([`${source}.`, 'Read under the holder’s consent (a Holdall grant).']),
      target: o.targets.map((reference) => ({ reference })),
      occurredDateTime: ctx.signedAt.toISOString(),
      recorded: ctx.verifiedAt.toISOString(),
      agent: [
        { type: participant('author', 'Author'), who: { reference: o.issuer, display: ctx.issuer.name } },
        { type: participant('verifier', 'Verifier'), who: { reference: o.surgery, display: ctx.surgery.name } },
      ],
      entity: [
        {
          role: 'source',
          what: {
            identifier: { system: SYSTEMS.holdallRecord, value: `${ctx.recordId}/${ctx.version}` },
            display: source,
          },
        },
        {
          role: 'source',
          what: {
            identifier: { system: SYSTEMS.holdallGrant, value: ctx.grantId },
            display: 'The holder’s consent (Holdall grant) under which the record was read',
          },
        },
      ],
    })
  }

  bundle(exportedAt: Date): Resource {
    return {
      resourceType: 'Bundle',
      identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
      type: 'collection',
      timestamp: exportedAt.toISOString(),
      entry: this.entries,
    }
  }
}

/** UK Core makes MedicationRequest.substitution mandatory: say what the prescriber allowed, or that the list does not say. */
function substitution(allowed: boolean | undefined) {
  return allowed === undefined
    ? { allowedCodeableConcept: { text: 'Not stated by the prescriber' } }
    : { allowedBoolean: allowed }
}

function substitutionWords(allowed: boolean | undefined): string {
  if (allowed === undefined) return 'Substitution: not stated by the prescriber.'
  return allowed ? 'Substitution: allowed.' : 'Substitution: not allowed (dispense as written).'
}

export interface OstExportContext extends Omit<ExportContext, 'list'> {
  readonly handover: OstHandover
}

/**
 * The OST handover as FHIR (domain.md (a) #4): the last dose in custody (MedicationAdministration),
 * the current daily dose (MedicationStatement), the bridging prescription with its instalments
 * (MedicationRequest) and the handover to the community drug service (ServiceRequest).
 */
export function ostHandoverBundle(ctx: OstExportContext): Resource {
  const plan = ostHandoverPlan(ctx.handover)
  if (plan.problems.length > 0) throw new ExportRefused(plan.problems)
  const h = ctx.handover
  const b = new BundleBuilder()
  const { add } = b
  const patient = b.patient(h.patient)
  const issuer = b.organisation(ctx.issuer)
  const surgery = b.organisation(ctx.surgery)
  const prescriber = b.practitioner(h.prescriber)
  const receiving = b.organisation(h.receivingService)
  const medication = { coding: [{ ...h.drug }], text: h.drug.display }
  const daily = `${h.dailyDose.value} ${h.dailyDose.unit} daily`
  const dailyDose = { value: h.dailyDose.value, unit: h.dailyDose.unit }
  const clinical: string[] = []
  const notes = [
    `Last dose in custody ${h.lastDoseInCustody} (${h.lastDoseSupervised ? 'supervised' : 'not supervised'}).`,
    `Naloxone ${h.naloxoneSupplied ? 'was' : 'was not'} supplied on release.`,
    ...(h.nextInjectionDue === undefined ? [] : [`Next long-acting injection due ${h.nextInjectionDue}.`]),
  ]

  clinical.push(
    add({
      resourceType: 'MedicationAdministration',
      meta: { profile: [profile('MedicationAdministration')] },
      text: narrative([
        `Last dose in custody: ${h.drug.display}, ${h.dailyDose.value} ${h.dailyDose.unit}, at ${h.lastDoseInCustody}.`,
        h.lastDoseSupervised ? 'Taken under supervision.' : 'Not supervised.',
      ]),
      status: 'completed',
      medicationCodeableConcept: medication,
      subject: { reference: patient },
      effectiveDateTime: h.lastDoseInCustody,
      // No performer: R4 allows only a person or device there; the Provenance names the prison healthcare.
      note: [{ text: h.lastDoseSupervised ? 'Supervised consumption.' : 'Not supervised.' }],
      dosage: { text: daily, dose: dailyDose },
    }),
  )
  let request: string | undefined
  const bridging = h.bridgingPrescription
  if (bridging !== undefined) {
    const pharmacy = bridging.dispensingPharmacy === undefined ? undefined : b.organisation(bridging.dispensingPharmacy)
    const instalments = `${bridging.instalmentAmount.value} ${bridging.instalmentAmount.unit} every ${bridging.instalmentIntervalDays} day(s)`
    request = add({
      resourceType: 'MedicationRequest',
      meta: { profile: [profile('MedicationRequest')] },
      text: narrative([
        `Bridging prescription (${bridging.form}): ${h.drug.display}, ${daily}.`,
        `Instalments: ${instalments}, from ${bridging.startDate} to ${bridging.endDate}${bridging.supervisedConsumption ? ', supervised consumption' : ''}.`,
        bridging.dispensingPharmacy === undefined ? '' : `Dispensed by ${bridging.dispensingPharmacy.name}.`,
        `Prescriber: ${h.prescriber.name} (${h.prescriber.registration.body} ${h.prescriber.registration.number}).`,
        substitutionWords(h.substitutionAllowed),
      ]),
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: medication,
      subject: { reference: patient },
      authoredOn: h.issuedAt,
      requester: { reference: prescriber, display: h.prescriber.name },
      courseOfTherapyType: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy', code: 'continuous' },
        ],
      },
      dosageInstruction: [
        {
          text: daily,
          ...(bridging.supervisedConsumption ? { patientInstruction: 'Supervised consumption at the pharmacy.' } : {}),
          doseAndRate: [{ doseQuantity: dailyDose }],
        },
      ],
      dispenseRequest: {
        validityPeriod: { start: bridging.startDate, end: bridging.endDate },
        dispenseInterval: {
          value: bridging.instalmentIntervalDays,
          unit: 'day',
          system: 'http://unitsofmeasure.org',
          code: 'd',
        },
        quantity: { value: bridging.instalmentAmount.value, unit: bridging.instalmentAmount.unit },
        ...(pharmacy === undefined
          ? {}
          : { performer: { reference: pharmacy, display: bridging.dispensingPharmacy?.name } }),
      },
      substitution: substitution(h.substitutionAllowed),
      note: [{ text: `${bridging.form} in instalments of ${instalments}.` }, ...notes.map((text) => ({ text }))],
    })
    clinical.push(request)
  }
  clinical.push(
    add({
      resourceType: 'MedicationStatement',
      meta: { profile: [profile('MedicationStatement')] },
      text: narrative([
        `Opioid substitution therapy, prescribed by another organisation (${ctx.issuer.name}): ${h.drug.display} (${h.formulation}), ${daily}.`,
        ...notes,
      ]),
      extension: [
        {
          url: extension('MedicationPrescribingOrganizationType'),
          valueCodeableConcept: {
            coding: [
              {
                system: PRESCRIBING_ORGANISATION_TYPE,
                code: 'prescribed-by-another-organisation',
                display: 'Prescribed by another organisation',
              },
            ],
          },
        },
      ],
      ...(request === undefined ? {} : { basedOn: [{ reference: request }] }),
      status: 'active',
      medicationCodeableConcept: medication,
      subject: { reference: patient },
      dateAsserted: h.issuedAt,
      informationSource: { reference: issuer, display: ctx.issuer.name },
      dosage: [{ text: daily, doseAndRate: [{ doseQuantity: dailyDose }] }],
      note: notes.map((text) => ({ text })),
    }),
  )
  const first = h.receivingService.firstAppointment
  clinical.push(
    add({
      resourceType: 'ServiceRequest',
      meta: { profile: [profile('ServiceRequest')] },
      text: narrative([
        `Handover of opioid substitution therapy to ${h.receivingService.name}.`,
        first === undefined ? 'No first appointment is on the handover.' : `First appointment: ${first}.`,
        h.receivingService.phone === undefined ? '' : `Phone: ${h.receivingService.phone}.`,
      ]),
      status: 'active',
      intent: 'order',
      code: { text: 'Continuation of opioid substitution therapy by the community drug service' },
      subject: { reference: patient },
      ...(first === undefined ? {} : { occurrenceDateTime: first }),
      authoredOn: h.issuedAt,
      requester: { reference: issuer, display: ctx.issuer.name },
      performer: [{ reference: receiving, display: h.receivingService.name }],
      ...(h.receivingService.phone === undefined
        ? {}
        : { note: [{ text: `Service phone: ${h.receivingService.phone}` }] }),
    }),
  )
  b.provenance({ targets: clinical, issuer, surgery, ctx, what: 'Opioid substitution handover' })
  return b.bundle(ctx.exportedAt)
}

function participant(code: string, display: string) {
  return { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code, display }] }
}

function medicineNotes(m: MedicationList['medicines'][number]): { text: string }[] {
  const notes = [
    `Strength ${m.strength}; form ${m.form}.`,
    `Last issued ${m.lastIssueDate}. Supplied on release ${m.supplyDate}: ${m.quantitySupplied.value} ${m.quantitySupplied.unit}; expected to run out ${m.runOutDate}.`,
  ]
  if (m.controlledDrugSchedule !== undefined) notes.push(`Controlled drug: Schedule ${m.controlledDrugSchedule}.`)
  if (m.supervisedConsumption === true) notes.push('Supervised consumption.')
  return notes.map((text) => ({ text }))
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000)
}
