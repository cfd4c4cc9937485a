import { useEffect, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { dayAndDate, listOf, useLanguage } from '../i18n.js'
import type { CheckedGrant, WalletSession } from '../wallet-session.js'
import { recordWord } from '../words.js'

interface ScreenProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/** Every live grant, each with Stop sharing in one tap (domain.md (d) 9). */
export function Shared({ session, onHome, onLock }: ScreenProps) {
  const { t, language } = useLanguage()
  const [grants, setGrants] = useState<CheckedGrant[]>()
  const [error, setError] = useState<string>()
  const [message, setMessage] = useState<string>()
  const load = () =>
    session
      .grants()
      .then(setGrants)
      .catch(() => setError(t('errorNetwork')))
  useEffect(() => void load(), [])
  const stop = async (grant: CheckedGrant) => {
    try {
      await session.revoke(grant.grant_id)
      setMessage(t('stopped', { name: grant.checked ? grant.name : t('nameNotChecked', { name: grant.name }) }))
      await load()
    } catch {
      setError(t('errorGeneric'))
    }
  }
  return (
    <Layout title={t('sharedTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error} />
      <div role="status">{message && <p class="notice">{message}</p>}</div>
      {grants === undefined ? (
        <p>{t('loading')}</p>
      ) : grants.length === 0 ? (
        <p>{t('sharedNone')}</p>
      ) : (
        <ul class="cards">
          {grants.map((grant) => {
            const reads = grant.authorization_details.filter((d) => d.actions.includes('read'))
            const items = listOf(
              language,
              [...new Set(reads.flatMap((d) => d.record_types))].map((type) => t(recordWord(type))),
            )
            const date = dayAndDate(language, grant.expires_at)
            // A name this app did not check against its trust list is marked wherever it shows.
            const name = grant.checked ? grant.name : t('nameNotChecked', { name: grant.name })
            return (
              <li key={grant.grant_id} class="card">
                <p>{reads.length > 0 ? t('sharedItem', { name, items, date }) : t('sharedGive', { name, date })}</p>
                <button type="button" class="button" onClick={() => stop(grant)}>
                  {t('stopSharingWith', { name })}
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </Layout>
  )
}
