import type { LicenceConditions, MedicationList } from '@holdall/protocol'

/*
 * Jordan Ellis, the person every demo follows: the same medicines on release and the same licence,
 * so the demos tell one story and a change to a payload's schema is made here once.
 */

/** Prison healthcare's signed list of Jordan's medicines on release (dm+d and GMC codes valid). */
export function jordanMedicationList(): MedicationList {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: new Date().toISOString(),
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '323509004', display: 'Sertraline 50mg tablets' },
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
    allergies: [{ substance: 'Penicillin', reaction: 'Rash' }],
  }
}

/** Jordan's licence from Leeds PDU; a demo changes only what its story needs. */
export function jordanLicence(changes: Partial<LicenceConditions> = {}): LicenceConditions {
  return {
    recordType: 'licence_conditions',
    licenceKind: 'CRD',
    licenceStartDate: '2026-11-20',
    licenceExpiryDate: '2027-05-20',
    supervisingOfficer: { name: 'Sam Patel', phone: '0113 000 0000' },
    initialAppointment: {
      person: 'Duty officer',
      time: '2026-11-20T14:00:00Z',
      address: 'Leeds PDU, 1 Park Row',
      phone: '0113 000 0001',
    },
    standardConditions: [{ code: 'std-1', text: 'Be of good behaviour and do not commit any offence.' }],
    additionalConditions: [],
    bespokeConditions: [],
    policyVersion: '4.0',
    ...changes,
  }
}
