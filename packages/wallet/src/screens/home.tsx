import type { PendingRequest } from '@holdall/protocol'
import { Layout } from '../components.js'
import { useLanguage } from '../i18n.js'
import type { SavedRecord } from '../wallet-session.js'
import { RunningOutPanel } from './running-out.js'

export type Destination =
  | 'pair'
  | 'requests'
  | 'things'
  | 'inbox'
  | 'shared'
  | 'log'
  | 'offline'
  | 'secondPin'
  | 'helper'
  | 'goodbye'
  | 'phones'
  | 'kit'

interface HomeProps {
  readonly pending: readonly PendingRequest[]
  readonly inboxCount: number
  readonly online: boolean
  /** The records on the phone, to flag medicines about to run out. */
  readonly records: readonly SavedRecord[]
  readonly now: number
  readonly hostTimeKnown: boolean
  readonly go: (to: Destination) => void
  readonly onLock: () => void
  /**
   * The host failed this phone's checks: of the device list or vault key ('devices', found at
   * unlock), or of the vault's log ('log', kept sealed from an earlier check). Shown first, always.
   */
  readonly alarm?: 'devices' | 'log' | undefined
  /** Issue 16: a recovery of the vault waits (with a way to stop it). */
  readonly notice?: preact.ComponentChildren
}

export function Home({
  pending,
  inboxCount,
  online,
  records,
  now,
  hostTimeKnown,
  go,
  onLock,
  alarm,
  notice,
}: HomeProps) {
  const { t } = useLanguage()
  const item = (to: Destination, label: string, highlight = false) => (
    <li>
      <button type="button" class={highlight ? 'menu-item menu-item-new' : 'menu-item'} onClick={() => go(to)}>
        {label}
      </button>
    </li>
  )
  return (
    <Layout title={t('homeTitle')} onLock={onLock} offline={!online}>
      {alarm !== undefined && (
        <div class="error-summary" role="alert" data-testid="home-alarm">
          <h2>{t(alarm === 'devices' ? 'deviceAlarm' : 'logAlarm')}</h2>
          <p>{t(alarm === 'devices' ? 'deviceAlarmHelp' : 'logAlarmHelp')}</p>
        </div>
      )}
      {notice}
      <RunningOutPanel records={records} now={now} hostTimeKnown={hostTimeKnown} />
      <p>{t('homeIntro')}</p>
      <nav aria-label={t('menuLabel')}>
        <ul class="menu">
          {online && pending.length > 0 && item('requests', t('navRequestsCount', { count: pending.length }), true)}
          {online && item('pair', t('navShare'))}
          {item('things', t('navThings'))}
          {item('offline', t('navOffline'))}
          {online &&
            item('inbox', inboxCount > 0 ? t('navInboxCount', { count: inboxCount }) : t('navInbox'), inboxCount > 0)}
          {online && item('shared', t('navShared'))}
          {online && item('log', t('navLog'))}
          {online && pending.length === 0 && item('requests', t('navRequests'))}
          {online && item('phones', t('navPhones'))}
          {online && item('kit', t('navKit'))}
          {online && item('secondPin', t('navSecondPin'))}
          {item('helper', t('helperButton'))}
          {online && item('goodbye', t('navGoodbye'))}
        </ul>
      </nav>
    </Layout>
  )
}

interface RequestsProps {
  readonly pending: readonly PendingRequest[]
  /** Who is asking, as this app checked it (never the host's `verified` flag). */
  readonly requester: (request: PendingRequest) => { readonly name: string; readonly verified: boolean }
  readonly open: (request: PendingRequest) => void
  readonly onHome: () => void
  readonly onLock: () => void
}

export function Requests({ pending, requester, open, onHome, onLock }: RequestsProps) {
  const { t } = useLanguage()
  return (
    <Layout title={t('requestsTitle')} onHome={onHome} onLock={onLock}>
      {pending.length === 0 ? (
        <p>{t('requestsNone')}</p>
      ) : (
        <ul class="menu">
          {pending.map((request) => {
            const who = requester(request)
            const name = who.verified ? who.name : t('nameNotChecked', { name: who.name })
            return (
              <li key={request.request_id}>
                <button type="button" class="menu-item" onClick={() => open(request)}>
                  {t('requestOpen', { name })}
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </Layout>
  )
}
