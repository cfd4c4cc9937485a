import type { RecordPayload } from '@holdall/protocol'
import { useEffect, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { calendarDay, dayAndDate, type Translate, timeOnly, useLanguage } from '../i18n.js'
import { oldVersions, releaseWeekBody } from '../release-week.js'
import type { Language } from '../strings.js'
import type { InboxItem, SavedRecord, WalletSession } from '../wallet-session.js'
import { recordWord } from '../words.js'
import { RunningOutPanel } from './running-out.js'

const date = (language: Language, iso: string) => dayAndDate(language, calendarDay(iso))
const dateTime = (language: Language, iso: string) =>
  `${dayAndDate(language, new Date(iso))} ${timeOnly(language, new Date(iso))}`

/** The parts of a record a holder needs day to day, in plain words. */
function RecordBody({ payload, t, language }: { payload: RecordPayload; t: Translate; language: Language }) {
  switch (payload.recordType) {
    case 'medication_list':
      return (
        <>
          <ul class="plain-list">
            {payload.medicines.map((m) => (
              <li key={m.medication.code} class="medicine">
                <strong>{m.medication.display}</strong>
                <span>{t('medicineDose', { dose: m.dose })}</span>
                <span>{t('medicineRunsOut', { date: date(language, m.runOutDate) })}</span>
              </li>
            ))}
          </ul>
          {payload.allergies.length > 0 && (
            <p>{t('allergies', { list: payload.allergies.map((a) => a.substance).join(', ') })}</p>
          )}
        </>
      )
    case 'licence_conditions':
      return (
        <>
          <p>{t('licenceEnds', { date: date(language, payload.licenceExpiryDate) })}</p>
          <p>
            {t('licenceOfficer', { name: `${payload.supervisingOfficer.name}, ${payload.supervisingOfficer.phone}` })}
          </p>
          {payload.initialAppointment && (
            <p>
              {t('appointmentAt', {
                what: payload.initialAppointment.person,
                date: dateTime(language, payload.initialAppointment.time),
                place: payload.initialAppointment.address,
              })}
            </p>
          )}
        </>
      )
    case 'appointment':
      return (
        <p>
          {t('appointmentAt', {
            what: payload.with,
            date: dateTime(language, payload.time),
            place: payload.address,
          })}
        </p>
      )
    case 'identity_document':
      return <p>{t('idDocument', { what: payload.documentType.replace(/_/g, ' '), by: payload.issuer })}</p>
    default:
      return releaseWeekBody(payload, t, language) ?? null
  }
}

interface ScreenProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/** My things: opened once online, then readable offline from the sealed local copy. */
export function Things({ session, onHome, onLock }: ScreenProps) {
  const { t, language } = useLanguage()
  const [records, setRecords] = useState<SavedRecord[]>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    session
      .records()
      .then(setRecords)
      .catch(() => setError(t('errorNetwork')))
  }, [])
  return (
    <Layout title={t('thingsTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
      <ErrorSummary message={error} />
      {records === undefined ? (
        <p>{t('loading')}</p>
      ) : records.length === 0 ? (
        <p>{t('thingsNone')}</p>
      ) : (
        <>
          <RunningOutPanel records={records} now={session.now()} hostTimeKnown={session.hostTimeKnown} />
          <p class="hint">{t('thingsOfflineNote')}</p>
          <ul class="cards">
            {records.map((record) => (
              <li key={record.recordId} class="card">
                <h2>{record.title ?? t(recordWord(record.recordType))}</h2>
                <p class="hint">
                  {t('thingsFrom', { name: record.from ?? t('someone'), date: dayAndDate(language, record.signedAt) })}
                </p>
                {oldVersions(records).has(record.recordId) && (
                  <p>
                    <strong>{t('recordSuperseded')}</strong>
                  </p>
                )}
                <RecordBody payload={record.payload} t={t} language={language} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Layout>
  )
}

/** Deposits waiting in the inbox; keeping one checks the sender's signature first. */
export function Inbox({ session, onHome, onLock, onChange }: ScreenProps & { readonly onChange: () => void }) {
  const { t } = useLanguage()
  const [items, setItems] = useState<InboxItem[]>()
  const [error, setError] = useState<string>()
  const [message, setMessage] = useState<string>()
  const load = () =>
    session
      .inbox()
      .then(setItems)
      .catch(() => setError(t('errorNetwork')))
  useEffect(() => void load(), [])
  const accept = async (item: InboxItem) => {
    try {
      await session.accept(item)
      setMessage(t('inboxAccepted', { item: t(recordWord(item.view.record_type)) }))
      onChange()
      await load()
    } catch {
      setError(t('errorGeneric'))
    }
  }
  return (
    <Layout title={t('inboxTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error} />
      <div role="status">{message && <p class="notice">{message}</p>}</div>
      {items === undefined ? (
        <p>{t('loading')}</p>
      ) : items.length === 0 ? (
        <p>{t('inboxNone')}</p>
      ) : (
        <ul class="cards">
          {items.map((item) => {
            const what = t(recordWord(item.view.record_type))
            const from =
              item.from === undefined
                ? t('someone')
                : item.checked
                  ? item.from
                  : t('nameNotChecked', { name: item.from })
            return (
              <li key={item.view.record_id} class="card">
                <p id={`inbox-${item.view.record_id}`}>{t('inboxItem', { item: what, name: from })}</p>
                {!item.checked ? (
                  <p class="warning">{t('inboxUnknownSender')}</p>
                ) : (
                  <button
                    type="button"
                    class="button"
                    aria-describedby={`inbox-${item.view.record_id}`}
                    onClick={() => accept(item)}
                  >
                    {t('inboxAccept')}
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      )}
    </Layout>
  )
}
