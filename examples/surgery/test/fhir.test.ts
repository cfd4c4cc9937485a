import { describe, expect, it } from 'vitest'
import { medicationBundle, SYSTEMS } from '../src/fhir.js'
import { checkBundle } from './fhir-rules.js'
import { medicationList } from './fixtures.js'

const today = new Date('2026-11-23T10:00:00Z')
const context = {
  list: medicationList(today),
  issuer: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
  surgery: { name: 'Riverside Surgery', odsCode: 'B86011' },
  signedAt: new Date('2026-11-20T09:00:00Z'),
  verifiedAt: today,
  grantId: 'grant-abc',
  recordId: 'record-1',
  version: 1,
  exportedAt: today,
}
type Json = Record<string, unknown>
const resources = (bundle: Json) => (bundle.entry as { resource: Json }[]).map((e) => e.resource)

describe('FHIR R4 UK Core export (FHIR.md)', () => {
  it('a bundle from a verified list meets every documented rule', () => {
    const bundle = medicationBundle(context)
    expect(checkBundle(bundle, { grantId: 'grant-abc' })).toEqual([])
  })

  it('carries what reconciliation needs: dm+d, dose, quantity, last issue, run-out, prescriber, CD status, allergies', () => {
    const all = resources(medicationBundle(context))
    const requests = all.filter((r) => r.resourceType === 'MedicationRequest')
    expect(requests).toHaveLength(2)
    const methadone = requests[1] as Json
    expect(JSON.stringify(methadone.medicationCodeableConcept)).toContain('3674611000001103')
    expect(methadone.authoredOn).toBe('2026-11-22')
    expect((methadone.dispenseRequest as Json).quantity).toEqual({ value: 180, unit: 'ml' })
    expect((methadone.dispenseRequest as Json).expectedSupplyDuration).toMatchObject({ value: 3, code: 'd' })
    const notes = JSON.stringify(methadone.note)
    expect(notes).toContain('Controlled drug: Schedule 2')
    expect(notes).toContain('expected to run out 2026-11-25')
    const nurse = all.find((r) => r.resourceType === 'Practitioner' && JSON.stringify(r).includes('71A2998E'))
    expect(JSON.stringify(nurse)).toContain(SYSTEMS.registration.NMC)
    expect(all.filter((r) => r.resourceType === 'AllergyIntolerance')).toHaveLength(1)
    const dispense = all.find((r) => r.resourceType === 'MedicationDispense') as Json
    expect(dispense).toMatchObject({ whenHandedOver: '2026-11-20', quantity: { value: 28, unit: 'tablet' } })
    // The prison number is justice data the clinical record does not need: it is not exported.
    expect(JSON.stringify(all)).not.toContain('A1234BC')
  })

  it('states where it came from: issuer, signing time, verification time and grant', () => {
    const provenance = resources(medicationBundle(context)).find((r) => r.resourceType === 'Provenance') as Json
    expect(provenance.occurredDateTime).toBe('2026-11-20T09:00:00.000Z')
    expect(provenance.recorded).toBe('2026-11-23T10:00:00.000Z')
    expect(JSON.stringify(provenance.entity)).toContain('signature verified by Riverside Surgery')
  })

  it('the rules catch a bundle that breaks them (they can fail)', () => {
    const bundle = medicationBundle(context)
    const all = resources(bundle)
    const patient = all.find((r) => r.resourceType === 'Patient') as Json
    patient.identifier = [{ system: SYSTEMS.nhsNumber, value: '9434765918' }]
    const statement = all.find((r) => r.resourceType === 'MedicationStatement') as Json
    statement.status = 'taking'
    statement.medicationCodeableConcept = { text: 'Sertraline' }
    delete statement.extension
    const dispense = all.find((r) => r.resourceType === 'MedicationDispense') as Json
    delete dispense.quantity
    const allergy = all.find((r) => r.resourceType === 'AllergyIntolerance') as Json
    delete allergy.clinicalStatus
    const provenance = all.find((r) => r.resourceType === 'Provenance') as Json
    provenance.target = (provenance.target as Json[]).slice(1)
    const errors = checkBundle(bundle, { grantId: 'another-grant' })
    for (const rule of ['P1', 'MS1', 'MS2', 'MS6', 'MD2', 'A2', 'PV2', 'PV4'])
      expect(errors.join('\n')).toContain(`${rule}:`)
  })
})
