import { HolderClient } from '@holdall/client'
import { base64urlDecode, base64urlEncode, type DeviceKeys, generateDeviceKeys } from '@holdall/crypto'
import { useMemo, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { concatBytes, formatCode, parseCode } from '../devices-state.js'
import { useLanguage } from '../i18n.js'
import { createStore } from '../key-store.js'
import { WalletSession } from '../wallet-session.js'
import { QrCode } from './pair.js'
import { LINK_PHONE_PREFIX, LINK_VAULT_PREFIX } from './phones.js'
import { CreatePin } from './start.js'

/*
 * Issue 16: the new phone's side of adding a phone. It takes the vault code from the other phone
 * (the vault id and the root of its device chain: the only chain this phone will trust), makes
 * its own keys and shows their public half as a code for the other phone, then joins once the
 * other phone has signed it in (HolderClient.joinVault with the root pinned) and seals its keys
 * under a new PIN.
 */

type Step =
  | { name: 'vaultCode' }
  | { name: 'show'; vaultId: string; root: string }
  | { name: 'pin'; client: HolderClient }

function readVaultCode(text: string): Uint8Array | undefined {
  const trimmed = text.trim()
  if (trimmed.startsWith(LINK_VAULT_PREFIX)) {
    try {
      const bytes = base64urlDecode(trimmed.slice(LINK_VAULT_PREFIX.length))
      return bytes.length === 48 ? bytes : undefined
    } catch {
      return undefined
    }
  }
  return parseCode(trimmed, 48)
}

export function LinkNewPhone({
  origin,
  onOpen,
  onBack,
}: {
  readonly origin: string
  readonly onOpen: (session: WalletSession) => void
  readonly onBack: () => void
}) {
  const { t } = useLanguage()
  const device = useMemo<DeviceKeys>(() => generateDeviceKeys(), [])
  const [step, setStep] = useState<Step>({ name: 'vaultCode' })
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  if (step.name === 'pin') {
    const client = step.client
    return (
      <CreatePin
        submitLabel={t('linkFinish')}
        onCreate={async (pin) => {
          const store = await createStore(pin, {
            vaultId: client.vaultId,
            device,
            rootFingerprint: client.rootFingerprint,
          })
          onOpen(await WalletSession.fromStore(store, origin))
        }}
      />
    )
  }

  if (step.name === 'show') {
    const phoneCode = concatBytes(device.signing.publicKey, device.agreement.publicKey)
    const join = async () => {
      setError(undefined)
      setBusy(true)
      try {
        // Only a wrap signed by a member of the pinned chain is used (spec 3.8): never the host's word.
        const client = await HolderClient.joinVault(origin, device, step.vaultId, undefined, fetch, {
          rootFingerprint: step.root,
        })
        setStep({ name: 'pin', client })
      } catch {
        setError(t('linkNotYet'))
      } finally {
        setBusy(false)
      }
    }
    return (
      <Layout title={t('linkNewTitle')}>
        <ErrorSummary message={error} />
        <h2>{t('linkNewStep2')}</h2>
        <p>{t('linkNewStep2Help')}</p>
        <QrCode text={`${LINK_PHONE_PREFIX}${base64urlEncode(phoneCode)}`} label={t('linkQrLabel')} />
        <p class="code-inline" data-testid="link-phone-code">
          {formatCode(phoneCode)}
        </p>
        {busy ? (
          <p role="status">{t('phonesWorking')}</p>
        ) : (
          <button type="button" class="button" onClick={() => void join()}>
            {t('linkNewDone')}
          </button>
        )}
      </Layout>
    )
  }

  const next = (event: Event) => {
    event.preventDefault()
    const bytes = readVaultCode(typed)
    if (bytes === undefined) return setError(t('linkCodeWrong'))
    setError(undefined)
    setStep({
      name: 'show',
      vaultId: base64urlEncode(bytes.slice(0, 16)),
      root: base64urlEncode(bytes.slice(16)),
    })
  }
  return (
    <Layout title={t('linkNewTitle')}>
      <ErrorSummary message={error} field="link-vault-code" />
      <p>{t('linkNewIntro')}</p>
      <form onSubmit={next} noValidate>
        <div class={error ? 'field field-error' : 'field'}>
          <label for="link-vault-code">{t('linkVaultCodeLabel')}</label>
          <textarea
            id="link-vault-code"
            rows={3}
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
      <p class="back">
        <button type="button" class="link-button" onClick={onBack}>
          {t('goBack')}
        </button>
      </p>
    </Layout>
  )
}
