import { supersededAmong } from '@holdall/client'
import { GP_REGISTRATION_GUIDANCE, type RecordPayload } from '@holdall/protocol'
import { calendarDay, dayAndDate, type Translate, timeOnly } from './i18n.js'
import type { Language } from './strings.js'

/*
 * Issue 21: how "My things" shows the release-week record types, in plain words. Kept apart from
 * things.tsx so that other work on that screen merges cleanly.
 */

/** The body of a release-week record, or undefined for a type this file does not show. */
export function releaseWeekBody(payload: RecordPayload, t: Translate, language: Language) {
  switch (payload.recordType) {
    case 'ost_handover': {
      const last = new Date(payload.lastDoseInCustody)
      return (
        <>
          <p>{t('ostDose', { dose: `${payload.dailyDose.value} ${payload.dailyDose.unit}` })}</p>
          <p>{t('ostLastDose', { date: `${dayAndDate(language, last)} ${timeOnly(language, last)}` })}</p>
          <p>{t('ostNext', { place: payload.receivingService.name })}</p>
        </>
      )
    }
    case 'release_letter':
      return (
        <>
          <p>
            {t('releasedFrom', {
              place: payload.releasedFrom.name,
              date: dayAndDate(language, calendarDay(payload.releaseDate)),
            })}
          </p>
          <section class="gp-card" aria-labelledby="gp-card-title" data-testid="gp-card">
            <h3 id="gp-card-title">{t('gpCardTitle')}</h3>
            <p>{t('gpCardText')}</p>
            <p class="hint" title={GP_REGISTRATION_GUIDANCE.source}>
              {t('gpCardSource')}
            </p>
          </section>
        </>
      )
    case 'cv':
    case 'disclosure_statement':
      return <p class="hint">{t('writtenByYou')}</p>
    default:
      return undefined
  }
}

/**
 * The records a newer record replaced, by the links signed inside the newer records' payloads
 * ([SUP-VER-01]); the host's `superseded_by` hint is not used.
 */
export function oldVersions(records: readonly { recordId: string; payload: RecordPayload }[]): ReadonlySet<string> {
  return new Set(supersededAmong(records).keys())
}
