import type { RecoveryKit, TrustedOrganisation } from '@holdall/client'
import { base64urlDecode, base64urlEncode } from '@holdall/crypto'
import type { VaultRecovery } from '@holdall/protocol'
import { useEffect, useState } from 'preact/hooks'
import { Confirm, ErrorSummary, Layout } from '../components.js'
import { concatBytes, formatCode, keyWorkers, loadDevicesState, parseCode, saveDevicesState } from '../devices-state.js'
import { dayAndDate, timeOnly, useLanguage } from '../i18n.js'
import type { WalletSession } from '../wallet-session.js'
import { QrCode } from './pair.js'
import { KitView, WorkerChoice } from './recovery-kit.js'

/*
 * Issue 16: My phones. The list comes from the device chain this phone verified against its pinned
 * root (HolderClient.phones), never from the host's list (DEV-ROT-05). Add a phone (two codes typed
 * in person), remove one, or sign out everywhere else; each removal moves the vault to a new key
 * and makes a new recovery kit.
 */

export const LINK_VAULT_PREFIX = 'HOLDALL-LINK-VAULT:'
export const LINK_PHONE_PREFIX = 'HOLDALL-LINK-PHONE:'

type Step =
  | { name: 'list' }
  | { name: 'link' }
  | { name: 'remove'; deviceId: string; label: string }
  | { name: 'signOut' }
  | { name: 'done'; kit: RecoveryKit; message: string }

export function Phones({
  session,
  onHome,
  onLock,
}: {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}) {
  const { t } = useLanguage()
  const client = session.client
  const [phones, setPhones] = useState<{ deviceId: string; thisDevice: boolean }[]>()
  const [step, setStep] = useState<Step>({ name: 'list' })
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [worker, setWorker] = useState<string>()
  const [round, setRound] = useState(0)
  useEffect(() => {
    void loadDevicesState(session.store).then((s) => setWorker(s.workerClientId))
    client
      ?.phones()
      .then(setPhones)
      .catch(() => setError(t('errorNetwork')))
  }, [session, round])

  const chosenWorker = (): TrustedOrganisation | undefined =>
    worker === undefined ? undefined : session.trust?.byClientId(worker)
  const rotate = async (run: (w: TrustedOrganisation) => Promise<RecoveryKit>, message: string) => {
    const w = chosenWorker()
    if (w === undefined) return setError(t('kitChooseWorker'))
    setError(undefined)
    setBusy(true)
    try {
      const kit = await run(w)
      await saveDevicesState(session.store, { kit, workerClientId: w.client_id })
      setStep({ name: 'done', kit, message })
      setRound(round + 1)
    } catch {
      setError(t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  // Removing needs the key worker who keeps part of the new kit: asked here if not chosen yet.
  const workerQuestion = chosenWorker() === undefined && (
    <WorkerChoice workers={keyWorkers(session.trust)} value={worker} onChange={setWorker} />
  )
  const label = (i: number, thisDevice: boolean) => (thisDevice ? t('phonesThis') : t('phonesOther', { count: i + 1 }))

  let body: preact.JSX.Element
  if (client === undefined) body = <p>{t('phonesOffline')}</p>
  else if (step.name === 'link')
    body = (
      <LinkFromThisPhone
        session={session}
        onDone={() => {
          setStep({ name: 'list' })
          setRound(round + 1)
        }}
      />
    )
  else if (step.name === 'remove')
    body = (
      <>
        {workerQuestion}
        <Confirm
          question={t('phonesRemoveAsk', { name: step.label })}
          yes={t('phonesRemoveYes')}
          no={t('phonesKeep')}
          busy={busy}
          onYes={() =>
            void rotate((w) => client.removeDevices([step.deviceId], w), t('phonesRemoved', { name: step.label }))
          }
          onNo={() => setStep({ name: 'list' })}
        />
        {busy && <p role="status">{t('phonesWorking')}</p>}
      </>
    )
  else if (step.name === 'signOut')
    body = (
      <>
        <p>{t('phonesSignOutHelp')}</p>
        {workerQuestion}
        <Confirm
          question={t('phonesSignOutAsk')}
          yes={t('phonesSignOutYes')}
          no={t('phonesKeep')}
          busy={busy}
          onYes={() => void rotate((w) => client.signOutEverywhere(w), t('phonesSignedOut'))}
          onNo={() => setStep({ name: 'list' })}
        />
        {busy && <p role="status">{t('phonesWorking')}</p>}
      </>
    )
  else if (step.name === 'done')
    body = (
      <>
        <p class="notice" role="status">
          {step.message}
        </p>
        <p class="warning">{t('phonesOldKit')}</p>
        <KitView kit={step.kit} />
        <button type="button" class="button" onClick={() => setStep({ name: 'list' })}>
          {t('phonesSeeList')}
        </button>
      </>
    )
  else
    body = (
      <>
        <p>{t('phonesIntro')}</p>
        {phones === undefined ? (
          <p role="status">{t('loading')}</p>
        ) : (
          <ul class="cards" data-testid="phone-list">
            {phones.map((p, i) => (
              <li class="card" key={p.deviceId} data-testid="phone">
                <p class="lead">{label(i, p.thisDevice)}</p>
                {!p.thisDevice && (
                  <button
                    type="button"
                    class="button button-secondary"
                    onClick={() => setStep({ name: 'remove', deviceId: p.deviceId, label: label(i, false) })}
                  >
                    {t('phonesRemove', { name: label(i, false) })}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <button type="button" class="button" onClick={() => setStep({ name: 'link' })}>
          {t('phonesAdd')}
        </button>
        {phones !== undefined && phones.length > 1 && (
          <button type="button" class="button button-secondary" onClick={() => setStep({ name: 'signOut' })}>
            {t('phonesLost')}
          </button>
        )}
      </>
    )
  return (
    <Layout title={t('phonesTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
      <ErrorSummary message={error} />
      {body}
    </Layout>
  )
}

/**
 * The old phone's side of adding a phone: it shows the vault code (vault id and chain root, so the
 * new phone trusts only this vault's chain), then takes the new phone's code (its public keys),
 * and signs it into the chain with the vault key wrapped to it (HolderClient.enrolDevice).
 */
function LinkFromThisPhone({ session, onDone }: { readonly session: WalletSession; readonly onDone: () => void }) {
  const { t } = useLanguage()
  const client = session.client
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const [added, setAdded] = useState(false)
  if (client === undefined) return null
  const vaultCode = concatBytes(base64urlDecode(client.vaultId), base64urlDecode(client.rootFingerprint))
  const add = async (event: Event) => {
    event.preventDefault()
    const text = typed.trim()
    const bytes = text.startsWith(LINK_PHONE_PREFIX)
      ? (() => {
          try {
            return base64urlDecode(text.slice(LINK_PHONE_PREFIX.length))
          } catch {
            return undefined
          }
        })()
      : parseCode(text, 64)
    if (bytes === undefined || bytes.length !== 64) return setError(t('linkCodeWrong'))
    setError(undefined)
    setBusy(true)
    try {
      await client.enrolDevice({ signing: bytes.slice(0, 32), agreement: bytes.slice(32) })
      setAdded(true)
    } catch {
      setError(t('errorGeneric'))
    } finally {
      setBusy(false)
    }
  }
  if (added)
    return (
      <>
        <p class="notice" role="status" data-testid="link-added">
          {t('linkAdded')}
        </p>
        <button type="button" class="button" onClick={onDone}>
          {t('phonesSeeList')}
        </button>
      </>
    )
  return (
    <>
      <ErrorSummary message={error} field="link-phone-code" />
      <h2>{t('linkStep1')}</h2>
      <p>{t('linkStep1Help')}</p>
      <QrCode text={`${LINK_VAULT_PREFIX}${base64urlEncode(vaultCode)}`} label={t('linkQrLabel')} />
      <p class="code-inline" data-testid="link-vault-code">
        {formatCode(vaultCode)}
      </p>
      <h2>{t('linkStep2')}</h2>
      <form onSubmit={(e) => void add(e)} noValidate>
        <div class={error ? 'field field-error' : 'field'}>
          <label for="link-phone-code">{t('linkPhoneCodeLabel')}</label>
          <textarea
            id="link-phone-code"
            rows={3}
            autocomplete="off"
            spellcheck={false}
            value={typed}
            aria-invalid={error !== undefined}
            onInput={(e) => setTyped((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        {busy ? (
          <p role="status">{t('phonesWorking')}</p>
        ) : (
          <button type="submit" class="button">
            {t('linkAddThis')}
          </button>
        )}
      </form>
    </>
  )
}

/**
 * On every home screen of the holder's phones while a recovery of the vault waits: what is
 * happening, when it can finish (the host's clock), and one tap to stop it ([REC-CANCEL-01]).
 */
export function RecoveryNotice({ session }: { readonly session: WalletSession }) {
  const { t, language } = useLanguage()
  const [waiting, setWaiting] = useState<VaultRecovery[]>([])
  const [stopped, setStopped] = useState(false)
  const [busy, setBusy] = useState(false)
  const client = session.client
  useEffect(() => {
    client
      ?.recoveries()
      .then((all) => setWaiting(all.filter((r) => r.status === 'waiting' || r.status === 'ready')))
      .catch(() => undefined)
  }, [session])
  if (client === undefined) return null
  if (stopped && waiting.length === 0)
    return (
      <p class="notice" role="status" data-testid="recovery-stopped">
        {t('recoveryStopped')}
      </p>
    )
  if (waiting.length === 0) return null
  const stop = async () => {
    setBusy(true)
    try {
      for (const r of waiting) await client.cancelRecovery(r.recovery_id)
      setWaiting([])
      setStopped(true)
    } finally {
      setBusy(false)
    }
  }
  const first = waiting[0] as VaultRecovery
  return (
    <div class="error-summary" role="alert" data-testid="recovery-notice">
      <h2>{t('recoveryNoticeTitle')}</h2>
      <p>{t('recoveryNoticeIfNotYou')}</p>
      <p>
        {t('recoveryNoticeWhen', {
          date: dayAndDate(language, first.ready_at),
          time: timeOnly(language, first.ready_at),
        })}
      </p>
      <button type="button" class="button button-warning" disabled={busy} onClick={() => void stop()}>
        {t('recoveryNoticeStop')}
      </button>
    </div>
  )
}
