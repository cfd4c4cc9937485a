import { createContext } from 'preact'
import { useContext, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from './components.js'
import { useLanguage } from './i18n.js'
import { PinField } from './screens/start.js'

/*
 * Issue 19, assisted mode ([SUP-ASSIST-01], domain.md (d) 12): a supporter or worker helping on the
 * holder's phone. Every screen says so; what is done asks for the holder's own PIN; the log line
 * of what was done names the helper. The name stays on this phone (sealed in its log lines).
 */
export interface HelperState {
  readonly helper: string | undefined
  readonly start: (name: string) => void
  readonly end: () => void
}

export const HelperContext = createContext<HelperState>({ helper: undefined, start: () => {}, end: () => {} })

/** On every unlocked screen while someone is helping: who, and a way to stop. */
export function HelperNotice() {
  const { t } = useLanguage()
  const { helper, end } = useContext(HelperContext)
  if (helper === undefined) return null
  return (
    <div class="notice" data-testid="helper-notice">
      <p>{t('helperNotice', { name: helper })}</p>
      <button type="button" class="button button-secondary" onClick={end}>
        {t('helperEnd', { name: helper })}
      </button>
    </div>
  )
}

/** Names the helper. A name of 1 to 60 characters, trimmed. */
export function HelperScreen({ onHome, onLock }: { readonly onHome: () => void; readonly onLock: () => void }) {
  const { t } = useLanguage()
  const { start } = useContext(HelperContext)
  const [name, setName] = useState('')
  const [error, setError] = useState<string>()
  const submit = (event: Event) => {
    event.preventDefault()
    const trimmed = name.trim().slice(0, 60)
    if (trimmed === '') return setError(t('helperNameMissing'))
    start(trimmed)
    onHome()
  }
  return (
    <Layout title={t('helperTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error} field="helper-name" />
      <form onSubmit={submit} noValidate>
        <div class={error ? 'field field-error' : 'field'}>
          <label for="helper-name">{t('helperNameLabel')}</label>
          <p class="hint" id="helper-name-hint">
            {t('helperNameHint')}
          </p>
          <input
            id="helper-name"
            type="text"
            autocomplete="off"
            maxLength={60}
            value={name}
            aria-describedby="helper-name-hint"
            aria-invalid={error !== undefined}
            onInput={(event) => setName((event.target as HTMLInputElement).value)}
          />
        </div>
        <button type="submit" class="button">
          {t('helperStart')}
        </button>
      </form>
    </Layout>
  )
}

/**
 * The holder's own PIN, asked before an action taken while someone helps. `check` says whether
 * it is this vault's PIN (wrong tries count towards the same wait as at unlock).
 */
export function HolderPinCheck({
  helper,
  check,
  onConfirmed,
}: {
  readonly helper: string
  readonly check: (pin: string) => Promise<boolean>
  readonly onConfirmed: () => void
}) {
  const { t } = useLanguage()
  const [pin, setPin] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    const ok = await check(pin).catch(() => false)
    setPin('')
    setBusy(false)
    if (ok) onConfirmed()
    else setError(t('pinWrong'))
  }
  return (
    <form onSubmit={submit} noValidate data-testid="holder-pin-check">
      <ErrorSummary message={error} field="holder-pin" />
      <PinField
        id="holder-pin"
        label={t('helperConfirm', { name: helper })}
        value={pin}
        onInput={setPin}
        error={error}
      />
      {busy ? (
        <p role="status">{t('unlocking')}</p>
      ) : (
        <button type="submit" class="button">
          {t('helperConfirmButton')}
        </button>
      )}
    </form>
  )
}
