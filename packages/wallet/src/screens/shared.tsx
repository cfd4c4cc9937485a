import { useEffect, useState } from 'preact/hooks'
import { Confirm, ErrorSummary, Layout } from '../components.js'
import { dayAndDate, listOf, timeOnly, useLanguage } from '../i18n.js'
import type { CheckedGrant, WalletSession } from '../wallet-session.js'
import { recordWord } from '../words.js'

interface ScreenProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/** A grant that only lets an organisation send records (a deposit), never read them. */
const onlySends = (grant: CheckedGrant) => grant.authorization_details.every((d) => !d.actions.includes('read'))

/**
 * Every live grant (domain.md (d) 9): who can see your things, and apart from them who can send
 * you things (a deposit is never "sharing"). Stopping asks first and says when it is done.
 */
export function Shared({ session, onHome, onLock }: ScreenProps) {
  const { t, language } = useLanguage()
  const [grants, setGrants] = useState<CheckedGrant[]>()
  const [error, setError] = useState<string>()
  const [message, setMessage] = useState<string>()
  const [asking, setAsking] = useState<string>()
  const [busy, setBusy] = useState(false)
  // A name this app did not check against its trust list is marked wherever it shows.
  const shownName = (grant: CheckedGrant) => (grant.checked ? grant.name : t('nameNotChecked', { name: grant.name }))
  const load = () =>
    session
      .grants()
      .then((all) => {
        setGrants(all)
        setError(undefined)
      })
      .catch(() => setError(t('errorNetwork')))
  useEffect(() => void load(), [])
  const stop = async (grant: CheckedGrant) => {
    const name = shownName(grant)
    setBusy(true)
    try {
      await session.revoke(grant.grant_id)
      setAsking(undefined)
      setError(undefined)
      setMessage(onlySends(grant) ? t('stoppedSending', { name }) : t('stopped', { name }))
      await load()
    } catch (e) {
      setError(e instanceof TypeError ? t('errorNetwork') : t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  const card = (grant: CheckedGrant) => {
    const name = shownName(grant)
    const sends = onlySends(grant)
    const reads = grant.authorization_details.filter((d) => d.actions.includes('read'))
    const items = listOf(
      language,
      [...new Set(reads.flatMap((d) => d.record_types))].map((type) => t(recordWord(type))),
    )
    const date = t('untilWhen', {
      time: timeOnly(language, grant.expires_at),
      date: dayAndDate(language, grant.expires_at),
    })
    return (
      <li key={grant.grant_id} class="card">
        <p>{sends ? t('sharedGive', { name, date }) : t('sharedItem', { name, items, date })}</p>
        {asking === grant.grant_id ? (
          <Confirm
            question={sends ? t('stopSendingConfirm', { name }) : t('stopConfirm', { name })}
            yes={sends ? t('stopSendingYes') : t('stopYes')}
            no={sends ? t('stopSendingNo') : t('stopNo')}
            busy={busy}
            onYes={() => void stop(grant)}
            onNo={() => setAsking(undefined)}
          />
        ) : (
          <button
            type="button"
            class="button"
            onClick={() => {
              setMessage(undefined)
              setAsking(grant.grant_id)
            }}
          >
            {sends ? t('stopSending', { name }) : t('stopSharingWith', { name })}
          </button>
        )}
      </li>
    )
  }
  const seeing = grants?.filter((g) => !onlySends(g)) ?? []
  const sending = grants?.filter(onlySends) ?? []
  return (
    <Layout title={t('sharedTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error} />
      <div role="status">{message && <p class="notice">{message}</p>}</div>
      {grants === undefined ? (
        <p>{t('loading')}</p>
      ) : (
        <>
          {seeing.length === 0 ? <p>{t('sharedNone')}</p> : <ul class="cards">{seeing.map(card)}</ul>}
          {sending.length > 0 && (
            <section aria-labelledby="senders-heading">
              <h2 id="senders-heading">{t('sendersTitle')}</h2>
              <ul class="cards">{sending.map(card)}</ul>
            </section>
          )}
        </>
      )}
    </Layout>
  )
}
