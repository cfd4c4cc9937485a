import { useContext, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { useLanguage } from '../i18n.js'
import { SupporterContext } from '../supporter.js'
import type { WalletSession } from '../wallet-session.js'
import { PinField } from './start.js'

const PIN_PATTERN = /^[0-9]{6}$/

interface SecondPinProps {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}

/*
 * Issue 19, domain scenario 14 ([DUR-PIN-01]): the holder sets a second PIN that opens a decoy of
 * their T1 items only. Reached only from an online, real session's home.
 */
export function SecondPin({ session, onHome, onLock }: SecondPinProps) {
  const { t } = useLanguage()
  const [pin, setPin] = useState('')
  const [again, setAgain] = useState('')
  const [error, setError] = useState<{ field: 'second-pin' | 'second-pin-again' | undefined; message: string }>()
  const [done, setDone] = useState<string>()
  const [busy, setBusy] = useState(false)
  // A silent alert can go to a supporter the holder shares with ([DUR-ALERT-01]); nobody by default.
  const { grants: supporters } = useContext(SupporterContext)
  const [tell, setTell] = useState<string>('')
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return setError({ field: 'second-pin', message: t('pinTooShort') })
    if (pin !== again) return setError({ field: 'second-pin-again', message: t('pinNoMatch') })
    setError(undefined)
    setBusy(true)
    try {
      const result = await session.setSecondPin(pin, tell === '' ? undefined : tell)
      if (result === 'samePin') setError({ field: 'second-pin', message: t('secondPinSame') })
      else setDone(t('secondPinSaved'))
    } catch {
      setError({ field: undefined, message: t('errorGeneric') })
    } finally {
      setPin('')
      setAgain('')
      setBusy(false)
    }
  }
  const fieldError = (field: 'second-pin' | 'second-pin-again') => (error?.field === field ? error.message : undefined)
  return (
    <Layout title={t('secondPinTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error?.message} {...(error?.field ? { field: error.field } : {})} />
      {done !== undefined && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <p>{t('secondPinIntro')}</p>
      <ul class="points">
        <li>{t('secondPinShows')}</li>
        <li>{t('secondPinHides')}</li>
        <li>{t('secondPinNoSign')}</li>
      </ul>
      <form onSubmit={submit} noValidate>
        <PinField
          id="second-pin"
          label={t('secondPinLabel')}
          value={pin}
          onInput={setPin}
          error={fieldError('second-pin')}
        />
        <PinField
          id="second-pin-again"
          label={t('secondPinAgainLabel')}
          value={again}
          onInput={setAgain}
          error={fieldError('second-pin-again')}
        />
        {supporters.length > 0 && (
          <fieldset class="radios">
            <legend>{t('secondPinAlertLegend')}</legend>
            <p class="hint">{t('secondPinAlertHint')}</p>
            {[
              { grantId: '', label: t('secondPinAlertNone') },
              ...supporters.map((g) => ({ grantId: g.grantId, label: t('secondPinAlert', { name: g.name }) })),
            ].map((choice) => (
              <div class="radio" key={choice.grantId}>
                <input
                  type="radio"
                  id={`tell-${choice.grantId || 'none'}`}
                  name="tell"
                  checked={tell === choice.grantId}
                  onChange={() => setTell(choice.grantId)}
                />
                <label for={`tell-${choice.grantId || 'none'}`}>{choice.label}</label>
              </div>
            ))}
          </fieldset>
        )}
        {busy ? (
          <p role="status">{t('creating')}</p>
        ) : (
          <button type="submit" class="button">
            {t('secondPinSave')}
          </button>
        )}
      </form>
    </Layout>
  )
}
