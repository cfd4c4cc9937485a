import type { RecordPayload } from '@holdall/protocol'

/** Test records. Made-up people and codes; the dm+d code is a real code for sertraline 50 mg tablets. */
export function medicationList(): RecordPayload {
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Conformance Person', birthDate: '1991-04-02', prisonNumber: 'A0000AA' },
    issuingOrganisation: { name: 'Conformance prison healthcare', odsCode: 'CNF01' },
    issuedAt: '2026-11-20T09:30:00Z',
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '323509004', display: 'Sertraline 50mg tablets' },
        strength: '50 mg',
        form: 'tablet',
        route: 'oral',
        dose: 'One tablet each morning',
        startDate: '2026-06-01',
        lastIssueDate: '2026-11-20',
        quantitySupplied: { value: 28, unit: 'tablet' },
        supplyDate: '2026-11-20',
        runOutDate: '2026-12-18',
        repeat: true,
        prescriber: { name: 'Dr Conformance', registration: { body: 'GMC', number: '0000000' } },
      },
    ],
    allergies: [],
  }
}

export function appointment(): RecordPayload {
  return {
    recordType: 'appointment',
    with: 'Probation',
    purpose: 'First meeting',
    time: '2026-11-23T10:00:00Z',
    address: 'Conformance Street',
  }
}

export function victimConditions(): RecordPayload {
  return { recordType: 'victim_protective_conditions', conditions: [{ code: 'vic-1', text: 'No contact' }] }
}

export function identityDocument(): RecordPayload {
  return {
    recordType: 'identity_document',
    documentType: 'birth_certificate',
    issuer: 'General Register Office',
    status: 'held',
  }
}
