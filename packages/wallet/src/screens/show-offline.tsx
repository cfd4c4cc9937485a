import { useContext, useEffect, useState } from 'preact/hooks'
import { HelperContext, HolderPinCheck } from '../assisted.js'
import { ErrorSummary, Layout } from '../components.js'
import { timeOnly, useLanguage } from '../i18n.js'
import type { SavedRecord, WalletSession } from '../wallet-session.js'
import { recordWord } from '../words.js'
import { QrCode } from './pair.js'

interface ShowOfflineProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/*
 * Issue 19 (domain scenario 4): show one record as a QR code with no network. The code carries
 * that record only, signed by whoever issued it, and works once for a few minutes (spec 10).
 */
export function ShowOffline({ session, onHome, onLock }: ShowOfflineProps) {
  const { t, language } = useLanguage()
  const [records, setRecords] = useState<SavedRecord[]>()
  const [shown, setShown] = useState<{ record: SavedRecord; text: string; expiresAt: number }>()
  const [error, setError] = useState<string>()
  // Assisted mode ([SUP-ASSIST-01]): the holder's own PIN first; the log line names the helper.
  const { helper } = useContext(HelperContext)
  const [confirming, setConfirming] = useState<SavedRecord>()
  useEffect(() => {
    session
      .savedRecords()
      .then((all) => setRecords(all.filter((r) => r.offline !== undefined)))
      .catch(() => setError(t('errorGeneric')))
  }, [shown])
  const show = (record: SavedRecord, confirmed = false) => {
    setError(undefined)
    if (helper !== undefined && !confirmed) return setConfirming(record)
    setConfirming(undefined)
    session
      .showOffline(record, helper)
      .then((made) => setShown({ record, ...made }))
      .catch(() => setError(t('errorGeneric')))
  }
  if (confirming !== undefined && helper !== undefined) {
    return (
      <Layout title={t('offlineTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
        <p>{t('offlineShow', { thing: t(recordWord(confirming.recordType)) })}</p>
        <HolderPinCheck
          helper={helper}
          check={(pin) => session.confirmPin(pin)}
          onConfirmed={() => show(confirming, true)}
        />
      </Layout>
    )
  }
  if (shown !== undefined) {
    const thing = t(recordWord(shown.record.recordType))
    return (
      <Layout title={t('offlineTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
        <ErrorSummary message={error} />
        <QrCode text={shown.text} label={t('offlineQrLabel', { thing })} />
        <p data-testid="offline-code" hidden>
          {shown.text}
        </p>
        <p>{t('offlineOnlyThis', { thing })}</p>
        <p>{t('offlineWorksOnce', { time: timeOnly(language, shown.expiresAt) })}</p>
        <p>{t('offlineAnyone')}</p>
        {helper !== undefined && <p>{t('helperShownBy', { name: helper })}</p>}
        <button type="button" class="button" onClick={() => show(shown.record)}>
          {t('offlineNewCode')}
        </button>
        <button type="button" class="button button-secondary" onClick={() => setShown(undefined)}>
          {t('offlineOther')}
        </button>
      </Layout>
    )
  }
  return (
    <Layout title={t('offlineTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
      <ErrorSummary message={error} />
      <p>{t('offlineIntro')}</p>
      {records !== undefined && records.length === 0 && <p>{t('offlineNone')}</p>}
      {records !== undefined && records.length > 0 && (
        <ul class="menu">
          {records.map((record) => (
            <li key={record.recordId}>
              <button type="button" class="menu-item" onClick={() => show(record)}>
                {t('offlineShow', { thing: t(recordWord(record.recordType)) })}
              </button>
              {(record.shownOffline?.length ?? 0) > 0 && (
                <p>{t('offlineShownBefore', { count: record.shownOffline?.length ?? 0 })}</p>
              )}
              {record.shownOffline
                ?.filter((line) => line.assistedBy !== undefined)
                .slice(-1)
                .map((line) => (
                  <p key={line.nonce}>{t('helperShownBy', { name: line.assistedBy ?? '' })}</p>
                ))}
            </li>
          ))}
        </ul>
      )}
    </Layout>
  )
}
