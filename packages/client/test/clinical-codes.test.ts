import { generateDeviceKeys } from '@holdall/crypto'
import type { MedicationList } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import {
  clinicalCodeProblems,
  HoldallError,
  IssuerClient,
  medicationListCodeProblems,
  sctidConceptProblem,
  verhoeffValid,
} from '../src/index.js'

/* Chapter 4.2's clinical codes: SCTIDs checked offline (partition and Verhoeff check digit). */

function list(codes: { medicine?: string; system?: string; allergy?: string }): MedicationList {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: '2026-11-23T10:00:00.000Z',
    medicines: [
      {
        medication: {
          system: codes.system ?? 'https://dmd.nhs.uk',
          code: codes.medicine ?? '323509004',
          display: 'Sertraline 50mg tablets',
        },
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
    allergies: [
      {
        substance: 'Penicillin',
        code: { system: 'http://snomed.info/sct', code: codes.allergy ?? '764146007', display: 'Penicillin' },
      },
    ],
  }
}

describe('SCTIDs: partition and Verhoeff check digit', () => {
  it('accepts published concept ids, short and long (extension) format', () => {
    for (const code of [
      '22298006',
      '387517004',
      '404684003',
      '138875005',
      '73211009',
      '323509004',
      '39720311000001101',
    ])
      expect(sctidConceptProblem(code), code).toBeUndefined()
  })

  it('refuses a changed digit, a transposition, a description id, a leading zero and bad lengths', () => {
    expect(verhoeffValid('22298007')).toBe(false)
    expect(verhoeffValid('22928006')).toBe(false)
    expect(verhoeffValid('387571004')).toBe(false)
    expect(sctidConceptProblem('22298007')).toMatch(/check digit/)
    expect(sctidConceptProblem('37436014')).toMatch(/partition 01/)
    expect(sctidConceptProblem('022298006')).toMatch(/start with 0/)
    expect(sctidConceptProblem('12345')).toMatch(/6 to 18/)
    expect(sctidConceptProblem('1234567890123456789')).toMatch(/6 to 18/)
    expect(sctidConceptProblem('2229800x')).toMatch(/digits/)
  })

  it('every single-digit change of a valid SCTID is caught (Verhoeff catches all of them)', () => {
    const valid = '39720311000001101'
    for (let i = 0; i < valid.length; i++)
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue
        const changed = `${valid.slice(0, i)}${d}${valid.slice(i + 1)}`
        expect(verhoeffValid(changed), changed).toBe(false)
      }
  })

  it('finds wrong codes and code systems in a medicines list, and none in a good one', () => {
    expect(medicationListCodeProblems(list({}))).toEqual([])
    expect(medicationListCodeProblems(list({ medicine: '323509005' }))).toEqual([
      expect.objectContaining({ path: 'medicines[0].medication.code' }),
    ])
    expect(medicationListCodeProblems(list({ system: 'http://snomed.info/sct' }))).toEqual([
      expect.objectContaining({ path: 'medicines[0].medication.system' }),
    ])
    expect(medicationListCodeProblems(list({ allergy: '37436014' }))).toEqual([
      expect.objectContaining({ path: 'allergies[0].code.code' }),
    ])
    expect(clinicalCodeProblems({ recordType: 'victim_protective_conditions', conditions: [] })).toEqual([])
  })
})

describe('issuer SDK', () => {
  const issuer = (onFetch: () => void) =>
    new IssuerClient(
      'http://127.0.0.1:9',
      {
        clientId: 'https://issuer.example/client.json',
        name: 'HMP Leeds Healthcare',
        category: 'prison_healthcare',
        registryCode: 'NTE01',
        keys: generateDeviceKeys(),
      },
      (async () => {
        onFetch()
        throw new Error('no host in this test')
      }) as typeof fetch,
    )

  it('[REC-03] refuses to deposit a mistyped code or a wrong code system, before it signs or asks the host for its grant', async () => {
    for (const codes of [{ medicine: '323509005' }, { system: 'http://example.org/drugs' }, { allergy: '37436014' }]) {
      let calls = 0
      const refusal = issuer(() => {
        calls += 1
      }).deposit('medication_list', list(codes), 'Medicines on release')
      await expect(refusal).rejects.toBeInstanceOf(HoldallError)
      await expect(refusal).rejects.toMatchObject({ code: 'invalid_clinical_code' })
      expect(calls).toBe(0)
    }
  })

  it('[REC-03] a well-formed list passes the check and goes on to deposit (which needs a grant)', async () => {
    const deposit = issuer(() => {}).deposit('medication_list', list({}), 'Medicines on release')
    await expect(deposit).rejects.toThrow(/no grant yet/)
    await expect(deposit).rejects.not.toBeInstanceOf(HoldallError)
  })
})
