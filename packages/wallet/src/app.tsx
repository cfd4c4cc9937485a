import type { PendingRequest } from '@holdall/protocol'
import { Fragment } from 'preact'
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { HelperContext, HelperScreen } from './assisted.js'
import { LanguageContext, loadLanguage, translate } from './i18n.js'
import { hasVault } from './key-store.js'
import { type Destination, Home, Requests } from './screens/home.js'
import { CreatePin, Unlock, Welcome } from './screens/start.js'
import type { Language } from './strings.js'
import { SupporterContext, type SupporterGrant } from './supporter.js'
import { type SavedRecord, WalletSession } from './wallet-session.js'

/** Locks after two minutes without a tap or key press (domain.md (d) 10). */
export const IDLE_LOCK_MS = 2 * 60 * 1000
/*
 * At a desk the person waits while the receptionist types the code or reads the request: a lock
 * then would make them type their PIN in front of others. So no idle lock while their code or a
 * request is on screen; going to the background still locks at once (issue 17, point 6).
 */
const DESK_SCREENS: readonly Screen['name'][] = ['pair', 'requests', 'request', 'offline']
/** The language choice is the only thing the wallet keeps in localStorage: it is not personal. */
const LANGUAGE_KEY = 'holdall-language'

type Phase =
  | { name: 'loading' }
  | { name: 'welcome' }
  | { name: 'choosePin' }
  | { name: 'locked'; idle: boolean }
  | { name: 'open'; session: WalletSession }
  | { name: 'link' }
  | { name: 'recover'; forgotten: boolean }

type Screen = { name: 'home' | Destination | 'recovering' } | { name: 'request'; request: PendingRequest }

export function savedLanguage(): Language {
  try {
    return localStorage.getItem(LANGUAGE_KEY) === 'cy' ? 'cy' : 'en'
  } catch {
    return 'en'
  }
}

export function App({ origin }: { readonly origin: string }) {
  const [language, setLanguageState] = useState<Language>(savedLanguage)
  const [phase, setPhase] = useState<Phase>({ name: 'loading' })
  const [screen, setScreen] = useState<Screen>({ name: 'home' })
  const [pending, setPending] = useState<PendingRequest[]>([])
  const [inboxCount, setInboxCount] = useState(0)
  const [saved, setSaved] = useState<SavedRecord[]>([])
  const [logAlarm, setLogAlarm] = useState(false)
  // Bumped when the network comes back: screens start again, so an old network error clears.
  const [connection, setConnection] = useState(0)
  const idleTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  // Issue 19: a supporter's live grants, shown on every screen with a one-tap stop.
  const [supporters, setSupporters] = useState<readonly SupporterGrant[]>([])
  // Issue 19, assisted mode: who is helping on this phone; locking ends it.
  const [helper, setHelper] = useState<string>()
  const helperState = useMemo(
    () => ({ helper, start: (name: string) => setHelper(name), end: () => setHelper(undefined) }),
    [helper],
  )

  const setLanguage = useCallback((next: Language) => {
    // Welsh is a chunk of its own: switch once its words are here (offline, the service worker has it).
    void loadLanguage(next).then(() => setLanguageState(next))
    try {
      localStorage.setItem(LANGUAGE_KEY, next)
    } catch {
      // Private browsing may refuse storage; the choice then lasts for this visit.
    }
  }, [])
  useEffect(() => {
    document.documentElement.lang = language
  }, [language])
  const languageState = useMemo(
    () => ({
      language,
      setLanguage,
      t: (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
        translate(language, key, values),
    }),
    [language, setLanguage],
  )

  useEffect(() => {
    hasVault()
      .then((has) => setPhase(has ? { name: 'locked', idle: false } : { name: 'welcome' }))
      .catch(() => setPhase({ name: 'welcome' }))
  }, [])

  const lock = useCallback((idle = false) => {
    // Dropping the session drops the unwrapped keys, the PIN key and the access token with it.
    setPhase({ name: 'locked', idle })
    setScreen({ name: 'home' })
    setHelper(undefined)
    setPending([])
  }, [])

  // Auto-lock: any tap or key press restarts the timer; none at the desk (see DESK_SCREENS).
  const session = phase.name === 'open' ? phase.session : undefined
  const atDesk = DESK_SCREENS.includes(screen.name)
  useEffect(() => {
    if (session === undefined) return
    if (atDesk) {
      const hidden = () => {
        if (document.visibilityState === 'hidden') lock(false)
      }
      document.addEventListener('visibilitychange', hidden)
      return () => document.removeEventListener('visibilitychange', hidden)
    }
    const restart = () => {
      clearTimeout(idleTimer.current)
      idleTimer.current = setTimeout(() => lock(true), IDLE_LOCK_MS)
    }
    restart()
    const events = ['pointerdown', 'keydown', 'scroll'] as const
    for (const e of events) window.addEventListener(e, restart, { passive: true })
    return () => {
      clearTimeout(idleTimer.current)
      for (const e of events) window.removeEventListener(e, restart)
    }
  }, [session, lock, atDesk])

  // The network is back: an offline session tries the host again, and every screen starts afresh.
  useEffect(() => {
    if (session === undefined) return
    const back = () => {
      void session.reconnect(origin).then((next) => {
        if (next !== session) setPhase({ name: 'open', session: next })
        setConnection((n) => n + 1)
      })
    }
    window.addEventListener('online', back)
    return () => window.removeEventListener('online', back)
  }, [session, origin])

  // Home flags medicines about to run out from the copies on the phone (no network needed).
  useEffect(() => {
    if (screen.name !== 'home' || session === undefined) return
    void session
      .savedRecords()
      .then(setSaved)
      .catch(() => setSaved([]))
  }, [screen, session])

  // Home shows an alarm kept from an earlier check of the vault's log (read from the phone alone).
  useEffect(() => {
    if (screen.name !== 'home' || session === undefined) return
    void session
      .keptLogAlarm()
      .then((alarm) => setLogAlarm(alarm !== undefined))
      .catch(() => {})
  }, [screen, session])

  const refresh = useCallback(async () => {
    if (session === undefined || !session.online) return
    try {
      const [requests, inbox] = await Promise.all([session.pending(), session.inbox()])
      setPending(requests)
      setInboxCount(inbox.length)
    } catch {
      // The home screen still works; the counts wait for the next look.
    }
  }, [session])
  useEffect(() => {
    if (screen.name !== 'home' || session === undefined || !session.online) return
    void refresh()
    // While home is open, a new request shows within a second (server-sent events).
    let live = true
    void (async () => {
      while (live) {
        try {
          const requests = await session.waitForRequest(25_000)
          if (live) setPending(requests)
          if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 5_000))
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10_000))
        }
      }
    })()
    return () => {
      live = false
    }
  }, [screen, refresh, session])

  useEffect(() => {
    if (session === undefined) return setSupporters([])
    void session
      .supporterGrants()
      .then(setSupporters)
      .catch(() => undefined)
  }, [session, screen])
  const supporterState = useMemo(
    () => ({
      grants: supporters,
      stop: async (grantId: string) => {
        if (session === undefined) return
        await session.revoke(grantId)
        setSupporters(await session.supporterGrants())
      },
    }),
    [supporters, session],
  )

  // Issue 16: the phones and recovery screens, loaded just after the first screen (own chunk).
  const [issue16, setIssue16] = useState<typeof import('./issue16-screens.js')>()
  useEffect(() => {
    void import('./issue16-screens.js').then(setIssue16)
  }, [])
  const { LinkNewPhone, Phones, RecoveryNotice, RecoverStart, RecoveryWait, RecoveryKitScreen } = issue16 ?? {}
  // Screens reached by a tap from home, likewise in a chunk of their own (later-screens.ts).
  const [later, setLater] = useState<typeof import('./later-screens.js')>()
  useEffect(() => {
    void import('./later-screens.js').then(setLater)
  }, [])
  const { Goodbye, Inbox, Log, Pair, RequestFlow, SecondPin, Shared, ShowOffline, Things } = later ?? {}
  const home = () => setScreen({ name: 'home' })
  // Issue 16: a session opened by PIN, a linked phone or a recovery; a recovery waiting shows its wait.
  const opened = async (next: WalletSession) => {
    const { loadDevicesState } = await import('./issue16-screens.js')
    const waiting = (await loadDevicesState(next.store)).recovering !== undefined
    setPhase({ name: 'open', session: next })
    setScreen({ name: waiting ? 'recovering' : 'home' })
  }
  const onLock = () => lock(false)
  let body: preact.JSX.Element | null | undefined = null
  switch (phase.name) {
    case 'loading':
      body = null
      break
    case 'welcome':
      body = (
        <Welcome
          onStart={() => setPhase({ name: 'choosePin' })}
          onLink={() => setPhase({ name: 'link' })}
          onRecover={() => setPhase({ name: 'recover', forgotten: false })}
        />
      )
      break
    case 'link':
      body = LinkNewPhone && (
        <LinkNewPhone origin={origin} onOpen={opened} onBack={() => setPhase({ name: 'welcome' })} />
      )
      break
    case 'recover':
      body = RecoverStart && (
        <RecoverStart
          origin={origin}
          forgotten={phase.forgotten}
          onStarted={opened}
          onBack={() => setPhase(phase.forgotten ? { name: 'locked', idle: false } : { name: 'welcome' })}
        />
      )
      break
    case 'choosePin':
      body = (
        <CreatePin
          onCreate={async (pin) => {
            setPhase({ name: 'open', session: await WalletSession.create(pin, origin) })
            setScreen({ name: 'home' })
          }}
        />
      )
      break
    case 'locked':
      body = (
        <Unlock
          lockedForIdle={phase.idle}
          onForgot={() => setPhase({ name: 'recover', forgotten: true })}
          onUnlock={async (pin) => {
            const unlocked = await WalletSession.unlock(pin, origin)
            if (!(unlocked instanceof WalletSession)) return unlocked
            await opened(unlocked)
            return { kind: 'open' }
          }}
        />
      )
      break
    case 'open': {
      const s = phase.session
      switch (screen.name) {
        case 'home':
          body = (
            <Home
              pending={pending}
              inboxCount={inboxCount}
              online={s.online}
              records={saved}
              now={s.now()}
              hostTimeKnown={s.hostTimeKnown}
              go={(to) => setScreen({ name: to })}
              onLock={onLock}
              alarm={s.tampering !== undefined ? 'devices' : logAlarm ? 'log' : undefined}
              notice={RecoveryNotice && <RecoveryNotice session={s} />}
            />
          )
          break
        case 'requests':
          body = (
            <Requests
              pending={pending}
              requester={(request) => s.checkRequester(request)}
              open={(request) => setScreen({ name: 'request', request })}
              onHome={home}
              onLock={onLock}
            />
          )
          break
        case 'request':
          body = RequestFlow && (
            <RequestFlow
              key={screen.request.request_id}
              request={screen.request}
              session={s}
              onHome={home}
              onLock={onLock}
            />
          )
          break
        case 'pair':
          body = Pair && (
            <Pair
              session={s}
              onRequest={(request) => setScreen({ name: 'request', request })}
              onHome={home}
              onLock={onLock}
            />
          )
          break
        case 'things':
          body = Things && <Things session={s} onHome={home} onLock={onLock} />
          break
        case 'inbox':
          body = Inbox && <Inbox session={s} onHome={home} onLock={onLock} onChange={() => void refresh()} />
          break
        case 'shared':
          body = Shared && <Shared session={s} onHome={home} onLock={onLock} />
          break
        case 'log':
          body = Log && <Log session={s} onHome={home} onLock={onLock} />
          break
        case 'offline':
          body = ShowOffline && <ShowOffline session={s} onHome={home} onLock={onLock} />
          break
        case 'goodbye':
          body = Goodbye && (
            <Goodbye session={s} onHome={home} onLock={onLock} onForgotten={() => setPhase({ name: 'welcome' })} />
          )
          break
        case 'secondPin':
          body = SecondPin && <SecondPin session={s} onHome={home} onLock={onLock} />
          break
        case 'helper':
          body = <HelperScreen onHome={home} onLock={onLock} />
          break
        case 'phones':
          body = Phones && <Phones session={s} onHome={home} onLock={onLock} />
          break
        case 'kit':
          body = RecoveryKitScreen && <RecoveryKitScreen session={s} onHome={home} onLock={onLock} />
          break
        case 'recovering':
          body = RecoveryWait && (
            <RecoveryWait
              session={s}
              origin={origin}
              onDone={(next) => {
                setPhase({ name: 'open', session: next })
                setScreen({ name: 'kit' })
              }}
              onReset={() => setPhase({ name: 'recover', forgotten: true })}
              onLock={onLock}
            />
          )
          break
      }
    }
  }
  return (
    <LanguageContext.Provider value={languageState}>
      <SupporterContext.Provider value={supporterState}>
        <HelperContext.Provider value={helperState}>
          <Fragment key={connection}>{body}</Fragment>
        </HelperContext.Provider>
      </SupporterContext.Provider>
    </LanguageContext.Provider>
  )
}
