import { type OrganisationCategory, type RecordType, requestTemplate } from '@holdall/protocol'
import type { TemplateKey } from './template-words.js'

/**
 * Why each kind of organisation asks, in the phone's own words (issue 21, spec 5.8.1 note). Keyed
 * by the category this app checked on its pinned trust list, never by anything the host or the
 * service says: the request's stated category and purpose play no part here.
 */
const ABOUT: Record<OrganisationCategory | 'unverified', TemplateKey> = {
  gp_surgery: 'tplAboutGp',
  pharmacy: 'tplAboutPharmacy',
  drug_service: 'tplAboutDrugService',
  jobcentre: 'tplAboutJobcentre',
  bank: 'tplAboutBank',
  housing: 'tplAboutHousing',
  landlord: 'tplAboutLandlord',
  employer: 'tplAboutEmployer',
  education_provider: 'tplAboutCollege',
  supporter: 'tplAboutSupporter',
  probation: 'tplAboutJustice',
  prison: 'tplAboutJustice',
  police: 'tplAboutJustice',
  prison_healthcare: 'tplAboutPrisonHealthcare',
  id_scheme: 'tplAboutIdScheme',
  unverified: 'tplAboutUnknown',
}

/** What the consent screen says about the requester's template, before the holder taps. */
export interface TemplateNotice {
  /** The plain reason this kind of organisation asks. */
  readonly about: TemplateKey
  /** The only things it may ask for (its template), or undefined for a category without one. */
  readonly mayAsk: readonly RecordType[] | undefined
  /** Asked-for things outside the template: the phone will not share them. */
  readonly outside: readonly RecordType[]
  /** The longest it may have things for, when the request asked for longer. */
  readonly tooLong: { readonly askedDays: number; readonly maxDays: number } | undefined
}

export function templateNotice(
  category: OrganisationCategory | 'unverified',
  withheld: readonly RecordType[],
  askedDays: number,
): TemplateNotice {
  const template = requestTemplate(category)
  const maxDays = template?.maxDurationDays
  return {
    about: ABOUT[category] ?? 'tplAboutUnknown',
    mayAsk: template?.recordTypes,
    outside: withheld,
    tooLong: maxDays !== undefined && askedDays > maxDays ? { askedDays, maxDays } : undefined,
  }
}
