import type { MedicationList } from '@holdall/protocol'

/** A discharge list as HMP Leeds healthcare would issue it: one ordinary repeat, one controlled drug. */
export function medicationList(today: Date): MedicationList {
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10)
  return {
    recordType: 'medication_list',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: today.toISOString(),
    medicines: [
      {
        medication: { system: 'https://dmd.nhs.uk', code: '39109611000001108', display: 'Sertraline 50mg tablets' },
        strength: '50 mg',
        form: 'tablet',
        route: 'oral',
        dose: 'One tablet each morning',
        indication: 'Depression',
        startDate: '2026-06-01',
        lastIssueDate: day(-3),
        quantitySupplied: { value: 28, unit: 'tablet' },
        supplyDate: day(-3),
        runOutDate: day(25),
        repeat: true,
        prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
      },
      {
        medication: {
          system: 'https://dmd.nhs.uk',
          code: '3674611000001103',
          display: 'Methadone 1mg/ml oral solution sugar free',
        },
        strength: '1 mg/ml',
        form: 'oral solution',
        dose: '60 ml once a day',
        lastIssueDate: day(-1),
        quantitySupplied: { value: 180, unit: 'ml' },
        supplyDate: day(-1),
        runOutDate: day(2),
        repeat: true,
        controlledDrugSchedule: '2',
        supervisedConsumption: true,
        prescriber: { name: 'Sam Jones', registration: { body: 'NMC', number: '71A2998E' } },
      },
    ],
    allergies: [{ substance: 'Penicillin', reaction: 'Rash' }],
  }
}
