import type { RecoveryKit, TrustedOrganisation } from '@holdall/client'
import { base64urlDecode } from '@holdall/crypto'
import { useEffect, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { formatCode, keyWorkers, loadDevicesState, saveDevicesState } from '../devices-state.js'
import { useLanguage } from '../i18n.js'
import type { WalletSession } from '../wallet-session.js'
import { QrCode } from './pair.js'

/*
 * Issue 16: the recovery kit. One of three parts of the vault key: with the key worker's part, or
 * the host's, it opens the vault on a new phone after a wait. Made here, printed or written down,
 * kept with the person's papers. A new kit is made each time a phone is removed.
 */

/** The vault number: the vault id as a typed code, for the key worker to keep on file. */
export const vaultNumber = (vaultId: string) => formatCode(base64urlDecode(vaultId))

/** The kit as the person sees it: what it is for, the QR code, the groups to type, and Print. */
export function KitView({ kit }: { readonly kit: RecoveryKit }) {
  const { t } = useLanguage()
  const groups = kit.code.split(' ')
  return (
    <div class="kit" data-testid="recovery-kit">
      <h2>{t('kitPaperTitle')}</h2>
      <p>{t('kitPaperKeep')}</p>
      <p class="warning">{t('kitPaperSecret')}</p>
      <QrCode text={kit.qr} label={t('kitQrLabel')} />
      <p class="code-label">{t('kitCodeLabel')}</p>
      <ol class="kit-groups" data-testid="kit-code">
        {groups.map((group, i) => (
          <li key={i} class="code-inline">
            {group}
          </li>
        ))}
      </ol>
      <p class="code-label">{t('kitVaultNumber')}</p>
      <p class="code-inline" data-testid="vault-number">
        {vaultNumber(kit.vaultId)}
      </p>
      <p>{t('kitVaultNumberHelp')}</p>
      <button type="button" class="button button-secondary no-print" onClick={() => window.print()}>
        {t('kitPrint')}
      </button>
    </div>
  )
}

/** Which organisation keeps the second part: radio buttons, GOV.UK style. */
export function WorkerChoice({
  workers,
  value,
  onChange,
}: {
  readonly workers: readonly TrustedOrganisation[]
  readonly value: string | undefined
  readonly onChange: (clientId: string) => void
}) {
  const { t } = useLanguage()
  return (
    <fieldset class="radios">
      <legend>{t('kitWorkerLegend')}</legend>
      <p class="hint">{t('kitWorkerHint')}</p>
      {workers.map((w, i) => (
        <div class="radio" key={w.client_id}>
          <input
            type="radio"
            id={`worker-${i}`}
            name="worker"
            checked={value === w.client_id}
            onChange={() => onChange(w.client_id)}
          />
          <label for={`worker-${i}`}>{w.name}</label>
        </div>
      ))}
    </fieldset>
  )
}

export function RecoveryKitScreen({
  session,
  onHome,
  onLock,
}: {
  readonly session: WalletSession
  readonly onHome: () => void
  readonly onLock: () => void
}) {
  const { t } = useLanguage()
  const [kit, setKit] = useState<RecoveryKit | null>()
  const [worker, setWorker] = useState<string>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const client = session.client
  useEffect(() => {
    void loadDevicesState(session.store).then((state) => {
      setWorker(state.workerClientId)
      setKit(state.kit !== undefined && state.kit.epoch === client?.keyEpoch ? state.kit : null)
    })
  }, [session])
  const make = async () => {
    const chosen = worker === undefined ? undefined : session.trust?.byClientId(worker)
    if (client === undefined || chosen === undefined) return setError(t('kitChooseWorker'))
    setError(undefined)
    setBusy(true)
    try {
      const made = await client.setUpRecovery(chosen)
      await saveDevicesState(session.store, { kit: made, workerClientId: chosen.client_id })
      setKit(made)
    } catch (e) {
      setError((e as { status?: number }).status === 409 ? t('kitMadeElsewhere') : t('errorNetwork'))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Layout title={t('kitTitle')} onHome={onHome} onLock={onLock} offline={!session.online}>
      <ErrorSummary message={error} />
      {kit ? (
        <KitView kit={kit} />
      ) : (
        <>
          <p>{t('kitWhy1')}</p>
          <ul class="points">
            <li>{t('kitPart1')}</li>
            <li>{t('kitPart2')}</li>
            <li>{t('kitPart3')}</li>
          </ul>
          <p>{t('kitWhy2')}</p>
          <p>{t('kitWhy3')}</p>
          {kit === null && client !== undefined && (
            <>
              <WorkerChoice workers={keyWorkers(session.trust)} value={worker} onChange={setWorker} />
              {busy ? (
                <p role="status">{t('kitMaking')}</p>
              ) : (
                <button type="button" class="button" onClick={() => void make()}>
                  {t('kitMake')}
                </button>
              )}
            </>
          )}
        </>
      )}
    </Layout>
  )
}
