import type { MedicationList } from '@holdall/protocol'
import { calendarDay, dayAndDate, dayName, useLanguage } from '../i18n.js'
import { runningOut } from '../running-out.js'
import type { SavedRecord } from '../wallet-session.js'

interface RunningOutProps {
  readonly records: readonly SavedRecord[]
  /** The time to count days from: the host's when known (the phone's clock may be days out). */
  readonly now: number
  readonly hostTimeKnown: boolean
}

/**
 * Medicines that run out within 7 days, first on the screen and in a warning box: opioid
 * substitution first of all, then other controlled drugs, each with what to do and by when.
 */
export function RunningOutPanel({ records, now, hostTimeKnown }: RunningOutProps) {
  const { t, language } = useLanguage()
  const lists = records.flatMap((r) =>
    r.payload.recordType === 'medication_list' ? [r.payload as MedicationList] : [],
  )
  const soon = runningOut(lists, now)
  if (soon.length === 0) return null
  return (
    <section class="running-out" aria-labelledby="running-out-heading" data-testid="running-out">
      <h2 id="running-out-heading">{t('runOutTitle')}</h2>
      <ul class="plain-list">
        {soon.map(({ medicine, kind, daysLeft }) => {
          const name = medicine.medication.display
          const day = calendarDay(medicine.runOutDate)
          const date = dayAndDate(language, day)
          const when =
            daysLeft < 0
              ? t('runOutPast', { name, date })
              : daysLeft === 0
                ? t('runOutToday', { name })
                : daysLeft === 1
                  ? t('runOutTomorrow', { name, date })
                  : t('runOutIn', { name, days: daysLeft, date })
          return (
            <li key={`${medicine.medication.code}-${medicine.runOutDate}`} class="running-out-item">
              <strong>{when}</strong>
              {kind === 'opioidSubstitution' && <span>{t('runOutOpioid')}</span>}
              <span>{daysLeft <= 1 ? t('runOutActionNow') : t('runOutAction', { day: dayName(language, day) })}</span>
            </li>
          )
        })}
      </ul>
      {!hostTimeKnown && <p class="hint">{t('runOutPhoneClock')}</p>}
    </section>
  )
}
