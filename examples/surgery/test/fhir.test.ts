import { describe, expect, it } from 'vitest'
import { ExportRefused, medicationBundle, ostHandoverBundle, SYSTEMS } from '../src/fhir.js'
import { checkBundle } from './fhir-rules.js'
import { validateBundle } from './fhir-validator.js'
import { longMedicationList, medicationList, ostHandover } from './fixtures.js'
import { ukCoreProblems } from './ukcore-checks.js'

const today = new Date('2026-11-23T10:00:00Z')
const shared = {
  issuer: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
  surgery: { name: 'Riverside Surgery', odsCode: 'B86011' },
  signedAt: new Date('2026-11-20T09:00:00Z'),
  verifiedAt: today,
  grantId: 'grant-abc',
  recordId: 'record-1',
  version: 1,
  exportedAt: today,
}
const context = { ...shared, list: medicationList(today) }
type Json = Record<string, unknown>
const resources = (bundle: Json) => (bundle.entry as { resource: Json }[]).map((e) => e.resource)
const ofType = (bundle: Json, type: string) => resources(bundle).filter((r) => r.resourceType === type)

/** The whole check every exported bundle must pass: the R4 validator, then the UK Core constraints. */
const allProblems = (bundle: Json) => [...validateBundle(bundle), ...ukCoreProblems(bundle)]

describe('every exported bundle passes the FHIR R4 validator and the UK Core checks (FHIR.md)', () => {
  it('a mixed repeat list with a controlled drug and allergies', () => {
    const bundle = medicationBundle(context)
    expect(allProblems(bundle)).toEqual([])
    expect(checkBundle(bundle, { grantId: 'grant-abc' })).toEqual([])
  })

  it('five or more medicines', () => {
    const list = longMedicationList(today)
    expect(list.medicines.length).toBeGreaterThanOrEqual(5)
    const bundle = medicationBundle({ ...context, list })
    expect(allProblems(bundle)).toEqual([])
    expect(ofType(bundle, 'MedicationRequest')).toHaveLength(list.medicines.length)
  })

  it('opioid substitution only (the OST handover)', () => {
    const bundle = ostHandoverBundle({ ...shared, handover: ostHandover(today) })
    expect(allProblems(bundle)).toEqual([])
  })

  it('an OST handover with no bridging prescription, appointment or pharmacy still validates', () => {
    const { bridgingPrescription: _b, substitutionAllowed: _s, ...handover } = ostHandover(today)
    const bundle = ostHandoverBundle({
      ...shared,
      handover: { ...handover, receivingService: { name: 'Forward Leeds' }, naloxoneSupplied: false },
    })
    expect(allProblems(bundle)).toEqual([])
    expect(ofType(bundle, 'MedicationRequest')).toHaveLength(0)
  })
})

describe('what the bundles carry', () => {
  it('reconciliation data: dm+d, dose, quantity, last issue, run-out, prescriber, CD status, substitution', () => {
    const bundle = medicationBundle(context)
    const requests = ofType(bundle, 'MedicationRequest')
    expect(requests).toHaveLength(2)
    const [sertraline, methadone] = requests as [Json, Json]
    expect(JSON.stringify(methadone.medicationCodeableConcept)).toContain('3674611000001106')
    expect(methadone.authoredOn).toBe('2026-11-22')
    expect((methadone.dispenseRequest as Json).quantity).toEqual({ value: 180, unit: 'ml' })
    expect((methadone.dispenseRequest as Json).expectedSupplyDuration).toMatchObject({ value: 3, code: 'd' })
    expect(JSON.stringify(methadone.note)).toContain('Controlled drug: Schedule 2')
    // What the prescriber allowed, or that the list does not say: never a guess.
    expect(sertraline.substitution).toEqual({ allowedBoolean: true })
    expect(methadone.substitution).toEqual({ allowedCodeableConcept: { text: 'Not stated by the prescriber' } })
    const nurse = resources(bundle).find(
      (r) => r.resourceType === 'Practitioner' && JSON.stringify(r).includes('71A2998E'),
    )
    expect(JSON.stringify(nurse)).toContain(SYSTEMS.registration.NMC)
    expect(JSON.stringify(resources(bundle))).not.toContain('A1234BC')
  })

  it('allergies: SNOMED CT coded when the list carries a code, text kept; no Organization as asserter', () => {
    const [penicillin, plasters] = ofType(medicationBundle(context), 'AllergyIntolerance') as [Json, Json]
    expect(penicillin.code).toEqual({
      coding: [{ system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin' }],
      text: 'Penicillin',
    })
    expect(plasters.code).toEqual({ text: 'Elastoplast plasters' })
    for (const allergy of [penicillin, plasters]) expect(allergy.asserter).toBeUndefined()
  })

  it('every resource has a generated narrative that escapes what the list says', () => {
    const list = medicationList(today)
    list.allergies[0] = { substance: 'Peni<script>alert(1)</script>cillin & co' }
    const bundle = medicationBundle({ ...context, list })
    for (const r of resources(bundle)) expect((r.text as Json).status).toBe('generated')
    const div = ((ofType(bundle, 'AllergyIntolerance')[0] as Json).text as Json).div as string
    expect(div).toContain('Peni&lt;script&gt;alert(1)&lt;/script&gt;cillin &amp; co')
    expect(allProblems(bundle)).toEqual([])
  })

  it('the OST handover: last dose in custody, daily dose, instalments, supervision, receiving service, naloxone', () => {
    const bundle = ostHandoverBundle({ ...shared, handover: ostHandover(today) })
    const administration = ofType(bundle, 'MedicationAdministration')[0] as Json
    expect(administration.effectiveDateTime).toBe('2026-11-23T08:15:00+00:00')
    const request = ofType(bundle, 'MedicationRequest')[0] as Json
    expect(request.dispenseRequest).toMatchObject({
      validityPeriod: { start: '2026-11-24', end: '2026-11-27' },
      dispenseInterval: { value: 1, code: 'd' },
      quantity: { value: 60, unit: 'ml' },
    })
    expect(request.substitution).toEqual({ allowedBoolean: false })
    expect(JSON.stringify(request.dosageInstruction)).toContain('Supervised consumption')
    const referral = ofType(bundle, 'ServiceRequest')[0] as Json
    expect(referral.occurrenceDateTime).toBe('2026-11-26T10:00:00+00:00')
    expect(JSON.stringify(ofType(bundle, 'MedicationStatement'))).toContain('Naloxone was supplied')
    expect(JSON.stringify(resources(bundle))).not.toContain('A1234BC')
  })
})

describe('the validator and the UK Core checks can fail', () => {
  it('the R4 validator catches a wrong reference type, a missing or unknown status, an unknown element and no narrative', () => {
    const bundle = medicationBundle(context)
    const all = resources(bundle)
    const issuer = (bundle.entry as { fullUrl: string; resource: Json }[]).find(
      (e) => e.resource.resourceType === 'Organization',
    )?.fullUrl
    const allergy = ofType(bundle, 'AllergyIntolerance')[0] as Json
    allergy.asserter = { reference: issuer }
    const request = ofType(bundle, 'MedicationRequest')[0] as Json
    delete request.status
    const patient = all.find((r) => r.resourceType === 'Patient') as Json
    delete patient.text
    const statement = ofType(bundle, 'MedicationStatement')[0] as Json
    statement.subject = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }
    statement.wrongElement = true
    statement.status = 'taking'
    const allergyStatus = (allergy.clinicalStatus as { coding: Json[] }).coding[0] as Json
    allergyStatus.code = 'current'
    const problems = validateBundle(bundle).join('\n')
    expect(problems).toMatch(/status: "taking" is not in .*medication-statement-status/)
    expect(problems).toMatch(/clinicalStatus: no coding from .*allergyintolerance-clinical/)
    expect(problems).toMatch(/asserter.*Invalid reference.*Organization/)
    expect(problems).toMatch(/status.*Missing required property/)
    expect(problems).toMatch(/dom-6/)
    expect(problems).toMatch(/names no entry of the bundle/)
    expect(problems).toMatch(/Invalid additional property "wrongElement"/)
  })

  it('the UK Core checks catch a missing substitution, a malformed dm+d code, a wrong extension and a missing profile', () => {
    const bundle = medicationBundle(context)
    const request = ofType(bundle, 'MedicationRequest')[0] as Json
    delete request.substitution
    const statement = ofType(bundle, 'MedicationStatement')[0] as Json
    statement.medicationCodeableConcept = { coding: [{ system: SYSTEMS.dmd, code: '3674611000001103', display: 'x' }] }
    ;(statement.extension as Json[])[0] = {
      url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate',
      valueString: 'yesterday',
    }
    const patient = ofType(bundle, 'Patient')[0] as Json
    delete patient.meta
    const allergy = ofType(bundle, 'AllergyIntolerance')[0] as Json
    allergy.code = { coding: [{ system: SYSTEMS.snomed, code: '37436014', display: 'x' }] }
    const problems = ukCoreProblems(bundle).join('\n')
    for (const rule of ['UKC-MR-1', 'UKC-DMD-1', 'UKC-EXT-1', 'UKC-PROFILE', 'UKC-SCT-1'])
      expect(problems).toContain(rule)
  })
})

describe('codes that cannot be checked are never exported half-valid', () => {
  it.each([
    ['a mistyped dm+d code (wrong check digit)', { code: '3674611000001103' }, 'malformed_code'],
    ['a SNOMED CT description id instead of a concept id', { code: '37436014' }, 'malformed_code'],
    ['an unknown code system', { system: 'http://example.org/drugs' }, 'unknown_code_system'],
  ])('%s is refused with the reason', (_name, change, kind) => {
    const list = medicationList(today)
    const methadone = list.medicines[1] as (typeof list.medicines)[number]
    methadone.medication = { ...methadone.medication, ...change }
    let refused: unknown
    try {
      medicationBundle({ ...context, list })
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(ExportRefused)
    expect((refused as ExportRefused).problems).toEqual([
      expect.objectContaining({ kind, path: expect.stringMatching(/^medicines\[1\]\.medication\./) }),
    ])
  })

  it('a dose that is only blank space is refused', () => {
    const list = medicationList(today)
    ;(list.medicines[0] as (typeof list.medicines)[number]).dose = '   '
    expect(() => medicationBundle({ ...context, list })).toThrow(ExportRefused)
  })

  it('an OST handover with a malformed drug code is refused', () => {
    const handover = ostHandover(today)
    handover.drug = { ...handover.drug, code: '3674611000001103' }
    expect(() => ostHandoverBundle({ ...shared, handover })).toThrow(ExportRefused)
  })
})
