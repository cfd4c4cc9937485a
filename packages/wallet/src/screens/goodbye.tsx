import type { CheckedErasure } from '@holdall/client'
import { useEffect, useState } from 'preact/hooks'
import { ChoiceButtons, Confirm, ErrorSummary, Layout } from '../components.js'
import { useLanguage } from '../i18n.js'
import { DB_NAME } from '../key-store.js'
import type { WalletSession } from '../wallet-session.js'

interface GoodbyeProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
  /** The phone's own copy is deleted too: the wallet starts again from the welcome screen. */
  readonly onForgotten: () => void
}

type Step =
  | { name: 'explain' }
  | { name: 'confirm' }
  | { name: 'working' }
  | { name: 'done'; erasure: CheckedErasure }
  | { name: 'unproven' }
  | { name: 'forget'; erasure: CheckedErasure }

/** Deletes everything this wallet keeps on the phone: sealed keys, records and log. */
function forgetThisPhone(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_NAME)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error)
    request.onblocked = () => resolve()
  })
}

/**
 * Leaving Holdall (spec chapter 13, scenario 17): one screen that says what closing means
 * (ERA-CLI-03), asks once more, and then says only what this phone checked of the host's receipt
 * and what it is the host's word for (ERA-CLI-02). A receipt the phone cannot check is never shown
 * as done (ERA-CLI-01).
 */
export function Goodbye({ session, onHome, onLock, onForgotten }: GoodbyeProps) {
  const { t } = useLanguage()
  const [step, setStep] = useState<Step>({ name: 'explain' })
  const [error, setError] = useState<string>()
  const [href, setHref] = useState<string>()
  const receipt = step.name === 'done' || step.name === 'forget' ? step.erasure.receipt : undefined
  useEffect(() => {
    if (receipt === undefined) return
    const url = URL.createObjectURL(new Blob([JSON.stringify(receipt, null, 2)], { type: 'application/json' }))
    setHref(url)
    return () => URL.revokeObjectURL(url)
  }, [receipt])

  const close = async () => {
    const client = session.client
    if (client === undefined) return setError(t('goodbyeOffline'))
    setStep({ name: 'working' })
    setError(undefined)
    try {
      setStep({ name: 'done', erasure: await client.erase() })
    } catch (e) {
      if ((e as { code?: string }).code === 'ERASURE_UNPROVEN') setStep({ name: 'unproven' })
      else {
        setStep({ name: 'explain' })
        setError(e instanceof TypeError ? t('errorNetwork') : t('errorGeneric'))
      }
    }
  }

  if (step.name === 'done' || step.name === 'forget') {
    return (
      <Layout title={t('goodbyeDone')} onLock={onLock}>
        <div data-testid="goodbye-done">
          <h2>{t('goodbyeCheckedTitle')}</h2>
          <ul>
            <li>{t('goodbyeChecked1')}</li>
            <li>{t('goodbyeChecked2')}</li>
            <li>{t('goodbyeChecked3')}</li>
          </ul>
          <h2>{t('goodbyeNotCheckedTitle')}</h2>
          <p>{t('goodbyeNotChecked')}</p>
          <p>{t('goodbyeCopies')}</p>
          {href !== undefined && (
            <a class="button button-secondary" href={href} download="holdall-vault-closed.json">
              {t('goodbyeSave')}
            </a>
          )}
          {step.name === 'forget' ? (
            <Confirm
              question={t('goodbyeForgetConfirm')}
              yes={t('goodbyeForgetYes')}
              no={t('goodbyeForgetNo')}
              onYes={() => void forgetThisPhone().then(onForgotten, () => setError(t('errorGeneric')))}
              onNo={() => setStep({ name: 'done', erasure: step.erasure })}
            />
          ) : (
            <button type="button" class="button" onClick={() => setStep({ name: 'forget', erasure: step.erasure })}>
              {t('goodbyeForget')}
            </button>
          )}
          <ErrorSummary message={error} />
        </div>
      </Layout>
    )
  }

  if (step.name === 'unproven') {
    return (
      <Layout title={t('goodbyeTitle')} onLock={onLock} onHome={onHome}>
        <div class="error-summary" role="alert" data-testid="goodbye-unproven">
          <h2>{t('goodbyeUnproven')}</h2>
          <p>{t('goodbyeUnprovenHelp')}</p>
        </div>
      </Layout>
    )
  }

  return (
    <Layout title={t('goodbyeTitle')} onLock={onLock} onHome={onHome} offline={!session.online}>
      <ErrorSummary message={error} />
      <p class="lead">{t('goodbyeIntro')}</p>
      <ul>
        <li>{t('goodbyeStops')}</li>
        <li>{t('goodbyeDeletes')}</li>
        <li>{t('goodbyeCopies')}</li>
      </ul>
      {step.name === 'confirm' || step.name === 'working' ? (
        <Confirm
          question={t('goodbyeConfirm')}
          yes={t('goodbyeYes')}
          no={t('goodbyeNo')}
          busy={step.name === 'working'}
          onYes={() => void close()}
          onNo={() => setStep({ name: 'explain' })}
        />
      ) : (
        <ChoiceButtons>
          <button type="button" class="button" onClick={() => setStep({ name: 'confirm' })}>
            {t('goodbyeButton')}
          </button>
          <button type="button" class="button" onClick={onHome}>
            {t('goodbyeKeep')}
          </button>
        </ChoiceButtons>
      )}
    </Layout>
  )
}
