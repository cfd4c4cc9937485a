import { RECORD_TYPES, type RecordType } from '@holdall/protocol'
import type { DecoyContents } from './key-store.js'
import type { SavedRecord } from './wallet-session.js'

/*
 * Issue 19, domain scenario 14: what the second (duress) PIN opens. A copy of the holder's T1
 * items only ([DUR-PIN-01]): no licence, no health, nothing a coercer could use. The copies keep no
 * data key, manifest or envelope, so nothing in the decoy can be shown offline or shared, and no
 * key of the vault is in it ([DUR-PIN-02]).
 */
export function decoyRecords(records: readonly SavedRecord[]): SavedRecord[] {
  return records
    .filter((r) => RECORD_TYPES[r.recordType as RecordType]?.tier === 'T1')
    .map(({ offline: _offline, shownOffline: _shown, ...rest }) => rest)
}

export function decoyContents(records: readonly SavedRecord[], alert?: DecoyContents['alert']): DecoyContents {
  return { decoy: 1, records: decoyRecords(records), ...(alert === undefined ? {} : { alert }) }
}

/**
 * The silent alert ([DUR-ALERT-01]): one request, nothing on screen, any failure swallowed. Sent
 * only when the holder chose a supporter (the decoy then holds the alert's capability).
 */
export function sendSilentAlert(contents: DecoyContents): void {
  const alert = contents.alert
  if (alert === undefined) return
  void fetch(alert.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: alert.token }),
    keepalive: true,
  }).catch(() => undefined)
}
