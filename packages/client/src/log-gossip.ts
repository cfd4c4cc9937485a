import { base64urlEncode, keyThumbprint, type VerifiedDeviceChain } from '@holdall/crypto'
import { HoldallLogError, parseCheckpoint, parseNote } from '@holdall/log'
import type { LogCheckpointRecord, RecordPayload, RecordVersionView } from '@holdall/protocol'
import type { HolderLog } from './holder-log.js'
import { manifestAuthorKeyId } from './records.js'

/** The reserved record type a holder device publishes its latest verified checkpoint in (spec 8.6.1). */
export const LOG_CHECKPOINT_RECORD = 'log_checkpoint'

/** What one exchange did: whether this device published, and how each other device's checkpoint fared. */
export interface LogExchange {
  /** The size of the checkpoint this device published now, or undefined when its last one still stands. */
  readonly published: number | undefined
  /** Other devices' checkpoints shown consistent with this device's: key id and size. */
  readonly checked: readonly { readonly deviceKeyId: string; readonly size: number }[]
  /**
   * Other devices' publications this exchange could not use (a note under a key this device does
   * not trust yet, a consistency proof the host would not give): nothing proved either way.
   */
  readonly unchecked: readonly { readonly deviceKeyId: string; readonly reason: string }[]
  /**
   * Current members of the device chain (other than this device) whose checkpoint this exchange
   * did not check, for whatever reason (never published, withheld by the host, not checkable).
   * "Your phones agree" may be shown only when this is empty ([LOG-PEER-04]).
   */
  readonly notCompared: readonly string[]
}

/** What the exchange needs from the holder client: its records, opened under a given author key. */
export interface LogExchangeDeps {
  readonly log: HolderLog
  readonly deviceId: string
  readonly chain: VerifiedDeviceChain
  list(): Promise<RecordVersionView[]>
  read(view: RecordVersionView, author: Uint8Array): Promise<{ payload: RecordPayload }>
  write(previous: RecordVersionView | undefined, payload: LogCheckpointRecord): Promise<RecordVersionView>
}

/** The signing key of a device the holder-signed chain ever added, by key id; never the host's word. */
function chainDeviceKey(chain: VerifiedDeviceChain, keyId: string): Uint8Array | undefined {
  for (const entry of chain.entries) {
    if (entry.operation === 'add' && base64urlEncode(keyThumbprint(entry.subjectSigningKey, 'Ed25519')) === keyId)
      return entry.subjectSigningKey
  }
  return undefined
}

function checkpointOf(payload: RecordPayload): string | undefined {
  return payload.recordType === 'log_checkpoint' ? payload.checkpoint : undefined
}

/**
 * Exchanges log checkpoints with the vault's other devices through the vault (spec 8.6.1). The
 * caller has just synced `log` (its trusted checkpoint is the one published). This device:
 * 1. publishes its trusted checkpoint as its own `log_checkpoint` record, a new version of the
 *    one it wrote before, unless that one is at most one entry behind (the entry its own last
 *    publication added to the log) ([LOG-PEER-01]);
 * 2. opens every other device's latest `log_checkpoint` record only under a signing key the
 *    verified device chain added, so the host cannot forge or alter one ([LOG-PEER-02]), and
 * 3. checks each against its own by `HolderLog.compare`: a contradiction is saved as this
 *    device's log alarm and thrown ([LOG-PEER-03]).
 * It publishes before it compares, so a device that finds a fork still leaves its view for the
 * others to find it too.
 */
export async function exchangeLogCheckpoints(deps: LogExchangeDeps): Promise<LogExchange> {
  const trusted = await deps.log.store.load()
  const ownNote = trusted?.state?.checkpoint
  if (trusted?.alarm !== undefined || ownNote === undefined)
    throw new HoldallLogError('LOG_STATE_INVALID', 'sync the log before exchanging checkpoints')
  const ownSize = parseCheckpoint(parseNote(ownNote).text).size
  const views = (await deps.list()).filter((v) => v.record_type === LOG_CHECKPOINT_RECORD)
  // The newest version per writing device (a host may still show an older one: that is a replay, checked too).
  const latest = new Map<string, RecordVersionView>()
  for (const view of views) {
    const keyId = manifestAuthorKeyId(view)
    const seen = latest.get(keyId)
    if (seen === undefined || seen.version < view.version) latest.set(keyId, view)
  }
  const ownKey = chainDeviceKey(deps.chain, deps.deviceId)
  if (ownKey === undefined) throw new HoldallLogError('LOG_STATE_INVALID', 'this device is not in the device chain')

  let published: number | undefined
  const mine = latest.get(deps.deviceId)
  const lastSize = mine === undefined ? undefined : await publishedSize(deps, mine, ownKey)
  if (lastSize === undefined || ownSize > lastSize + 1) {
    await deps.write(mine, { recordType: 'log_checkpoint', checkpoint: ownNote })
    published = ownSize
  }

  const checked: { deviceKeyId: string; size: number }[] = []
  const unchecked: { deviceKeyId: string; reason: string }[] = []
  for (const [keyId, view] of latest) {
    if (keyId === deps.deviceId) continue
    const author = chainDeviceKey(deps.chain, keyId)
    if (author === undefined) {
      unchecked.push({ deviceKeyId: keyId, reason: 'not written by a device of this vault' })
      continue
    }
    let note: string | undefined
    try {
      note = checkpointOf((await deps.read(view, author)).payload)
    } catch {
      note = undefined
    }
    if (note === undefined) {
      unchecked.push({ deviceKeyId: keyId, reason: 'could not be opened under its device key' })
      continue
    }
    try {
      await deps.log.compare(note)
      checked.push({ deviceKeyId: keyId, size: parseCheckpoint(parseNote(note).text).size })
    } catch (error) {
      // A contradiction of signed history is the alarm (already saved): it is never swallowed.
      if (error instanceof HoldallLogError && error.evidence !== undefined) throw error
      unchecked.push({ deviceKeyId: keyId, reason: error instanceof Error ? error.message : 'could not be checked' })
    }
  }
  const notCompared = deps.chain.members
    .map((m) => base64urlEncode(m.keyId))
    .filter((id) => id !== deps.deviceId && !checked.some((c) => c.deviceKeyId === id))
  return { published, checked, unchecked, notCompared }
}

async function publishedSize(deps: LogExchangeDeps, view: RecordVersionView, key: Uint8Array) {
  try {
    const note = checkpointOf((await deps.read(view, key)).payload)
    return note === undefined ? undefined : parseCheckpoint(parseNote(note).text).size
  } catch {
    return undefined
  }
}
