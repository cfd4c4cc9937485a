import type { PairingDisplay } from '@holdall/client'
import type { PendingRequest } from '@holdall/protocol'
import { generate } from 'lean-qr'
import { useEffect, useState } from 'preact/hooks'
import { ErrorSummary, Layout } from '../components.js'
import { timeOnly, useLanguage } from '../i18n.js'
import type { WalletSession } from '../wallet-session.js'

/** The QR code as SVG drawn by us: no data: URLs, so the page's CSP stays strict. */
export function QrCode({ text, label }: { readonly text: string; readonly label: string }) {
  const code = generate(text)
  let path = ''
  for (let y = 0; y < code.size; y++)
    for (let x = 0; x < code.size; x++) if (code.get(x, y)) path += `M${x + 4} ${y + 4}h1v1h-1z`
  const size = code.size + 8
  return (
    <svg class="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label}>
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}

interface PairProps {
  readonly session: WalletSession
  readonly onRequest: (request: PendingRequest) => void
  readonly onHome: () => void
  readonly onLock: () => void
}

/** Share in person: a single-use code and its QR; the request that follows opens by itself. */
export function Pair({ session, onRequest, onHome, onLock }: PairProps) {
  const { t, language } = useLanguage()
  const [code, setCode] = useState<PairingDisplay>()
  const [error, setError] = useState<string>()
  const [round, setRound] = useState(0)
  useEffect(() => {
    let live = true
    setCode(undefined)
    session
      .pairingCode()
      .then(async (made) => {
        if (!live) return
        setCode(made)
        // The host's time, not the phone's: a phone a day fast would stop waiting at once.
        while (live && session.now() < made.expires_at) {
          const [request] = await session.waitForRequest(20_000)
          if (live && request !== undefined) return onRequest(request)
        }
      })
      .catch(() => live && setError(t('errorNetwork')))
    return () => {
      live = false
    }
  }, [round])
  return (
    <Layout title={t('pairTitle')} onHome={onHome} onLock={onLock}>
      <ErrorSummary message={error} />
      <p>{t('pairIntro')}</p>
      {code && (
        <>
          <p class="code-label">{t('pairCodeLabel')}</p>
          <p class="code" data-testid="pairing-code">
            {code.code}
          </p>
          <p class="code-label">{t('pairSafetyLabel')}</p>
          <p class="code safety-code" data-testid="safety-code">
            {code.safetyCode}
          </p>
          <p>{t('pairSafetyHelp')}</p>
          {code.hostNumber !== undefined && (
            <>
              {/* Spec 11.3: the number of this wallet's host in the pinned trust list, never the host's word. */}
              <p class="code-label">{t('pairHostLabel')}</p>
              <p class="code" data-testid="host-number">
                {code.hostNumber}
              </p>
              <p>{t('pairHostHelp', { example: code.typedCode })}</p>
            </>
          )}
          {/* The QR code carries the code, the whole root fingerprint of the vault's device list and the host number. */}
          <QrCode text={code.qr} label={t('pairQrLabel', { code: code.code.split('').join(' ') })} />
          <p>{t('pairExpires', { time: timeOnly(language, code.expires_at) })}</p>
          <p role="status">{t('pairWaiting')}</p>
        </>
      )}
      <button type="button" class="button button-secondary" onClick={() => setRound(round + 1)}>
        {t('pairNewCode')}
      </button>
    </Layout>
  )
}
