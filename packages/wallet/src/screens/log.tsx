import type { CheckedName, LogAlarm, RecoveryFinding } from '@holdall/client'
import type { AccessLogEntry, Grant } from '@holdall/protocol'
import { useEffect, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { listOf, type Translate, useLanguage, whenShort } from '../i18n.js'
import type { Language, StringKey } from '../strings.js'
import type { ShownLogEvent, WalletSession } from '../wallet-session.js'
import { recordWord } from '../words.js'

const EVENT_SENTENCES: Record<string, StringKey> = {
  vault_created: 'logVaultCreated',
  request_created: 'logRequestCreated',
  request_approved: 'logRequestApproved',
  request_denied: 'logRequestDenied',
  deposit_received: 'logDepositReceived',
  deposit_accepted: 'logDepositAccepted',
  key_served: 'logKeyServed',
  grant_revoked: 'logGrantRevoked',
  record_written: 'logRecordWritten',
  device_added: 'logDeviceAdded',
}

/** One log entry as a plain sentence: "Riverside Surgery looked at your medicines on Tue 17 Mar at 10:02." */
export function logSentence(
  t: Translate,
  when: string,
  entry: AccessLogEntry,
  actorOf: (entry: AccessLogEntry) => CheckedName | undefined,
): string {
  const d = entry.details
  const actor = actorOf(entry)
  // The trust list's name when this app checked it; any other name is marked as not checked.
  const name =
    actor === undefined ? t('someone') : actor.checked ? actor.name : t('nameNotChecked', { name: actor.name })
  const item = t(recordWord(typeof d.record_type === 'string' ? d.record_type : ''))
  return t(EVENT_SENTENCES[entry.event] ?? 'logOther', { name, item, when })
}

/**
 * One entry this phone verified in the vault's log (issue 13 point 5, key transparency): a phone
 * added or removed, or a grant, named from the receipt this phone signed and its trust list.
 */
export function verifiedSentence(t: Translate, language: Language, event: ShownLogEvent): string {
  const when = whenShort(language, event.at)
  if (event.type === 'recovery') return recoverySentence(t, when, event.finding)
  if (event.type === 'grant_revoked') {
    const grantee = event.grantee
    if (grantee === undefined) return t('logYouStoppedSomeone', { when })
    return t('logYouStopped', {
      name: grantee.checked ? grantee.name : t('nameNotChecked', { name: grantee.name }),
      when,
    })
  }
  if (event.type !== 'grant_approved') {
    // A change the holder-signed device list does not show is only the host's word.
    if (!event.inChain) return t('logPhoneNotChecked', { when })
    if (event.type === 'device_removed') return t('logPhoneRemoved', { when })
    return t(event.thisPhone ? 'logThisPhoneAdded' : 'logPhoneAdded', { when })
  }
  const grantee = event.grantee
  if (grantee === undefined) return t('logYouLetSomeone', { when })
  const name = grantee.checked ? grantee.name : t('nameNotChecked', { name: grantee.name })
  const items = listOf(
    language,
    grantee.recordTypes.map((type) => t(recordWord(type))),
  )
  return t(grantee.reads ? 'logYouLet' : 'logYouLetSend', { name, items, when })
}

/**
 * A recovery entry this phone verified (spec 8.6, [LOG-CLIENT-04]): a start is a warning until it
 * ends; a stop or a new phone counts only if the holder-signed device list backs it; a new phone
 * whose start this phone never saw is an alarm in words.
 */
function recoverySentence(t: Translate, when: string, finding: RecoveryFinding): string {
  switch (finding.type) {
    case 'recovery_started':
      return t(finding.ended ? 'logRecoveryStartedEnded' : 'logRecoveryStarted', { when })
    case 'recovery_cancelled':
      return t(finding.byHolderDevice ? 'logRecoveryCancelled' : 'logRecoveryCancelledNotChecked', { when })
    case 'recovery_share_released':
      return t(finding.by === 'worker' ? 'logRecoveryShareWorker' : 'logRecoveryShareHost', { when })
    case 'recovery_completed':
      if (!finding.inChain) return t('logRecoveryNotChecked', { when })
      return t(finding.startSeen ? 'logRecoveryCompleted' : 'logRecoveryCompletedNoWarning', { when })
  }
}

interface ScreenProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

export function Log({ session, onHome, onLock }: ScreenProps) {
  const { t, language } = useLanguage()
  const [entries, setEntries] = useState<{ log: AccessLogEntry[]; grants: Grant[] }>()
  const [error, setError] = useState<string>()
  const [alarm, setAlarm] = useState<LogAlarm>()
  const [verified, setVerified] = useState<ShownLogEvent[]>()
  useEffect(() => {
    // The phone checks the signed log against what it checked before; a contradiction is kept for ever.
    session
      .checkLog()
      .then(async (found) => {
        setAlarm(found)
        setVerified(await session.verifiedLogEvents())
      })
      .catch(() => undefined)
    Promise.all([session.log(), session.allGrants()])
      .then(([log, grants]) => setEntries({ log: [...log].reverse(), grants }))
      .catch(() => setError(t('errorNetwork')))
  }, [])
  return (
    <Layout title={t('logTitle')} onHome={onHome} onLock={onLock}>
      <LogAlarmBox alarm={alarm} />
      <ErrorSummary message={error} />
      {verified !== undefined && (
        <section aria-labelledby="log-verified" data-testid="log-verified">
          <h2 id="log-verified">{t('logVerifiedTitle')}</h2>
          <p>{t('logVerifiedHelp')}</p>
          {verified.length === 0 ? (
            <p>{t('logVerifiedNone')}</p>
          ) : (
            <ul class="log-verified">
              {verified.map((event) => (
                <li key={event.index}>{verifiedSentence(t, language, event)}</li>
              ))}
            </ul>
          )}
        </section>
      )}
      <h2>{t('logHostTitle')}</h2>
      {entries === undefined ? (
        <p>{t('loading')}</p>
      ) : entries.log.length === 0 ? (
        <p>{t('logNone')}</p>
      ) : (
        <ul class="log">
          {entries.log.map((entry) => (
            <li key={entry.seq}>
              {logSentence(t, whenShort(language, entry.at), entry, (e) => session.logActor(e, entries.grants))}
            </li>
          ))}
        </ul>
      )}
    </Layout>
  )
}

/**
 * The loud alarm (spec 8.6, [LOG-CLIENT-03]): plain words, and the two signed checkpoints the
 * phone kept as proof, to save and show a key worker or a lawyer.
 */
function LogAlarmBox({ alarm }: { readonly alarm: LogAlarm | undefined }) {
  const { t } = useLanguage()
  const [href, setHref] = useState<string>()
  useEffect(() => {
    if (alarm === undefined) return undefined
    const url = URL.createObjectURL(
      new Blob([JSON.stringify({ code: alarm.code, message: alarm.message, evidence: alarm.evidence }, null, 2)], {
        type: 'application/json',
      }),
    )
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [alarm])
  if (alarm === undefined) return null
  return (
    <div class="error-summary" role="alert" data-testid="log-alarm">
      <h2>{t('logAlarm')}</h2>
      <p>{t('logAlarmHelp')}</p>
      {href !== undefined && (
        <a class="button" href={href} download="holdall-log-proof.json">
          {t('logAlarmSave')}
        </a>
      )}
    </div>
  )
}
