import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { useLanguage } from './i18n.js'

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
            {t('offline')}
          </p>
        )}
        <h1 tabIndex={-1} ref={heading}>
          {title}
        </h1>
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

/** The GOV.UK error summary pattern: a titled box that takes focus. */
export function ErrorSummary({ message }: { readonly message: string | undefined }) {
  const { t } = useLanguage()
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (message !== undefined) box.current?.focus()
  }, [message])
  if (message === undefined) return null
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={box}>
      <h2>{t('errorTitle')}</h2>
      <p>{message}</p>
    </div>
  )
}

interface SwitchProps {
  readonly id: string
  readonly label: string
  readonly hint?: string | undefined
  readonly checked: boolean
  readonly onChange: (checked: boolean) => void
}

/** An on/off switch: a real button with role="switch", its state said in words too. */
export function Switch({ id, label, hint, checked, onChange }: SwitchProps) {
  const { t } = useLanguage()
  return (
    <div class="switch-row">
      <span class="switch-text">
        <span id={`${id}-label`} class="switch-label">
          {label.charAt(0).toLocaleUpperCase() + label.slice(1)}
        </span>
        {hint && (
          <span id={`${id}-hint`} class="hint">
            {hint}
          </span>
        )}
      </span>
      <button
        type="button"
        id={id}
        role="switch"
        class="switch"
        aria-checked={checked}
        aria-labelledby={`${id}-label`}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onClick={() => onChange(!checked)}
      >
        <span class="switch-state" aria-hidden="true">
          {checked ? t('on') : t('off')}
        </span>
      </button>
    </div>
  )
}

/** Two choices of equal weight, side by side (or stacked on a narrow screen). */
export function ChoiceButtons({ children }: { readonly children: ComponentChildren }) {
  return <div class="choices">{children}</div>
}
