import { randomUUID } from 'node:crypto'
import type { MedicationList } from '@holdall/protocol'

/*
 * FHIR R4 UK Core export of a verified medicines list. The rules this follows, and why, are in
 * ../FHIR.md; test/fhir.test.ts checks every bundle against them.
 */

export const SYSTEMS = {
  dmd: 'https://dmd.nhs.uk',
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
  const entries: { fullUrl: string; resource: Resource }[] = []
  const add = (resource: Resource): string => {
    const fullUrl = `urn:uuid:${randomUUID()}`
    entries.push({ fullUrl, resource })
    return fullUrl
  }
  const { list } = ctx
  const patient = add({
    resourceType: 'Patient',
    meta: { profile: [profile('Patient')] },
    identifier: [{ system: SYSTEMS.nhsNumber, value: list.patient.nhsNumber }],
    name: [{ text: list.patient.name }],
    birthDate: list.patient.birthDate,
  })
  const issuer = add({
    resourceType: 'Organization',
    meta: { profile: [profile('Organization')] },
    identifier: [{ system: SYSTEMS.ods, value: ctx.issuer.odsCode }],
    name: ctx.issuer.name,
  })
  const surgery = add({
    resourceType: 'Organization',
    meta: { profile: [profile('Organization')] },
    identifier: [{ system: SYSTEMS.ods, value: ctx.surgery.odsCode }],
    name: ctx.surgery.name,
  })
  const practitioners = new Map<string, string>()
  const practitionerFor = (p: MedicationList['medicines'][number]['prescriber']): string => {
    const key = `${p.registration.body}:${p.registration.number}`
    const known = practitioners.get(key)
    if (known !== undefined) return known
    const url = add({
      resourceType: 'Practitioner',
      meta: { profile: [profile('Practitioner')] },
      identifier: [{ system: SYSTEMS.registration[p.registration.body], value: p.registration.number }],
      name: [{ text: p.name }],
    })
    practitioners.set(key, url)
    return url
  }

  const clinical: string[] = []
  for (const m of list.medicines) {
    const medication = { coding: [{ ...m.medication }], text: m.medication.display }
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
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: medication,
      subject: { reference: patient },
      authoredOn: m.lastIssueDate,
      requester: { reference: practitionerFor(m.prescriber), display: m.prescriber.name },
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
      note: medicineNotes(m),
    })
    clinical.push(request)
    clinical.push(
      add({
        resourceType: 'MedicationDispense',
        meta: { profile: [profile('MedicationDispense')] },
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
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
        },
        code: { text: a.substance },
        patient: { reference: patient },
        recordedDate: list.issuedAt,
        asserter: { reference: issuer, display: ctx.issuer.name },
        ...(a.reaction === undefined ? {} : { reaction: [{ manifestation: [{ text: a.reaction }] }] }),
      }),
    )
  }
  add({
    resourceType: 'Provenance',
    target: clinical.map((reference) => ({ reference })),
    occurredDateTime: ctx.signedAt.toISOString(),
    recorded: ctx.verifiedAt.toISOString(),
    agent: [
      {
        type: participant('author', 'Author'),
        who: { reference: issuer, display: ctx.issuer.name },
      },
      {
        type: participant('verifier', 'Verifier'),
        who: { reference: surgery, display: ctx.surgery.name },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: SYSTEMS.holdallRecord, value: `${ctx.recordId}/${ctx.version}` },
          display: `Medicines list shared through Holdall, signed by ${ctx.issuer.name} (ODS ${ctx.issuer.odsCode}) at ${ctx.signedAt.toISOString()}; signature verified by ${ctx.surgery.name} at ${ctx.verifiedAt.toISOString()}`,
        },
      },
      {
        role: 'source',
        what: {
          identifier: { system: SYSTEMS.holdallGrant, value: ctx.grantId },
          display: 'The holder’s consent (Holdall grant) under which the list was read',
        },
      },
    ],
  })

  return {
    resourceType: 'Bundle',
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'collection',
    timestamp: ctx.exportedAt.toISOString(),
    entry: entries,
  }
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
