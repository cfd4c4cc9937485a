import { mayAskFor, mayReceive, type OrganisationCategory, type RecordType, requestTemplate } from '@holdall/protocol'

/**
 * What the consent screen may offer (issue 21, [TPL-04]): for a request to read, only the types
 * in the template of the category this app checked on the trust list (never the category the
 * host relays); for a deposit-only request, what the category may receive. `withheld` are the
 * asked types that never appear as choices, so "share everything" cannot reach them.
 */
export function consentChoices(
  asked: readonly RecordType[],
  askedDays: number,
  category: OrganisationCategory | 'unverified',
  giving: boolean,
): { offered: RecordType[]; withheld: RecordType[]; days: number } {
  const allowed = (type: RecordType) => (giving ? mayReceive : mayAskFor)(type, category)
  const longest = giving ? undefined : requestTemplate(category)?.maxDurationDays
  return {
    offered: asked.filter(allowed),
    withheld: asked.filter((type) => !allowed(type)),
    days: Math.min(askedDays, longest ?? askedDays),
  }
}
