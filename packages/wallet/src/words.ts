import { needsCoolingOff, ORGANISATION_CATEGORIES, type RecordType } from '@holdall/protocol'
import type { StringKey } from './strings.js'

/** The everyday name of each record type (domain.md (d) 2). */
export const RECORD_WORDS: Record<RecordType, StringKey> = {
  medication_list: 'recordMedicationList',
  licence_conditions: 'recordLicenceConditions',
  victim_protective_conditions: 'recordVictimProtective',
  identity_document: 'recordIdentityDocument',
  appointment: 'recordAppointment',
  ost_handover: 'recordOstHandover',
  release_letter: 'recordReleaseLetter',
  birth_certificate: 'recordBirthCertificate',
  national_insurance_number: 'recordNiNumber',
  proof_of_address: 'recordProofOfAddress',
  qualification_certificate: 'recordCertificate',
  cv: 'recordCv',
  disclosure_statement: 'recordDisclosure',
  health_document: 'recordHealthDocument',
  log_checkpoint: 'recordOther',
}

export function recordWord(type: string): StringKey {
  return (RECORD_WORDS as Record<string, StringKey>)[type] ?? 'recordOther'
}

const CATEGORY_WORDS: Record<string, StringKey> = {
  prison_healthcare: 'catPrisonHealthcare',
  prison: 'catPrison',
  probation: 'catProbation',
  police: 'catPolice',
  gp_surgery: 'catGp',
  pharmacy: 'catPharmacy',
  drug_service: 'catDrugService',
  housing: 'catHousing',
  landlord: 'catLandlord',
  jobcentre: 'catJobcentre',
  employer: 'catEmployer',
  id_scheme: 'catIdScheme',
  supporter: 'catSupporter',
  bank: 'catBank',
  education_provider: 'catCollege',
}

export function categoryWord(category: string): StringKey {
  return CATEGORY_WORDS[category] ?? 'catUnknown'
}

/** Issue 19: what a supporter may see unless the holder turns more on (domain scenario 13). */
export const SUPPORTER_DEFAULT_TYPES: readonly string[] = ['appointment', 'licence_conditions']

/** Issue 19: how long a grant to such a recipient waits before it starts (domain.md: e.g. 24 h). */
export const COOLING_OFF_SECONDS = 24 * 60 * 60

/**
 * Who gets the "Is anyone making you share this?" question and the cooling-off (domain.md (d)
 * 13): the non-statutory recipients of the protocol's request templates (employers, colleges,
 * private landlords) and family or friends (supporter). Never GP, pharmacy, probation or a
 * council's housing officer, where a delay would harm care or a homeless person. Anyone the trust
 * list cannot vouch for is asked too (request.tsx).
 */
export const PRESSURE_CHECK_CATEGORIES: readonly string[] = [
  ...ORGANISATION_CATEGORIES.filter((category) => needsCoolingOff(category)),
  'supporter',
]
