import {
  MemoryOfflineNonceStore,
  type OfflineNonceStore,
  offlineRecordLabel,
  type VerifyOfflineShareOptions,
  verifyOfflineShare,
  verifyTrustList,
} from '@holdall/client'
import type { LicenceConditions } from '@holdall/protocol'

/*
 * The reader's side of an offline share (spec 10.3), for a desk: probation's duty officer, a
 * pharmacy. It holds the trust list it verified against the operator's pinned key, its own clock
 * and its nonce memory, and nothing else: it never calls the holder's host.
 */

export interface ReaderOptions {
  /** The signed trust list (compact JWS) and the operator key the reader pins. */
  readonly trustListJws: string
  readonly operatorPublicKey: Uint8Array
  /** The reader's own clock (default: Date.now). */
  readonly now?: () => number
  /** Where accepted nonces are kept (default: in this process). */
  readonly seen?: OfflineNonceStore
  /** Device key ids per vault that this office pinned online (an issuer does, when it deposits). */
  readonly holderDevices?: VerifyOfflineShareOptions['holderDevices']
}

/** What the desk page shows: a plain heading, then lines. Never key material. */
export interface ReaderView {
  readonly ok: boolean
  readonly code?: string
  readonly heading: string
  readonly lines: readonly string[]
}

export interface OfflineReader {
  verify(text: string): Promise<ReaderView>
}

export function createOfflineReader(options: ReaderOptions): OfflineReader {
  const now = options.now ?? (() => Date.now())
  const seen = options.seen ?? new MemoryOfflineNonceStore(now)
  return {
    async verify(text) {
      // The trust list is checked on every scan, so an expired list stops the desk, loudly.
      const trusted = verifyTrustList(options.trustListJws, options.operatorPublicKey, now())
      const result = await verifyOfflineShare(text, {
        trusted,
        seen,
        now,
        ...(options.holderDevices === undefined ? {} : { holderDevices: options.holderDevices }),
      })
      if (!result.ok) return { ok: false, code: result.code, heading: 'Not accepted', lines: [result.reason] }
      const lines = [
        `Signed by ${result.issuer.name} (${result.issuer.registry_code}) on ${day(result.signedAt)}, version ${result.recordVersion}.`,
        result.holderDeviceKnown
          ? 'Shown from one of this person’s own phones.'
          : 'We do not know this person’s phones: check their name against the record.',
        result.syncedAt === null
          ? 'Their phone has not checked with its host since it was set up.'
          : `Their phone last checked with its host on ${day(result.syncedAt)} at ${time(result.syncedAt)}.`,
      ]
      if (result.payload.recordType === 'licence_conditions') {
        const licence = result.payload as LicenceConditions
        const today = new Date(now()).toISOString().slice(0, 10)
        const current = licence.licenceStartDate <= today && today <= licence.licenceExpiryDate
        lines.unshift(
          current
            ? `The licence is current: ${licence.licenceStartDate} to ${licence.licenceExpiryDate}.`
            : `The licence is NOT current today: it runs ${licence.licenceStartDate} to ${licence.licenceExpiryDate}.`,
          `Supervising officer: ${licence.supervisingOfficer.name}. First appointment: ${licence.initialAppointment.time} at ${licence.initialAppointment.address}.`,
        )
      }
      return { ok: true, heading: `Checked: ${offlineRecordLabel(result.recordType)}`, lines }
    },
  }
}

function day(date: Date): string {
  return date.toLocaleDateString('en-GB', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  })
}

function time(date: Date): string {
  return date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' })
}
