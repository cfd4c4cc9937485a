import { useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { timeOnly, useLanguage } from '../i18n.js'

const PIN_PATTERN = /^[0-9]{6}$/

export function Welcome({
  onStart,
  onLink,
  onRecover,
}: {
  readonly onStart: () => void
  /** Issue 16: this phone joins a vault another phone holds, or gets a vault back. */
  readonly onLink?: () => void
  readonly onRecover?: () => void
}) {
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
      {onLink && (
        <button type="button" class="button button-secondary" onClick={onLink}>
          {t('welcomeLink')}
        </button>
      )}
      {onRecover && (
        <button type="button" class="button button-secondary" onClick={onRecover}>
          {t('welcomeRecover')}
        </button>
      )}
    </Layout>
  )
}

interface PinFieldProps {
  readonly id: string
  readonly label: string
  readonly value: string
  readonly onInput: (value: string) => void
  readonly hint?: string
  /** The error about this field, shown by it (GOV.UK error message) as well as in the summary. */
  readonly error?: string | undefined
}

/** A PIN box: numeric keypad, no autocomplete of the PIN, paste allowed (WCAG 3.3.8). */
export function PinField({ id, label, value, onInput, hint, error }: PinFieldProps) {
  const { t } = useLanguage()
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ')
  return (
    <div class={error ? 'field field-error' : 'field'}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error-message" id={`${id}-error`}>
          <span class="visually-hidden">{t('errorPrefix')} </span>
          {error}
        </p>
      )}
      <input
        id={id}
        type="password"
        inputMode="numeric"
        autocomplete="off"
        maxLength={6}
        value={value}
        aria-invalid={error !== undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
      />
    </div>
  )
}

export function CreatePin({
  onCreate,
  submitLabel,
}: {
  readonly onCreate: (pin: string) => Promise<void>
  /** Issue 16: the button's words when the PIN is for a linked or recovered phone. */
  readonly submitLabel?: string
}) {
  const { t } = useLanguage()
  const [pin, setPin] = useState('')
  const [again, setAgain] = useState('')
  const [error, setError] = useState<{ field: 'pin' | 'pin-again' | undefined; message: string }>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return setError({ field: 'pin', message: t('pinTooShort') })
    if (pin !== again) return setError({ field: 'pin-again', message: t('pinNoMatch') })
    setError(undefined)
    setBusy(true)
    try {
      await onCreate(pin)
    } catch (e) {
      setError({ field: undefined, message: e instanceof TypeError ? t('errorNetwork') : t('errorGeneric') })
      setBusy(false)
    }
  }
  const fieldError = (field: 'pin' | 'pin-again') => (error?.field === field ? error.message : undefined)
  return (
    <Layout title={t('pinTitle')}>
      <ErrorSummary message={error?.message} {...(error?.field ? { field: error.field } : {})} />
      <form onSubmit={submit} noValidate>
        <PinField
          id="pin"
          label={t('pinLabel')}
          hint={t('pinHint')}
          value={pin}
          onInput={setPin}
          error={fieldError('pin')}
        />
        <PinField
          id="pin-again"
          label={t('pinAgainLabel')}
          value={again}
          onInput={setAgain}
          error={fieldError('pin-again')}
        />
        <p class="warning">{t('pinWarning')}</p>
        {busy ? (
          <p role="status">{t('creating')}</p>
        ) : (
          <button type="submit" class="button">
            {submitLabel ?? t('createVault')}
          </button>
        )}
      </form>
    </Layout>
  )
}

interface UnlockProps {
  readonly onUnlock: (
    pin: string,
  ) => Promise<{ kind: 'open' } | { kind: 'wrongPin'; triesLeft: number } | { kind: 'wait'; until: number }>
  readonly lockedForIdle: boolean
  /** Issue 16: a forgotten PIN is a recovery (spec 9.7). */
  readonly onForgot?: () => void
}

export function Unlock({ onUnlock, lockedForIdle, onForgot }: UnlockProps) {
  const { t, language } = useLanguage()
  const [pin, setPin] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  // [REC-PIN-02]: before the last tries, say what a forgotten PIN means and how long it waits.
  const [triesLeft, setTriesLeft] = useState<number>()
  const submit = async (event: Event) => {
    event.preventDefault()
    if (!PIN_PATTERN.test(pin)) return setError(t('pinTooShort'))
    // A fresh answer each time, so a screen reader hears it again.
    setError(undefined)
    setBusy(true)
    try {
      const result = await onUnlock(pin)
      if (result.kind === 'wait') setError(t('pinWait', { time: timeOnly(language, result.until) }))
      else if (result.kind === 'wrongPin')
        // Warn before the tries run out, not after (issue 17, point 5).
        setError(
          result.triesLeft === 1
            ? t('pinLastTry')
            : result.triesLeft <= 3
              ? t('pinTriesLeft', { count: result.triesLeft })
              : t('pinWrong'),
        )
      setTriesLeft(result.kind === 'wrongPin' ? result.triesLeft : result.kind === 'wait' ? 0 : undefined)
      if (result.kind !== 'open') setPin('')
    } catch {
      setError(t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Layout title={t('unlockTitle')}>
      {lockedForIdle && <p class="notice">{t('lockedIdle')}</p>}
      <ErrorSummary message={error} field="pin" />
      <form onSubmit={submit} noValidate>
        <PinField
          id="pin"
          label={t('pinLabel')}
          hint={t('unlockHint')}
          value={pin}
          onInput={(value) => {
            setPin(value)
          }}
          error={error}
        />
        {busy ? (
          <p role="status">{t('unlocking')}</p>
        ) : (
          <button type="submit" class="button">
            {t('unlock')}
          </button>
        )}
      </form>
      {triesLeft !== undefined && triesLeft <= 3 && (
        <div class="notice" data-testid="pin-recovery-warning">
          <p>{t('pinRecoveryWarning')}</p>
          <p>{t('pinRecoveryWait')}</p>
        </div>
      )}
      <details class="details" open={triesLeft !== undefined && triesLeft <= 3}>
        <summary>{t('pinForgot')}</summary>
        <p>{t('pinForgotText')}</p>
        <p>{t('pinForgotText2')}</p>
        {onForgot && (
          <button type="button" class="button button-secondary" onClick={onForgot}>
            {t('pinForgotStart')}
          </button>
        )}
      </details>
    </Layout>
  )
}
