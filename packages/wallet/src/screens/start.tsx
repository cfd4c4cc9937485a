import { useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { timeOnly, useLanguage } from '../i18n.js'

const PIN_PATTERN = /^[0-9]{6}$/

export function Welcome({ onStart }: { readonly onStart: () => void }) {
  const { t } = useLanguage()
  return (
    <Layout title={t('welcomeTitle')}>
      <p>{t('welcomeIntro')}</p>
      <ul class="points">
        <li>{t('welcomePoint1')}</li>
        <li>{t('welcomePoint2')}</li>
        <li>{t('welcomePoint3')}</li>
      </ul>
      <button type="button" class="button" onClick={onStart}>
        {t('createVault')}
      </button>
    </Layout>
  )
}

interface PinFieldProps {
  readonly id: string
  readonly label: string
  readonly value: string
  readonly onInput: (value: string) => void
  readonly hint?: string
  readonly invalid: boolean
}

/** A PIN box: numeric keypad, no autocomplete of the PIN, paste allowed (WCAG 3.3.8). */
function PinField({ id, label, value, onInput, hint, invalid }: PinFieldProps) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        type="password"
        inputMode="numeric"
        autocomplete="off"
        maxLength={6}
        value={value}
        aria-invalid={invalid}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
      />
    </div>
  )
}

export function CreatePin({ onCreate }: { readonly onCreate: (pin: string) => Promise<void> }) {
  const { t } = useLanguage()
  const [pin, setPin] = useState('')
  const [again, setAgain] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return setError(t('pinTooShort'))
    if (pin !== again) return setError(t('pinNoMatch'))
    setError(undefined)
    setBusy(true)
    try {
      await onCreate(pin)
    } catch (e) {
      setError(e instanceof TypeError ? t('errorNetwork') : t('errorGeneric'))
      setBusy(false)
    }
  }
  return (
    <Layout title={t('pinTitle')}>
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <PinField
          id="pin"
          label={t('pinLabel')}
          hint={t('pinHint')}
          value={pin}
          onInput={setPin}
          invalid={error !== undefined}
        />
        <PinField id="pin-again" label={t('pinAgainLabel')} value={again} onInput={setAgain} invalid={false} />
        <p class="warning">{t('pinWarning')}</p>
        {busy ? (
          <p role="status">{t('creating')}</p>
        ) : (
          <button type="submit" class="button">
            {t('createVault')}
          </button>
        )}
      </form>
    </Layout>
  )
}

interface UnlockProps {
  readonly onUnlock: (pin: string) => Promise<{ kind: 'open' } | { kind: 'wrongPin' } | { kind: 'wait'; until: number }>
  readonly lockedForIdle: boolean
}

export function Unlock({ onUnlock, lockedForIdle }: UnlockProps) {
  const { t, language } = useLanguage()
  const [pin, setPin] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return setError(t('pinTooShort'))
    // A fresh answer each time, so a screen reader hears it again.
    setError(undefined)
    setBusy(true)
    try {
      const result = await onUnlock(pin)
      if (result.kind !== 'open') {
        setError(result.kind === 'wait' ? t('pinWait', { time: timeOnly(language, result.until) }) : t('pinWrong'))
        setPin('')
      }
    } catch {
      setError(t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Layout title={t('unlockTitle')}>
      {lockedForIdle && <p class="notice">{t('lockedIdle')}</p>}
      <ErrorSummary message={error} />
      <form onSubmit={submit} noValidate>
        <PinField
          id="pin"
          label={t('pinLabel')}
          hint={t('unlockHint')}
          value={pin}
          onInput={setPin}
          invalid={error !== undefined}
        />
        {busy ? (
          <p role="status">{t('unlocking')}</p>
        ) : (
          <button type="submit" class="button">
            {t('unlock')}
          </button>
        )}
      </form>
    </Layout>
  )
}
