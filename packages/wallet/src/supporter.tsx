import { createContext } from 'preact'
import { useContext, useState } from 'preact/hooks'
import { dayAndDate, listOf, timeOnly, useLanguage } from './i18n.js'
import { recordWord } from './words.js'

/*
 * Issue 19 (domain scenario 13): a supporter's grant is shown on every screen as "(their name) can
 * see …", with a one-tap stop. The app fills this context from the vault's live grants.
 */
export interface SupporterGrant {
  readonly grantId: string
  readonly name: string
  readonly recordTypes: readonly string[]
  /** Set while the grant waits out its cooling-off. */
  readonly startsAt?: number | undefined
}

export interface SupporterState {
  readonly grants: readonly SupporterGrant[]
  readonly stop: (grantId: string) => Promise<void>
}

export const SupporterContext = createContext<SupporterState>({ grants: [], stop: async () => {} })

export function SupporterNotice() {
  const { t, language } = useLanguage()
  const { grants, stop } = useContext(SupporterContext)
  const [stopped, setStopped] = useState<string>()
  const [busy, setBusy] = useState(false)
  if (grants.length === 0 && stopped === undefined) return null
  const items = (g: SupporterGrant) =>
    listOf(
      language,
      g.recordTypes.map((type) => t(recordWord(type))),
    )
  return (
    <div class="notice" data-testid="supporter-notice">
      {grants.map((g) => (
        <div key={g.grantId}>
          <p>
            {g.startsAt === undefined
              ? t('supporterCanSee', { name: g.name, items: items(g) })
              : t('supporterWillSee', {
                  name: g.name,
                  items: items(g),
                  time: timeOnly(language, g.startsAt),
                  date: dayAndDate(language, g.startsAt),
                })}
          </p>
          <button
            type="button"
            class="button button-secondary"
            disabled={busy}
            onClick={() => {
              setBusy(true)
              stop(g.grantId)
                .then(() => setStopped(g.name))
                .finally(() => setBusy(false))
            }}
          >
            {t('supporterStop', { name: g.name })}
          </button>
        </div>
      ))}
      {stopped !== undefined && <p role="status">{t('supporterStopped', { name: stopped })}</p>}
    </div>
  )
}
