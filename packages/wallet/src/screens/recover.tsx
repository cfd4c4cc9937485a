import { parseKitQr, RecoveringDevice, type RecoveryKit } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  parseRecoveryKitCode,
  parseRecoveryShare,
  recoveryKitCodeTypos,
} from '@holdall/crypto'
import type { Recovery } from '@holdall/protocol'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { loadDevicesState, parseCode, saveDevicesState, type WaitingRecovery } from '../devices-state.js'
import { dayAndDate, timeOnly, useLanguage } from '../i18n.js'
import { clearStore, createStore } from '../key-store.js'
import { loadTrust, WalletSession } from '../wallet-session.js'
import { QrCode } from './pair.js'
import { CreatePin } from './start.js'

/*
 * Issue 16: getting a vault back on a new phone, or on this phone after a forgotten PIN (spec 9.5,
 * 9.7: a forgotten PIN is a recovery with a new device key). Start with the kit, or with the vault
 * number and the key worker; wait by the host's clock; finish, which removes every other phone.
 */

type Start =
  | { name: 'intro' }
  | { name: 'kit' }
  | { name: 'number' }
  | { name: 'pin'; vaultId: string; kitShare?: Uint8Array; root?: Uint8Array }

/** The kit as typed (23 groups) or as its QR code's text: the share, and the chain root if the QR gave it. */
function readKit(text: string): { share: Uint8Array; root?: Uint8Array } | undefined {
  const trimmed = text.trim()
  const qr = parseKitQr(trimmed)
  try {
    if (qr !== undefined) return { share: parseRecoveryShare(qr.share).bytes, root: qr.root }
    return { share: parseRecoveryKitCode(trimmed) }
  } catch {
    return undefined
  }
}

export function RecoverStart({
  origin,
  forgotten,
  onStarted,
  onBack,
}: {
  readonly origin: string
  /** This phone holds the vault, but its PIN is forgotten: its old keys are wiped first. */
  readonly forgotten: boolean
  readonly onStarted: (session: WalletSession) => void
  readonly onBack: () => void
}) {
  const { t } = useLanguage()
  const [step, setStep] = useState<Start>({ name: 'intro' })
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string>()

  if (step.name === 'pin')
    return (
      <CreatePin
        submitLabel={t('recoverStartButton')}
        onCreate={async (pin) => {
          const { device, recovery } = await RecoveringDevice.start(origin, {
            vaultId: step.vaultId,
            ...(step.kitShare === undefined ? {} : { kitShare: step.kitShare }),
          })
          // The old keys on this phone cannot be opened without the PIN: they go (spec 9.7).
          await clearStore()
          const store = await createStore(pin, { vaultId: step.vaultId, device: device.device })
          const waiting: WaitingRecovery = {
            recovery,
            firstReadyAt: recovery.ready_at,
            ...(step.kitShare === undefined ? {} : { kitShare: base64urlEncode(step.kitShare) }),
            ...(step.root === undefined ? {} : { root: base64urlEncode(step.root) }),
          }
          await saveDevicesState(store, { recovering: waiting })
          onStarted(await WalletSession.fromStore(store, origin))
        }}
      />
    )

  const back = (
    <p class="back">
      <button
        type="button"
        class="link-button"
        onClick={step.name === 'intro' ? onBack : () => setStep({ name: 'intro' })}
      >
        {t('goBack')}
      </button>
    </p>
  )
  if (step.name === 'kit' || step.name === 'number') {
    const kit = step.name === 'kit'
    const next = (event: Event) => {
      event.preventDefault()
      if (kit) {
        const read = readKit(typed)
        // A check symbol per group (spec 9.3) says where the typo is.
        const typo = read === undefined ? recoveryKitCodeTypos(typed)?.[0] : undefined
        if (typo !== undefined) return setError(t('recoverKitPartWrong', { count: typo }))
        if (read === undefined) return setError(t('recoverKitWrong'))
        const share = parseRecoveryShare(read.share)
        setError(undefined)
        return setStep({
          name: 'pin',
          vaultId: base64urlEncode(share.vaultId),
          kitShare: read.share,
          ...(read.root === undefined ? {} : { root: read.root }),
        })
      }
      const id = parseCode(typed, 16)
      if (id === undefined) return setError(t('recoverNumberWrong'))
      setError(undefined)
      setStep({ name: 'pin', vaultId: base64urlEncode(id) })
    }
    const id = kit ? 'kit-code' : 'vault-number'
    return (
      <Layout title={t('recoverTitle')}>
        <ErrorSummary message={error} field={id} />
        <p>{t(kit ? 'recoverKitHelp' : 'recoverNumberHelp')}</p>
        <form onSubmit={next} noValidate>
          <div class={error ? 'field field-error' : 'field'}>
            <label for={id}>{t(kit ? 'recoverKitLabel' : 'recoverNumberLabel')}</label>
            <textarea
              id={id}
              rows={kit ? 6 : 2}
              autocomplete="off"
              spellcheck={false}
              value={typed}
              aria-invalid={error !== undefined}
              onInput={(e) => setTyped((e.target as HTMLTextAreaElement).value)}
            />
          </div>
          <button type="submit" class="button">
            {t('next')}
          </button>
        </form>
        {back}
      </Layout>
    )
  }
  return (
    <Layout title={t('recoverTitle')}>
      {forgotten && <p class="lead">{t('recoverForgotIntro')}</p>}
      <p>{t('recoverIntro1')}</p>
      <ul class="points">
        <li>{t('recoverIntroKit')}</li>
        <li>{t('recoverIntroWorker')}</li>
      </ul>
      <p>{t('recoverIntroWait')}</p>
      {forgotten && <p class="warning">{t('recoverForgotWipe')}</p>}
      <button
        type="button"
        class="button"
        onClick={() => {
          setTyped('')
          setStep({ name: 'kit' })
        }}
      >
        {t('recoverHaveKit')}
      </button>
      <button
        type="button"
        class="button button-secondary"
        onClick={() => {
          setTyped('')
          setStep({ name: 'number' })
        }}
      >
        {t('recoverNoKit')}
      </button>
      {back}
    </Layout>
  )
}

const HOUR = 3_600_000

/**
 * The wait, on the phone that recovers: when it ends by the host's clock (never the phone's),
 * what the key worker will ask, and Finish once the wait is over. A later answer from the host
 * that says the wait ends sooner than it first said is not believed.
 */
export function RecoveryWait({
  session,
  origin,
  onDone,
  onReset,
  onLock,
}: {
  readonly session: WalletSession
  readonly origin: string
  readonly onDone: (session: WalletSession) => void
  readonly onReset: () => void
  readonly onLock: () => void
}) {
  const { t, language } = useLanguage()
  const [waiting, setWaiting] = useState<WaitingRecovery>()
  const [status, setStatus] = useState<Recovery>()
  const [device, setDevice] = useState<RecoveringDevice>()
  const [now, setNow] = useState<number>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [request, setRequest] = useState<string>()
  // "Check again" ends the pause between looks at once.
  const wake = useRef<() => void>(() => {})

  useEffect(() => {
    let live = true
    void (async () => {
      const state = await loadDevicesState(session.store)
      if (state.recovering === undefined) return
      setWaiting(state.recovering)
      const d = RecoveringDevice.resume(origin, session.store.vault.device, state.recovering.recovery)
      setDevice(d)
      while (live) {
        try {
          const r = await d.status()
          if (!live) return
          setStatus(r)
          setNow(d.hostNow())
          if (state.recovering.kitShare === undefined && r.status === 'waiting')
            setRequest(JSON.stringify(await d.workerRequest()))
          setError(undefined)
        } catch {
          if (live) setError(t('errorNetwork'))
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 30_000)
          wake.current = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    })()
    return () => {
      live = false
    }
  }, [session])

  if (waiting === undefined) return null
  // The later of what the host said first and says now: a host cannot shorten the wait shown.
  const readyAt = Math.max(waiting.firstReadyAt, status?.ready_at ?? 0)
  const left = now === undefined ? undefined : readyAt - now
  const ready = status?.status === 'ready' && left !== undefined && left <= 0

  const finish = async () => {
    if (device === undefined) return
    const worker = (await loadTrust(origin, device))?.byClientId(waiting.recovery.worker.client_id)
    if (worker === undefined) return setError(t('recoverNoTrust'))
    setError(undefined)
    setBusy(true)
    try {
      const done = await device.complete({
        worker,
        ...(waiting.kitShare === undefined ? {} : { kitShare: base64urlDecode(waiting.kitShare) }),
        ...(waiting.root === undefined ? {} : { root: base64urlDecode(waiting.root) }),
      })
      await session.store.saveVault({ ...session.store.vault, rootFingerprint: done.holder.rootFingerprint })
      await saveDevicesState(session.store, {
        recovering: undefined,
        kit: done.kit as RecoveryKit,
        workerClientId: worker.client_id,
      })
      onDone(await WalletSession.fromStore(session.store, origin))
    } catch {
      setError(t('recoverFailed'))
    } finally {
      setBusy(false)
    }
  }

  if (status?.status === 'cancelled')
    return (
      <Layout title={t('recoverWaitTitle')} onLock={onLock}>
        <p class="lead" data-testid="recovery-cancelled">
          {t('recoverCancelled')}
        </p>
        <p>{t('recoverCancelledHelp')}</p>
        <button type="button" class="button" onClick={onReset}>
          {t('recoverStartAgain')}
        </button>
      </Layout>
    )
  return (
    <Layout title={t('recoverWaitTitle')} onLock={onLock}>
      <ErrorSummary message={error} />
      {ready ? (
        <>
          <p class="lead" data-testid="recovery-ready">
            {t('recoverReady')}
          </p>
          <p>{t('recoverReadyHelp')}</p>
          {busy ? (
            <p role="status">{t('phonesWorking')}</p>
          ) : (
            <button type="button" class="button" onClick={() => void finish()}>
              {t('recoverFinish')}
            </button>
          )}
        </>
      ) : (
        <>
          <p class="lead" data-testid="recovery-ends">
            {t('recoverWaitUntil', { date: dayAndDate(language, readyAt), time: timeOnly(language, readyAt) })}
          </p>
          {left !== undefined && left > 0 && (
            <p data-testid="recovery-left">{t('recoverWaitLeft', { count: Math.ceil(left / HOUR) })}</p>
          )}
          {left !== undefined && left <= 0 && <p>{t('recoverWaitWorker')}</p>}
          <p>{t('recoverWaitWhy')}</p>
          <button type="button" class="button button-secondary" onClick={() => wake.current()}>
            {t('recoverCheckAgain')}
          </button>
          {request !== undefined && (
            <>
              <h2>{t('recoverWorkerTitle')}</h2>
              <p>{t('recoverWorkerAsk1')}</p>
              <p>{t('recoverWorkerAsk2')}</p>
              <QrCode text={request} label={t('recoverWorkerQr')} />
            </>
          )}
        </>
      )}
    </Layout>
  )
}
