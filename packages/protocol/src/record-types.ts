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
  'jobcentre',
  'employer',
  'id_scheme',
  'supporter',
] as const
export const organisationCategorySchema = z.enum(ORGANISATION_CATEGORIES)
export type OrganisationCategory = z.infer<typeof organisationCategorySchema>

export const JUSTICE_CATEGORIES: readonly OrganisationCategory[] = ['prison', 'probation', 'police']

/** Sensitivity tiers of domain.md (a): T1 identity basics … T5 victim-protective, justice-only. */
export const SENSITIVITY_TIERS = ['T1', 'T2', 'T3', 'T3+', 'T4', 'T5'] as const
export type SensitivityTier = (typeof SENSITIVITY_TIERS)[number]

export interface RecordTypeInfo {
  readonly tier: SensitivityTier
  /** Plain-words name for consent screens. */
  readonly label: string
  /** Only these categories may ever be granted it; undefined means any verified organisation. */
  readonly onlyFor?: readonly OrganisationCategory[]
  /** Off by default on the consent screen. */
  readonly sensitive: boolean
}

/**
 * The record types of protocol version 1. The host knows a record's type (never its content) so
 * that it can enforce `onlyFor` itself, whatever a holder's device approves.
 */
export const RECORD_TYPES = {
  medication_list: { tier: 'T3', label: 'Your medicines', sensitive: false },
  licence_conditions: {
    tier: 'T4',
    label: 'Your licence conditions',
    sensitive: true,
    onlyFor: ['prison', 'probation', 'police', 'housing', 'gp_surgery', 'drug_service', 'supporter'],
  },
  victim_protective_conditions: {
    tier: 'T5',
    label: 'Conditions that protect other people',
    sensitive: true,
    onlyFor: JUSTICE_CATEGORIES,
  },
  identity_document: { tier: 'T2', label: 'Your ID documents', sensitive: true },
  appointment: { tier: 'T1', label: 'Your appointments', sensitive: false },
} as const satisfies Record<string, RecordTypeInfo>

export type RecordType = keyof typeof RECORD_TYPES
export const recordTypeSchema = z.enum(Object.keys(RECORD_TYPES) as [RecordType, ...RecordType[]])

/** Whether an organisation of `category` may ever hold a grant for `type`. */
export function mayReceive(type: RecordType, category: OrganisationCategory | 'unverified'): boolean {
  const info: RecordTypeInfo = RECORD_TYPES[type]
  if (info.onlyFor === undefined) return true
  return category !== 'unverified' && info.onlyFor.includes(category)
}
