import { z } from 'zod'

/**
 * Organisation categories, as the trust list records them. `justice` categories may receive
 * justice-only records; nobody else ever does (domain.md 2.2, tier T5).
 */
export const ORGANISATION_CATEGORIES = [
  'prison_healthcare',
  'prison',
  'probation',
  'police',
  'gp_surgery',
  'pharmacy',
  'drug_service',
  'housing',
  // A private landlord or letting agent: not a housing authority, so non-statutory (TPL-*).
  'landlord',
  'jobcentre',
  'employer',
  'id_scheme',
  'supporter',
  /** A bank or building society (scenario 10). Added with issue 21; issues nothing. */
  'bank',
  /** A college or training provider, in prison or outside, issuing qualification certificates. */
  'education_provider',
] as const
export const organisationCategorySchema = z.enum(ORGANISATION_CATEGORIES)
export type OrganisationCategory = z.infer<typeof organisationCategorySchema>

export const JUSTICE_CATEGORIES: readonly OrganisationCategory[] = ['prison', 'probation', 'police']

/** Sensitivity tiers of domain.md (a): T1 identity basics … T5 victim-protective, justice-only. */
export const SENSITIVITY_TIERS = ['T1', 'T2', 'T3', 'T3+', 'T4', 'T5'] as const
export type SensitivityTier = (typeof SENSITIVITY_TIERS)[number]

export interface RecordTypeInfo {
  /**
   * The code signed into every manifest of this type (manifest format 2, bytes 6-7). Codes are
   * never reused: a reader maps the signed code back to a type, never the host's clear label.
   */
  readonly code: number
  readonly tier: SensitivityTier
  /**
   * The organisation categories that may issue (deposit) this type. A record signed by an
   * organisation of any other category is unverified, whatever the host says (spec 2.5, [ISS-01]).
   */
  readonly issuedBy: readonly OrganisationCategory[]
  /** Plain-words name for consent screens. */
  readonly label: string
  /** Only these categories may ever be granted it; undefined means any verified organisation. */
  readonly onlyFor?: readonly OrganisationCategory[]
  /** Off by default on the consent screen. */
  readonly sensitive: boolean
  /**
   * What the envelope's plaintext is: `json` (default), a payload of `record-payloads.ts` that a
   * receiver acts on; or `file`, a document the person keeps and a receiver only reads (a PDF or
   * an image, streamed in the envelope), whose descriptive members are in the envelope's metadata
   * block ([REC-TYPE-04]).
   */
  readonly body?: 'json' | 'file'
  /**
   * Written by the holder only (a CV, a disclosure statement): no organisation may issue it, and
   * readers show it as "written by you", never as verified.
   */
  readonly selfAuthored?: boolean
}

/**
 * The record types of protocol version 1. The host knows a record's type (never its content) so
 * that it can enforce `onlyFor` itself, whatever a holder's device approves.
 */
export const RECORD_TYPES = {
  medication_list: {
    code: 1,
    tier: 'T3',
    label: 'Your medicines',
    sensitive: false,
    issuedBy: ['prison_healthcare', 'gp_surgery'],
  },
  licence_conditions: {
    code: 2,
    tier: 'T4',
    issuedBy: ['prison', 'probation'],
    label: 'Your licence conditions',
    sensitive: true,
    onlyFor: ['prison', 'probation', 'police', 'housing', 'gp_surgery', 'drug_service', 'supporter'],
  },
  victim_protective_conditions: {
    code: 3,
    tier: 'T5',
    issuedBy: ['probation', 'prison'],
    label: 'Conditions that protect other people',
    sensitive: true,
    onlyFor: JUSTICE_CATEGORIES,
  },
  identity_document: {
    code: 4,
    tier: 'T2',
    label: 'Your ID documents',
    sensitive: true,
    issuedBy: ['id_scheme', 'prison'],
  },
  appointment: {
    code: 5,
    tier: 'T1',
    label: 'Your appointments',
    sensitive: false,
    issuedBy: [
      'probation',
      'prison',
      'prison_healthcare',
      'gp_surgery',
      'pharmacy',
      'drug_service',
      'housing',
      'jobcentre',
    ],
  },
  // Issue 21: the rest of release week (spec 4.2, [REC-TYPE-01]). Codes are never reused.
  ost_handover: {
    code: 6,
    tier: 'T3+',
    label: 'Your opioid substitution treatment',
    sensitive: true,
    issuedBy: ['prison_healthcare', 'drug_service'],
    onlyFor: ['prison_healthcare', 'gp_surgery', 'pharmacy', 'drug_service'],
  },
  release_letter: {
    code: 7,
    tier: 'T2',
    label: 'Your release letter',
    sensitive: false,
    issuedBy: ['prison', 'probation'],
  },
  birth_certificate: {
    code: 8,
    tier: 'T2',
    label: 'Your birth certificate',
    sensitive: true,
    issuedBy: ['id_scheme', 'prison'],
  },
  national_insurance_number: {
    code: 9,
    tier: 'T2',
    label: 'Your National Insurance number',
    sensitive: true,
    issuedBy: ['jobcentre', 'id_scheme', 'prison'],
  },
  proof_of_address: {
    code: 10,
    tier: 'T2',
    label: 'Proof of your address',
    sensitive: true,
    issuedBy: ['probation', 'prison', 'housing'],
  },
  qualification_certificate: {
    code: 11,
    tier: 'T1',
    label: 'Your certificates',
    sensitive: false,
    issuedBy: ['education_provider', 'prison'],
  },
  cv: {
    code: 12,
    tier: 'T1',
    label: 'Your CV',
    sensitive: false,
    issuedBy: [],
    selfAuthored: true,
  },
  disclosure_statement: {
    code: 13,
    tier: 'T4',
    label: 'What you say about your conviction',
    sensitive: true,
    issuedBy: [],
    selfAuthored: true,
    onlyFor: ['prison', 'probation', 'police', 'housing', 'jobcentre', 'employer', 'education_provider', 'supporter'],
  },
  health_document: {
    code: 14,
    tier: 'T3',
    label: 'Your health letters',
    sensitive: true,
    issuedBy: ['prison_healthcare', 'gp_surgery', 'drug_service'],
    onlyFor: ['prison_healthcare', 'gp_surgery', 'pharmacy', 'drug_service', 'supporter'],
    body: 'file',
  },
  /**
   * Reserved: a holder device's latest verified log checkpoint, published for the vault's other
   * devices to compare (spec 8.6.1, [LOG-PEER-01]). Signed by the device, sealed to the vault;
   * never granted to anyone (`onlyFor` is empty) and not shown as one of the holder's records.
   */
  log_checkpoint: {
    code: 15,
    tier: 'T1',
    label: 'Your phones checking the record of who saw your things',
    sensitive: false,
    issuedBy: [],
    selfAuthored: true,
    onlyFor: [],
  },
} as const satisfies Record<string, RecordTypeInfo>

export type RecordType = keyof typeof RECORD_TYPES
export const recordTypeSchema = z.enum(Object.keys(RECORD_TYPES) as [RecordType, ...RecordType[]])

/** Whether an organisation of `category` may ever hold a grant for `type`. */
export function mayReceive(type: RecordType, category: OrganisationCategory | 'unverified'): boolean {
  const info: RecordTypeInfo = RECORD_TYPES[type]
  if (info.onlyFor === undefined) return true
  return category !== 'unverified' && info.onlyFor.includes(category)
}

/**
 * Whether an organisation of `category` may issue (deposit, sign as author) a record of `type`.
 * A holder writing their own records is not an issuer and is not asked this.
 */
export function mayIssue(type: RecordType, category: OrganisationCategory): boolean {
  const info: RecordTypeInfo = RECORD_TYPES[type]
  return info.issuedBy.includes(category)
}

/** The record type a manifest's signed code names, or undefined for a code no type has. */
export function recordTypeOfCode(code: number): RecordType | undefined {
  for (const [type, info] of Object.entries(RECORD_TYPES) as [RecordType, RecordTypeInfo][]) {
    if (info.code === code) return type
  }
  return undefined
}

/** Whether a record type's envelope carries a JSON payload or a file (spec 4.2.1, [REC-TYPE-04]). */
export function recordBody(type: RecordType): 'json' | 'file' {
  const info: RecordTypeInfo = RECORD_TYPES[type]
  return info.body ?? 'json'
}
