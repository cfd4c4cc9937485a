import type { MedicationList, OstHandover } from '@holdall/protocol'

/*
 * Test lists. Codes are well-formed SCTIDs (right partition and Verhoeff check digit): 323509004
 * Sertraline 50mg tablets and 764146007 Penicillin (substance) as published; the others are not
 * checked against a dm+d release and stand in for real ones.
 */

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
        medication: { system: 'https://dmd.nhs.uk', code: '323509004', display: 'Sertraline 50mg tablets' },
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
        substitutionAllowed: true,
        prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
      },
      {
        medication: {
          system: 'https://dmd.nhs.uk',
          code: '3674611000001106',
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
    allergies: [
      {
        substance: 'Penicillin',
        code: { system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin' },
        reaction: 'Rash',
      },
      { substance: 'Elastoplast plasters', reaction: 'Itching' },
    ],
  }
}

/** Five or more medicines, acute and repeat, so that practitioners and references are shared. */
export function longMedicationList(today: Date): MedicationList {
  const base = medicationList(today)
  const first = base.medicines[0] as MedicationList['medicines'][number]
  const more = [
    {
      code: '322236009',
      display: 'Paracetamol 500mg tablets',
      dose: 'Two tablets up to four times a day',
      repeat: false,
    },
    { code: '317972000', display: 'Furosemide 40mg tablets', dose: 'One tablet each morning', repeat: true },
    {
      code: '39720311000001101',
      display: 'Omeprazole 20mg gastro-resistant capsules',
      dose: 'One capsule daily',
      repeat: true,
    },
    { code: '319283006', display: 'Amlodipine 5mg tablets', dose: 'One tablet daily', repeat: true },
    { code: '320000009', display: 'Simvastatin 20mg tablets', dose: 'One tablet at night', repeat: true },
  ].map((m) => ({
    ...first,
    medication: { system: 'https://dmd.nhs.uk', code: m.code, display: m.display },
    dose: m.dose,
    repeat: m.repeat,
    indication: undefined,
  }))
  return { ...base, medicines: [...base.medicines, ...more] }
}

/** An OST handover for release on a Friday: methadone, last dose in custody that morning, FP10MDA to Monday. */
export function ostHandover(today: Date): OstHandover {
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10)
  return {
    recordType: 'ost_handover',
    patient: { nhsNumber: '9434765919', name: 'Jordan Ellis', birthDate: '1991-04-02', prisonNumber: 'A1234BC' },
    issuingOrganisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01' },
    issuedAt: today.toISOString(),
    drug: {
      system: 'https://dmd.nhs.uk',
      code: '3674611000001106',
      display: 'Methadone 1mg/ml oral solution sugar free',
    },
    formulation: 'oral solution 1 mg/ml',
    dailyDose: { value: 60, unit: 'mg' },
    lastDoseInCustody: `${day(0)}T08:15:00+00:00`,
    lastDoseSupervised: true,
    bridgingPrescription: {
      form: 'FP10MDA',
      startDate: day(1),
      endDate: day(4),
      instalmentAmount: { value: 60, unit: 'ml' },
      instalmentIntervalDays: 1,
      supervisedConsumption: true,
      dispensingPharmacy: { name: 'Kirkgate Pharmacy', odsCode: 'FA123' },
    },
    receivingService: {
      name: 'Forward Leeds',
      phone: '0113 887 2477',
      firstAppointment: `${day(3)}T10:00:00+00:00`,
    },
    naloxoneSupplied: true,
    substitutionAllowed: false,
    prescriber: { name: 'Dr P Shah', registration: { body: 'GMC', number: '7123456' } },
  }
}
