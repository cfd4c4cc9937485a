import type { OrganisationCategory, RecordType } from '@holdall/protocol'
import { listOf, useLanguage } from './i18n.js'
import { templateNotice } from './template-notice.js'
import { type TemplateKey, templateText } from './template-words.js'
import { RECORD_WORDS } from './words.js'

interface TemplateNoticeViewProps {
  /** The category this app checked on its pinned trust list ('unverified' otherwise); never the host's. */
  readonly category: OrganisationCategory | 'unverified'
  /** Asked-for types outside the template (from consentChoices). */
  readonly withheld: readonly RecordType[]
  /** The longest duration the request asks for, in days. */
  readonly askedDays: number
  /** The requester's name as the trust list gives it (or marked "not checked"). */
  readonly name: string
}

/**
 * On the "Who is asking" screen (issue 21, spec 5.8.1 note): what this kind of organisation may
 * ask for and why, in the phone's own words; and, before any tap, a warning naming what this
 * request asks for beyond that, which the phone will not share. Loaded in its own chunk.
 */
export function TemplateNoticeView({ category, withheld, askedDays, name }: TemplateNoticeViewProps) {
  const { t, language } = useLanguage()
  const tpl = (key: TemplateKey, values?: Record<string, string | number>) => templateText(language, key, values)
  const notice = templateNotice(category, withheld, askedDays)
  return (
    <>
      <section aria-labelledby="template-heading" data-testid="template-notice">
        <h2 id="template-heading">{tpl('tplTitle')}</h2>
        <p>{tpl(notice.about)}</p>
        {notice.mayAsk !== undefined && (
          <p>
            {tpl('tplMayAsk', {
              items: listOf(
                language,
                notice.mayAsk.map((type) => t(RECORD_WORDS[type])),
              ),
            })}
          </p>
        )}
        <p class="hint">{tpl('tplOwnWords', { name })}</p>
      </section>
      {(notice.outside.length > 0 || notice.tooLong !== undefined) && (
        <div class="badge badge-warn" role="alert" data-testid="template-outside">
          <strong>! {tpl('tplOutsideTitle')}</strong>
          <p>{tpl('tplOutside', { name })}</p>
          {notice.outside.map((type) => (
            <p key={type}>{tpl('tplOutsideItem', { item: t(RECORD_WORDS[type]) })}</p>
          ))}
          {notice.tooLong !== undefined && (
            <p>
              {notice.tooLong.maxDays === 1
                ? tpl('tplTooLongOneDay', { days: notice.tooLong.askedDays })
                : tpl('tplTooLong', { days: notice.tooLong.askedDays, max: notice.tooLong.maxDays })}
            </p>
          )}
          <p>{tpl('tplOutsideSafe')}</p>
        </div>
      )}
    </>
  )
}
