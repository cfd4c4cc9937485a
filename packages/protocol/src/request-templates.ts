import type { AuthorizationDetail } from './api.js'
import { mayReceive, type OrganisationCategory, RECORD_TYPES, type RecordType } from './record-types.js'

/**
 * Request templates per organisation category (spec 5.8.1, [TPL-01]..[TPL-04]): what an
 * organisation of that category may ask for, for how long, and how the consent screen presents
 * it. A template is a protocol constant keyed by the category the signed trust list gives an
 * organisation, never by anything the host or the requester says, so a holder's device applies
 * the same template as an honest host.
 *
 * Categories without a template (prison, probation, police, prison healthcare, GP surgery, ID
 * scheme) may ask, as before, for any record type their category may receive
 * ({@link mayReceive}) for as long as they ask.
 */
export interface RequestTemplate {
  /** The only record types this category may ask for (always also subject to `mayReceive`). */
  readonly recordTypes: readonly RecordType[]
  /** The duration the consent screen offers first, in days. */
  readonly defaultDurationDays: number
  /** The longest a grant to this category may last, in days; a longer request is refused. */
  readonly maxDurationDays: number
  /**
   * How the consent screen presents the grant: `view_once` (look now, for the day), `view_until`
   * (look again until the end date), `copy_to_record` (the organisation keeps a copy under its
   * own legal basis). Informational in protocol version 1: the host enforces the duration only.
   */
  readonly mode: 'view_once' | 'view_until' | 'copy_to_record'
  /**
   * A non-statutory recipient (domain.md (d) 13): the consent screen asks "Is anyone making you
   * share this?" and a cooling-off delay applies before the grant starts. The delay itself is
   * issue 19's; this flag is the hook it reads ({@link needsCoolingOff}).
   */
  readonly nonStatutory: boolean
}

export const REQUEST_TEMPLATES: Partial<Record<OrganisationCategory, RequestTemplate>> = {
  // Scenario 5: the bridging prescription on the day of release, for the day.
  pharmacy: {
    recordTypes: ['ost_handover', 'medication_list'],
    defaultDurationDays: 1,
    maxDurationDays: 1,
    mode: 'view_once',
    nonStatutory: false,
  },
  // Scenario 8: takes over OST; the holder renews the grant when it runs out.
  drug_service: {
    recordTypes: ['ost_handover', 'medication_list', 'health_document', 'appointment'],
    defaultDurationDays: 28,
    maxDurationDays: 90,
    mode: 'copy_to_record',
    nonStatutory: false,
  },
  // Scenario 9: the Universal Credit claim. No health and no licence.
  jobcentre: {
    recordTypes: [
      'national_insurance_number',
      'birth_certificate',
      'identity_document',
      'proof_of_address',
      'release_letter',
      'appointment',
    ],
    defaultDurationDays: 14,
    maxDurationDays: 90,
    mode: 'view_until',
    nonStatutory: false,
  },
  // Scenario 10: proof of name and proof of address, as two documents.
  bank: {
    recordTypes: ['birth_certificate', 'identity_document', 'proof_of_address', 'release_letter'],
    defaultDurationDays: 1,
    maxDurationDays: 7,
    mode: 'view_once',
    nonStatutory: false,
  },
  // Scenario 11: residence and curfew conditions, never T5 (victim-protective) detail.
  housing: {
    recordTypes: ['proof_of_address', 'release_letter', 'licence_conditions', 'identity_document', 'appointment'],
    defaultDurationDays: 28,
    maxDurationDays: 90,
    mode: 'view_until',
    nonStatutory: false,
  },
  // A private landlord or letting agent (right to rent, a viewing): never the licence or health;
  // non-statutory, so the pressure question and cooling-off apply (domain.md (d) 13).
  landlord: {
    recordTypes: ['identity_document', 'birth_certificate', 'release_letter', 'appointment'],
    defaultDurationDays: 7,
    maxDurationDays: 30,
    mode: 'view_until',
    nonStatutory: true,
  },
  // Scenario 12: CV, certificates, right to work, the person's own disclosure. No health, no licence.
  employer: {
    recordTypes: ['cv', 'qualification_certificate', 'disclosure_statement', 'identity_document'],
    defaultDurationDays: 7,
    maxDurationDays: 30,
    mode: 'view_until',
    nonStatutory: true,
  },
  // Issue 19, scenario 13 ([SUP-GRANT-03]): a family member or resettlement worker, for 90 days at
  // most. Every type a supporter may receive; the wallet offers appointments and the licence first.
  supporter: {
    recordTypes: (Object.keys(RECORD_TYPES) as RecordType[]).filter((type) => mayReceive(type, 'supporter')),
    defaultDurationDays: 90,
    maxDurationDays: 90,
    mode: 'view_until',
    nonStatutory: true,
  },
  education_provider: {
    recordTypes: ['qualification_certificate', 'cv', 'identity_document'],
    defaultDurationDays: 30,
    maxDurationDays: 365,
    mode: 'view_until',
    nonStatutory: true,
  },
}

/** The template of a category, or undefined for a category that asks as before (see above). */
export function requestTemplate(category: OrganisationCategory | 'unverified'): RequestTemplate | undefined {
  return category === 'unverified' ? undefined : REQUEST_TEMPLATES[category]
}

/**
 * Whether an organisation of `category` may ask for `type` at all: its category may receive it
 * and, where the category has a template, the template names it.
 */
export function mayAskFor(type: RecordType, category: OrganisationCategory | 'unverified'): boolean {
  if (!mayReceive(type, category)) return false
  const template = requestTemplate(category)
  return template === undefined || template.recordTypes.includes(type)
}

/**
 * Why a request's `read` details fall outside the category's template, or undefined if they do
 * not ([TPL-01], [TPL-02]). `deposit` details are governed by `mayIssue`, not by templates.
 */
export function outsideTemplate(
  category: OrganisationCategory | 'unverified',
  details: readonly Pick<AuthorizationDetail, 'actions' | 'record_types' | 'duration_days'>[],
): string | undefined {
  const template = requestTemplate(category)
  for (const detail of details) {
    if (!detail.actions.includes('read')) continue
    for (const type of detail.record_types) {
      if (!mayAskFor(type as RecordType, category)) return `${type} is not in this organisation's request template`
    }
    if (template !== undefined && detail.duration_days > template.maxDurationDays) {
      return `this organisation may ask for at most ${template.maxDurationDays} days`
    }
  }
  return undefined
}

/**
 * The hook for the cooling-off delay and pressure check (issue 19): true for non-statutory
 * recipients by their checked category, and for anyone the trust list cannot vouch for.
 */
export function needsCoolingOff(category: OrganisationCategory | 'unverified'): boolean {
  if (category === 'unverified') return true
  return REQUEST_TEMPLATES[category]?.nonStatutory === true
}
