import { base64urlEncode, constantTimeEqual, keyThumbprint, type VerifiedDeviceChain } from '@holdall/crypto'
import type { LogEntry } from '@holdall/log'
import { deviceLogEntryInChain } from './holder-chain.js'

type Recovery = Extract<
  LogEntry,
  { type: 'recovery_started' | 'recovery_cancelled' | 'recovery_share_released' | 'recovery_completed' }
>

/** What a holder device concludes from one recovery entry it verified in the signed log (spec 8.6, 9). */
export type RecoveryFinding =
  | {
      readonly type: 'recovery_started'
      readonly index: number
      readonly at: number
      readonly readyAt: number
      readonly withKit: boolean
      /** A later checked entry ends it (cancelled or completed). */
      readonly ended: boolean
    }
  | {
      readonly type: 'recovery_cancelled'
      readonly index: number
      readonly at: number
      /** The device that stopped it is one the holder-signed device chain ever added. */
      readonly byHolderDevice: boolean
    }
  | {
      readonly type: 'recovery_share_released'
      readonly index: number
      readonly at: number
      readonly by: 'worker' | 'host'
    }
  | {
      readonly type: 'recovery_completed'
      readonly index: number
      readonly at: number
      /** Its link names the holder-signed chain entry that added this device. */
      readonly inChain: boolean
      /** This device verified the start of the same recovery, for the same device, earlier in the log. */
      readonly startSeen: boolean
    }

export function isRecoveryEntry(entry: LogEntry): entry is Recovery {
  return (
    entry.type === 'recovery_started' ||
    entry.type === 'recovery_cancelled' ||
    entry.type === 'recovery_share_released' ||
    entry.type === 'recovery_completed'
  )
}

/**
 * Judges the recovery entries a holder device verified (spec 8.6, [LOG-CLIENT-04]) against each
 * other and the holder-signed device chain: a completion counts as fact only when its link names
 * the chain entry that added the device, and it is flagged when this device saw no start of that
 * recovery before it (a host that hid the warning); a cancellation counts only when made by a
 * device of the chain (a host that invents one to hide a waiting recovery is not believed).
 * `entries` are every verified entry this device keeps, in log order.
 */
export function recoveryFindings(
  entries: readonly { readonly index: number; readonly entry: LogEntry }[],
  chain: VerifiedDeviceChain | undefined,
): RecoveryFinding[] {
  const holderDevices = new Set(
    (chain?.entries ?? [])
      .filter((e) => e.operation === 'add')
      .map((e) => base64urlEncode(keyThumbprint(e.subjectSigningKey, 'Ed25519'))),
  )
  const recoveries = entries.filter((e): e is { index: number; entry: Recovery } => isRecoveryEntry(e.entry))
  const sameRecovery = (a: Recovery, b: Recovery) => constantTimeEqual(a.recoveryId, b.recoveryId)
  return recoveries.map(({ index, entry }): RecoveryFinding => {
    switch (entry.type) {
      case 'recovery_started':
        return {
          type: entry.type,
          index,
          at: entry.at,
          readyAt: entry.readyAt,
          withKit: entry.withKit,
          ended: recoveries.some(
            (later) =>
              later.index > index &&
              sameRecovery(later.entry, entry) &&
              (later.entry.type === 'recovery_completed' ||
                (later.entry.type === 'recovery_cancelled' &&
                  holderDevices.has(base64urlEncode(later.entry.deviceKeyId)))),
          ),
        }
      case 'recovery_cancelled':
        return {
          type: entry.type,
          index,
          at: entry.at,
          byHolderDevice: holderDevices.has(base64urlEncode(entry.deviceKeyId)),
        }
      case 'recovery_share_released':
        return { type: entry.type, index, at: entry.at, by: entry.holder === 1 ? 'worker' : 'host' }
      default:
        return {
          type: entry.type,
          index,
          at: entry.at,
          inChain:
            chain !== undefined &&
            deviceLogEntryInChain(
              { type: 'device_added', deviceKeyId: entry.deviceKeyId, deviceListLink: entry.deviceListLink },
              chain,
            ),
          startSeen: recoveries.some(
            (earlier) =>
              earlier.index < index &&
              earlier.entry.type === 'recovery_started' &&
              sameRecovery(earlier.entry, entry) &&
              constantTimeEqual(earlier.entry.deviceKeyId, entry.deviceKeyId),
          ),
        }
    }
  })
}
