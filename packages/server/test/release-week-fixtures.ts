import type { RecordPayload } from '@holdall/protocol'

/** Payloads of the release-week record types (issue 21), for tests and the week demo. */
export function ostHandover(): RecordPayload {
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
    receivingService: { name: 'Forward Leeds', phone: '0113 000 0002', firstAppointment: '2026-11-23T11:00:00+00:00' },
    naloxoneSupplied: true,
    prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
  }
}

export function cv(): RecordPayload {
  return {
    recordType: 'cv',
    name: 'Jordan Ellis',
    contact: { phone: '07700 900000' },
    summary: 'Reliable worker with kitchen and warehouse experience.',
    experience: [{ role: 'Kitchen assistant', where: 'Prison kitchen', from: '2024-05', to: '2026-11' }],
    skills: ['Food hygiene level 2'],
  }
}

export function proofOfAddress(): RecordPayload {
  return {
    recordType: 'proof_of_address',
    name: 'Jordan Ellis',
    address: { lines: ['Example House Approved Premises', '2 Station Road', 'Leeds'], postcode: 'LS1 1AA' },
    accommodationType: 'approved_premises',
    issuedBy: { name: 'Leeds Probation Delivery Unit', registryCode: 'N53' },
    issuedOn: '2026-11-21',
  }
}
