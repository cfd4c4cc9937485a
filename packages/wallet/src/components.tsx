import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { HelperNotice } from './assisted.js'
import { useLanguage } from './i18n.js'
import { SupporterNotice } from './supporter.js'

interface LayoutProps {
  readonly title: string
  readonly children: ComponentChildren
  /** Shown when unlocked: the Lock button. */
  readonly onLock?: (() => void) | undefined
  /** Shown on every screen but home: the way back. */
  readonly onHome?: (() => void) | undefined
  readonly offline?: boolean
}

/**
 * Every screen: a banner with the language switch (always visible, domain.md (d) 7) and Lock,
 * one h1 that takes focus when the screen changes (so a screen reader hears the new screen),
 * and the main landmark.
 */
export function Layout({ title, children, onLock, onHome, offline }: LayoutProps) {
  const { t, language, setLanguage } = useLanguage()
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} – ${t('appName')}`
    heading.current?.focus()
  }, [title])
  return (
    <>
      <a class="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header class="banner">
        <span class="brand">{t('appName')}</span>
        <div class="banner-actions">
          <button
            type="button"
            class="link-button"
            lang={language === 'en' ? 'cy' : 'en'}
            onClick={() => setLanguage(language === 'en' ? 'cy' : 'en')}
          >
            {t('switchLanguage')}
          </button>
          {onLock && (
            <button type="button" class="link-button" onClick={onLock}>
              {t('lock')}
            </button>
          )}
        </div>
      </header>
      <main id="main">
        {offline && (
          <p class="notice" role="status">
            {typeof navigator !== 'undefined' && !navigator.onLine ? t('offline') : t('readOnly')}
          </p>
        )}
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
        {onLock && <SupporterNotice />}
        {onLock && <HelperNotice />}
        {children}
        {onHome && (
          <p class="back">
            <button type="button" class="link-button" onClick={onHome}>
              {t('back')}
            </button>
          </p>
        )}
      </main>
    </>
  )
}

/**
 * The GOV.UK error summary pattern: a titled box that takes focus. With `field`, the message is a
 * link that moves the focus to the field it is about (the field shows the message too).
 */
export function ErrorSummary({ message, field }: { readonly message: string | undefined; readonly field?: string }) {
  const { t } = useLanguage()
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (message !== undefined) box.current?.focus()
  }, [message])
  if (message === undefined) return null
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={box}>
      <h2>{t('errorTitle')}</h2>
      {field === undefined ? (
        <p>{message}</p>
      ) : (
        <ul class="error-list">
          <li>
            <a
              href={`#${field}`}
              onClick={(event) => {
                event.preventDefault()
                document.getElementById(field)?.focus()
              }}
            >
              {message}
            </a>
          </li>
        </ul>
      )}
    </div>
  )
}

interface CheckboxProps {
  readonly id: string
  readonly label: string
  readonly checked: boolean
  readonly onChange: (checked: boolean) => void
  /** What ticking it means, under the label (ids of the hint and any more detail). */
  readonly describedBy?: string | undefined
  readonly children?: ComponentChildren
}

/**
 * The GOV.UK checkbox pattern: the box on the left, the label the full width beside it, and any
 * detail under the label. Replaces the on/off switch, whose label was squeezed at 320 px.
 */
export function Checkbox({ id, label, checked, onChange, describedBy, children }: CheckboxProps) {
  return (
    <div class="checkbox">
      <input
        type="checkbox"
        id={id}
        checked={checked}
        aria-describedby={describedBy}
        onChange={(event) => onChange((event.target as HTMLInputElement).checked)}
      />
      <label for={id}>{label.charAt(0).toLocaleUpperCase() + label.slice(1)}</label>
      {children && <div class="checkbox-detail">{children}</div>}
    </div>
  )
}

/** Two choices of equal weight, side by side (or stacked on a narrow screen). */
export function ChoiceButtons({ children }: { readonly children: ComponentChildren }) {
  return <div class="choices">{children}</div>
}

/**
 * A confirmation in place (no pop-up): the question, then the two answers of equal weight. Used
 * before anything that cannot be undone, such as stopping sharing.
 */
export function Confirm({
  question,
  yes,
  no,
  onYes,
  onNo,
  busy,
}: {
  readonly question: string
  readonly yes: string
  readonly no: string
  readonly onYes: () => void
  readonly onNo: () => void
  readonly busy?: boolean
}) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => box.current?.focus(), [])
  return (
    <div class="confirm" tabIndex={-1} ref={box}>
      <p class="lead">{question}</p>
      <ChoiceButtons>
        <button type="button" class="button" disabled={busy} onClick={onYes}>
          {yes}
        </button>
        <button type="button" class="button" onClick={onNo}>
          {no}
        </button>
      </ChoiceButtons>
    </div>
  )
}
