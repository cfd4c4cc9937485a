import type { RecordPayload } from '@holdall/protocol'

/** Canaries: strings that must never appear in the host's database or blob files. */
export const CANARY = {
  medicine: 'Sertraline 50mg tablets CANARY-MED-7Q2',
  nhsNumber: '9434765919',
  name: 'Jordan CANARY-NAME Ellis',
  victim: 'Must not contact CANARY-VICTIM-3XK',
  licence: 'Report to CANARY-LICENCE-8PL on Monday',
} as const

export function medicationList(): RecordPayload {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: CANARY.nhsNumber, name: CANARY.name, birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: '2026-11-20T09:30:00Z',
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '323509004', display: CANARY.medicine },
        strength: '50 mg',
        form: 'tablet',
        route: 'oral',
        dose: 'One tablet each morning',
        indication: 'Depression',
        startDate: '2026-06-01',
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

export function licenceConditions(): RecordPayload {
  return {
    recordType: 'licence_conditions',
    licenceKind: 'CRD',
    licenceStartDate: '2026-11-20',
    licenceExpiryDate: '2027-05-20',
    supervisingOfficer: { name: 'Sam Patel', phone: '0113 000 0000' },
    initialAppointment: {
      person: 'Duty officer',
      time: '2026-11-23T10:00:00Z',
      address: 'Leeds PDU, 1 Park Row',
      phone: '0113 000 0001',
    },
    standardConditions: [{ code: 'std-1', text: 'Be of good behaviour' }],
    additionalConditions: [{ code: 'add-1', text: CANARY.licence }],
    bespokeConditions: [],
    policyVersion: '4.0',
  }
}

export function victimConditions(): RecordPayload {
  return { recordType: 'victim_protective_conditions', conditions: [{ code: 'vic-1', text: CANARY.victim }] }
}
