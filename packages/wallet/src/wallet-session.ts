import {
  type ApproveChoice,
  acceptTrustListDocument,
  type CheckedName,
  type CheckedReceipt,
  checkDeposit,
  checkGrant,
  checkLogActor,
  checkReceipt,
  checkRequester,
  decodeLogEntry,
  deviceLogEntryInChain,
  encodeLogEntry,
  HoldallError,
  HolderClient,
  type HolderTrust,
  isHoldallLogError,
  isRecoveryEntry,
  LOG_CHECKPOINT_RECORD,
  type LogAlarm,
  type LogSync,
  makeOfflineShare,
  mayShowOffline,
  type OfflineShareLogEntry,
  openRecord,
  type PairingDisplay,
  type RecoveryFinding,
  recoveryFindings,
  type TrustedOrganisations,
  type TrustPin,
  trustPin,
  type VaultLogRecord,
  type VaultLogStore,
} from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  fromPublicJwk,
  isHoldallCryptoError,
  keyThumbprint,
  parseManifest,
} from '@holdall/crypto'
import {
  type AccessLogEntry,
  type Grant,
  type PendingRequest,
  type RecordPayload,
  type RecordVersionView,
  recordBody,
  TRUST_LIST_WELL_KNOWN_PATH,
  trustListDocumentSchema,
} from '@holdall/protocol'
import { decoyContents, sendSilentAlert } from './duress.js'
import {
  createStore,
  type DecoyContents,
  decoyOf,
  setSecondPin,
  type UnlockedStore,
  type UnlockResult,
  unlockStore,
} from './key-store.js'

/** What the wallet keeps of an opened record, sealed in the local store for offline reading. */
export interface SavedRecord {
  readonly recordId: string
  readonly recordType: string
  readonly title: string | undefined
  readonly from: string | undefined
  readonly signedAt: number
  readonly payload: RecordPayload
  /**
   * Issue 19: what the phone needs to show this record with no network (spec 10.6), sealed with
   * the rest: the issuer's manifest and envelope, the data key (base64url), when the phone last
   * synced (host time) and the host's clock minus the phone's at that moment.
   */
  readonly offline?: {
    readonly manifest: string
    readonly envelope: string
    readonly dataKey: string
    readonly version: number
    readonly syncedAt: number
    readonly hostOffsetMs: number
  }
  /** Issue 19: the phone's own log of each time this record was shown offline ([OFF-HLD-03]). */
  readonly shownOffline?: readonly OfflineShareLogEntry[]
}

export interface InboxItem {
  readonly view: RecordVersionView
  readonly from: string | undefined
  /** The sender is listed, signed this record and may issue its type: checked by this app. */
  readonly checked: boolean
}

/**
 * A key-transparency entry this phone verified in the vault's log (spec 8.6, issue 13 point 5):
 * a device added or removed, or a grant's receipt (naming the service key the record keys were
 * wrapped to). Kept sealed on the phone, so the host's later answers cannot take one away.
 */
export type VerifiedLogEvent =
  | {
      readonly index: number
      readonly at: number
      readonly type: 'device_added' | 'device_removed'
      readonly deviceKeyId: string
      /** The entry's link into the holder-signed device chain (base64url). */
      readonly deviceListLink: string
    }
  | {
      readonly index: number
      readonly at: number
      readonly type: 'grant_approved'
      readonly receipt: string
      /** The grant's id (base64url); absent in events kept before revocations were shown. */
      readonly grantId?: string
    }
  | { readonly index: number; readonly at: number; readonly type: 'grant_revoked'; readonly grantId: string }
  /** A recovery event (spec 8.3, 0x30-0x33): its canonical entry, base64url, judged when shown. */
  | { readonly index: number; readonly at: number; readonly type: 'recovery'; readonly entry: string }

/** A verified entry as "What happened" says it: who, from this phone's own checks only. */
export type ShownLogEvent =
  | {
      readonly index: number
      readonly at: number
      readonly type: 'device_added' | 'device_removed'
      readonly thisPhone: boolean
      /** The change is in the device chain a holder device signed (checked by this phone just now). */
      readonly inChain: boolean
    }
  | {
      readonly index: number
      readonly at: number
      readonly type: 'grant_approved'
      /** Undefined: no device in the holder-signed chain signed the receipt (the host forged it), or no trust list. */
      readonly grantee: CheckedReceipt | undefined
    }
  | {
      readonly index: number
      readonly at: number
      readonly type: 'grant_revoked'
      /** From the checked receipt of the same grant; undefined if this phone has none it could check. */
      readonly grantee: CheckedReceipt | undefined
    }
  | { readonly index: number; readonly at: number; readonly type: 'recovery'; readonly finding: RecoveryFinding }

/** The entries of one sync that are key transparency, as kept on the phone. */
function keyTransparency(entries: LogSync['entries']): VerifiedLogEvent[] {
  const out: VerifiedLogEvent[] = []
  for (const { index, entry } of entries) {
    if (entry.type === 'device_added' || entry.type === 'device_removed')
      out.push({
        index,
        at: entry.at,
        type: entry.type,
        deviceKeyId: base64urlEncode(entry.deviceKeyId),
        deviceListLink: base64urlEncode(entry.deviceListLink),
      })
    else if (entry.type === 'grant_approved')
      out.push({
        index,
        at: entry.at,
        type: entry.type,
        receipt: new TextDecoder().decode(entry.receipt),
        grantId: base64urlEncode(entry.grantId),
      })
    else if (entry.type === 'grant_revoked')
      out.push({ index, at: entry.at, type: entry.type, grantId: base64urlEncode(entry.grantId) })
    else if (isRecoveryEntry(entry))
      out.push({ index, at: entry.at, type: 'recovery', entry: base64urlEncode(encodeLogEntry(entry)) })
  }
  return out
}

/** A live grant, with its grantee's name as this app checked it (from the receipt it signed). */
export type CheckedGrant = Grant & CheckedName

/**
 * The wallet reads only its own origin (its CSP), so it cannot fetch an unlisted service's
 * metadata document itself; it will not take the host's copy either. It shares with listed
 * organisations only, and says so ([TRUST-KEY-03]).
 */
const noOtherOrigins: typeof fetch = async () => {
  throw new TypeError('the wallet reads no origin but its host')
}

/*
 * The trust list's expiry is checked at the later of the phone's time and the host's: the host
 * serves the list, so its clock alone must not keep an expired list alive, and a phone running
 * slow must not either. A phone running fast may refuse a list about to expire: it then shows
 * everyone as Not checked, the safe side.
 */
export async function loadTrust(
  origin: string,
  client: { hostNow(): number },
): Promise<TrustedOrganisations | undefined> {
  if (HOLDALL_TRUST_ANCHOR === null) return undefined
  try {
    // Spec 11.1: the host's mirror of the operator's list, checked against the key built into this
    // app (or one it vouched for, FED-TRUST-04) and against the newest list this phone accepted
    // (a rollback is refused, FED-TRUST-05).
    const response = await fetch(`${origin}${TRUST_LIST_WELL_KNOWN_PATH}`)
    if (!response.ok) return undefined
    const document = trustListDocumentSchema.parse(await response.json())
    const now = Math.max(Date.now(), client.hostNow())
    const accepted = acceptTrustListDocument(document, storedTrustPin(), now)
    storeTrustPin(accepted.pin)
    return accepted.trusted
  } catch {
    return undefined
  }
}

const TRUST_PIN_KEY = 'holdall-trust-pin'

/** The operator key and newest list this phone accepted: the built-in key until a rotation. */
function storedTrustPin(): TrustPin {
  const builtIn = trustPin(fromPublicJwk(HOLDALL_TRUST_ANCHOR as NonNullable<typeof HOLDALL_TRUST_ANCHOR>, 'Ed25519'))
  try {
    const raw = globalThis.localStorage?.getItem(TRUST_PIN_KEY)
    if (raw === null || raw === undefined) return builtIn
    const stored = JSON.parse(raw) as {
      anchor: string
      key: string
      retired?: { key: string; until: number }
      newestIat: number
    }
    // A pin made under another built-in key (another build of the app) does not count.
    if (stored.anchor !== base64urlEncode(builtIn.operatorKey)) return builtIn
    return {
      operatorKey: base64urlDecode(stored.key),
      retired:
        stored.retired === undefined
          ? undefined
          : { key: base64urlDecode(stored.retired.key), until: stored.retired.until },
      newestIat: stored.newestIat,
    }
  } catch {
    return builtIn
  }
}

function storeTrustPin(pin: TrustPin): void {
  try {
    const anchor = base64urlEncode(
      fromPublicJwk(HOLDALL_TRUST_ANCHOR as NonNullable<typeof HOLDALL_TRUST_ANCHOR>, 'Ed25519'),
    )
    globalThis.localStorage?.setItem(
      TRUST_PIN_KEY,
      JSON.stringify({
        anchor,
        key: base64urlEncode(pin.operatorKey),
        ...(pin.retired === undefined
          ? {}
          : { retired: { key: base64urlEncode(pin.retired.key), until: pin.retired.until } }),
        newestIat: pin.newestIat,
      }),
    )
  } catch {
    // No storage (a private window): the built-in key still holds, only the rollback check is lost.
  }
}

/**
 * The device's record of the vault's verifiable log, sealed under the PIN with the keys: in
 * memory until the sealed store exists (a vault being made), then there. A record of another
 * vault (an older one on this phone) is not this vault's.
 */
class SealedLogStore implements VaultLogStore {
  #memory: VaultLogRecord | undefined
  #store: UnlockedStore | undefined
  readonly #vaultId: string

  constructor(vaultId: string, store?: UnlockedStore) {
    this.#vaultId = vaultId
    this.#store = store
  }

  async attach(store: UnlockedStore): Promise<void> {
    this.#store = store
    if (this.#memory !== undefined) await this.save(this.#memory)
  }

  async load(): Promise<VaultLogRecord | undefined> {
    if (this.#store === undefined) return this.#memory
    const saved = (await this.#store.loadLog()) as { vaultId?: string; record?: VaultLogRecord } | undefined
    return saved?.vaultId === this.#vaultId ? saved.record : undefined
  }

  async save(record: VaultLogRecord): Promise<void> {
    this.#memory = record
    if (this.#store !== undefined) await this.#store.saveLog({ vaultId: this.#vaultId, record })
  }
}

/** A log store for a vault whose id is not known yet: made on first use, for `attach` later. */
function lazyLogStore(made: Map<string, SealedLogStore>): VaultLogStore {
  const one = () => {
    let log = made.get('vault')
    if (log === undefined) {
      log = new SealedLogStore('pending')
      made.set('vault', log)
    }
    return log
  }
  return { load: () => one().load(), save: (record) => one().save(record) }
}

/** Refusals of the holder SDK that mean the host changed what it cannot sign (spec 3.8.1). */
const TAMPERING_CODES = new Set<string>([
  'DEVICE_CHAIN_INVALID',
  'DEVICE_CHAIN_ROLLBACK',
  'HOLDER_ROOT_CHANGED',
  'HOLDER_ROOT_MISMATCH',
])

/** The code of a refusal that means tampering (a device list or a vault-key wrap), else undefined. */
function tamperingOf(error: unknown): string | undefined {
  if (error instanceof HoldallError && TAMPERING_CODES.has(error.code)) return error.code
  // The vault key's wrap statement or the wrap itself failed its check: the host swapped it.
  if (isHoldallCryptoError(error)) return error.code
  return undefined
}

/**
 * One unlocked wallet: the holder SDK (online) or only the sealed local copies (offline). Locking
 * drops this object; nothing it holds outlives it.
 */
export class WalletSession {
  #records: SavedRecord[] | undefined

  private constructor(
    readonly store: UnlockedStore,
    readonly client: HolderClient | undefined,
    readonly trust: TrustedOrganisations | undefined,
    /** Set when the host's answer failed this phone's checks of the device list or vault key. */
    readonly tampering?: string,
  ) {}

  /**
   * The alarm this phone keeps sealed from an earlier check of the vault's log (spec 8.6), read
   * from the phone alone, so every home screen can show it, online or not.
   */
  async keptLogAlarm(): Promise<LogAlarm | undefined> {
    const saved = (await this.store.loadLog()) as { vaultId?: string; record?: VaultLogRecord } | undefined
    return saved?.vaultId === this.store.vault.vaultId ? saved.record?.alarm : undefined
  }

  get online(): boolean {
    return this.client !== undefined
  }

  /**
   * The time to count days by: the host's when the SDK has heard from it, else the phone's own
   * clock (offline), which may be wrong; `hostTimeKnown` says which, so a screen can say so.
   */
  now(): number {
    return this.client?.hostNow() ?? Date.now()
  }

  get hostTimeKnown(): boolean {
    return this.client?.hostTimeKnown ?? false
  }

  static async create(pin: string, origin: string): Promise<WalletSession> {
    const logs = new Map<string, SealedLogStore>()
    const client = await HolderClient.createVault(origin, fetch, {
      // The vault id is made inside createVault; the store is keyed to it once known.
      logStore: lazyLogStore(logs),
    })
    const store = await createStore(pin, {
      vaultId: client.vaultId,
      device: client.deviceKeys,
      rootFingerprint: client.rootFingerprint,
    })
    for (const log of logs.values()) await log.attach(store)
    return new WalletSession(store, client, await loadTrust(origin, client))
  }

  /** A session, or why not. Without a network the session is offline (reading only). */
  static async unlock(pin: string, origin: string): Promise<WalletSession | Exclude<UnlockResult, { kind: 'open' }>> {
    const result = await unlockStore(pin)
    if (result.kind !== 'open') return result
    // Issue 19: the second PIN opens the decoy, shown as a wallet that cannot reach its host.
    const decoy = decoyOf(result.store)
    if (decoy !== undefined) {
      sendSilentAlert(decoy)
      return new WalletSession(result.store, undefined, undefined)
    }
    return WalletSession.#connect(result.store, origin)
  }

  /** Issue 19, assisted mode: whether `pin` is this vault's own PIN (wrong tries count as at unlock). */
  async confirmPin(pin: string): Promise<boolean> {
    const result = await unlockStore(pin)
    return (
      result.kind === 'open' &&
      decoyOf(result.store) === undefined &&
      decoyOf(this.store) === undefined &&
      result.store.vault.vaultId === this.store.vault.vaultId
    )
  }

  /** Issue 19: sets the second PIN, opening a decoy of this vault's T1 items only ([DUR-PIN-01]). */
  async setSecondPin(pin: string, alertGrantId?: string): Promise<'set' | 'samePin'> {
    if (decoyOf(this.store) !== undefined) throw new TypeError('offline')
    const records = await this.savedRecords()
    const set = await setSecondPin(pin, decoyContents(records))
    // The silent alert only if the holder chose a supporter ([DUR-ALERT-01]): its token goes in the decoy.
    if (set !== 'set' || alertGrantId === undefined) return set
    const alert: DecoyContents['alert'] = await this.#required().setDuressAlert(alertGrantId)
    return setSecondPin(pin, decoyContents(records, alert))
  }

  /*
   * Online if the host lets this device in; otherwise reading only. Records already on the phone
   * must open whatever the network or the host does (no network, a host that refuses or fails):
   * the sealed copies need only the PIN.
   */
  static async #connect(store: UnlockedStore, origin: string): Promise<WalletSession> {
    let client: HolderClient | undefined
    try {
      const { rootFingerprint } = store.vault
      client = await HolderClient.open(origin, store.vault.device, store.vault.vaultId, fetch, {
        ...(rootFingerprint === undefined ? {} : { rootFingerprint }),
        logStore: new SealedLogStore(store.vault.vaultId, store),
      })
    } catch (error) {
      // A host that answers with a device list or vault key this phone's checks refuse is not
      // "offline": the phone says so loudly and shares nothing (reading its own copies still works).
      const tampering = tamperingOf(error)
      if (tampering !== undefined) return new WalletSession(store, undefined, undefined, tampering)
      client = undefined
    }
    return new WalletSession(store, client, client === undefined ? undefined : await loadTrust(origin, client))
  }

  /** Issue 16: a session for a store just sealed (a phone linked or a vault recovered on it). */
  static fromStore = (store: UnlockedStore, origin: string): Promise<WalletSession> =>
    WalletSession.#connect(store, origin)

  /** Tries the host again (the network came back): a new online session, or this one. */
  async reconnect(origin: string): Promise<WalletSession> {
    if (this.online || decoyOf(this.store) !== undefined) return this
    const next = await WalletSession.#connect(this.store, origin)
    return next.online || next.tampering !== undefined ? next : this
  }

  #required(): HolderClient {
    if (this.client === undefined) throw new TypeError('offline')
    return this.client
  }

  /** Who signed a record version: this device, or an organisation on the trust list. */
  #author(view: RecordVersionView): { name: string | undefined; key: Uint8Array | undefined } {
    const keyId = base64urlEncode(parseManifest(base64urlDecode(view.manifest)).authorKeyId)
    if (this.client !== undefined && keyId === this.client.deviceId)
      return { name: undefined, key: this.client.deviceKeys.signing.publicKey }
    const org = this.trust?.byKeyId(keyId)
    return { name: org?.name, key: org?.publicKey }
  }

  /** The records as last opened in this session, or the sealed copies: no network needed. */
  async savedRecords(): Promise<SavedRecord[]> {
    this.#records ??= ((await this.store.loadRecords()) as SavedRecord[] | undefined) ?? []
    return this.#records
  }

  /** Opens every record (online) and keeps sealed copies; offline, reads the copies. */
  async records(): Promise<SavedRecord[]> {
    if (this.client === undefined) return this.savedRecords()
    const saved: SavedRecord[] = []
    for (const view of await this.client.listRecords()) {
      const author = this.#author(view)
      if (author.key === undefined) continue
      // Issue 21: documents kept as files (spec 4.2.1) have no screen yet; never let one stop the list.
      if (recordBody(view.record_type) === 'file') continue
      // A phone's published log checkpoint (spec 8.6.1) is not one of the person's records.
      if (view.record_type === LOG_CHECKPOINT_RECORD) continue
      const before = this.#records?.find((r) => r.recordId === view.record_id)
      // An issuer's record that fits a QR code is kept whole, to be shown offline (issue 19).
      const offline = author.name !== undefined && mayShowOffline(view.record_type, view.ciphertext_length)
      const copy = offline ? await this.client.offlineCopy(view) : undefined
      const opened =
        copy === undefined
          ? await this.client.readRecord(view, author.key)
          : openRecord(view, copy.envelope, copy.dataKey, author.key)
      saved.push({
        recordId: view.record_id,
        recordType: view.record_type,
        title: opened.title,
        from: author.name,
        signedAt: opened.signedAt.getTime(),
        payload: opened.payload,
        ...(copy === undefined
          ? {}
          : {
              offline: {
                manifest: copy.manifest,
                envelope: base64urlEncode(copy.envelope),
                dataKey: base64urlEncode(copy.dataKey),
                version: copy.version,
                syncedAt: copy.syncedAt,
                hostOffsetMs: this.client.hostNow() - Date.now(),
              },
            }),
        ...(before?.shownOffline === undefined ? {} : { shownOffline: before.shownOffline }),
      })
    }
    await this.store.saveRecords(saved)
    this.#records = saved
    return saved
  }

  /**
   * Issue 19: a QR code's text for one record, made with no network (spec 10). Times are the
   * host's clock as this phone last learned it, never the phone's own alone; the share is noted
   * in the record's sealed log on this phone.
   */
  async showOffline(record: SavedRecord, assistedBy?: string): Promise<{ text: string; expiresAt: number }> {
    const copy = record.offline
    if (copy === undefined) throw new TypeError('this record cannot be shown offline')
    const live = this.client?.hostTimeKnown ? this.client : undefined
    const time =
      live !== undefined
        ? { now: () => live.hostNow(), hostTime: true }
        : { now: () => Date.now() + copy.hostOffsetMs, hostTime: true }
    const made = makeOfflineShare({
      copy: {
        recordId: record.recordId,
        version: copy.version,
        recordType: record.recordType as RecordVersionView['record_type'],
        manifest: copy.manifest,
        envelope: base64urlDecode(copy.envelope),
        dataKey: base64urlDecode(copy.dataKey),
        syncedAt: copy.syncedAt,
      },
      deviceSigningSecretKey: this.store.vault.device.signing.secretKey,
      time,
      ...(assistedBy === undefined ? {} : { assistedBy }),
    })
    const records = (await this.savedRecords()).map((r) =>
      r.recordId === record.recordId ? { ...r, shownOffline: [...(r.shownOffline ?? []), made.log] } : r,
    )
    await this.store.saveRecords(records)
    this.#records = records
    return { text: made.text, expiresAt: made.log.expiresAt }
  }

  async inbox(): Promise<InboxItem[]> {
    const client = this.#required()
    return (await client.inbox()).map((view) => {
      if (this.trust === undefined) return { view, from: undefined, checked: false }
      const sender = checkDeposit(view, this.trust, client.vaultId)
      return { view, from: sender.name, checked: sender.checked }
    })
  }

  async accept(item: InboxItem): Promise<void> {
    await this.#required().acceptDeposit(item.view, this.#holderTrust())
    // The new record opens now, so home can flag a medicine about to run out straight away.
    await this.records().catch(() => undefined)
  }

  /** What the holder SDK checks keys and records against; refuses to act without a verified list. */
  #holderTrust(): HolderTrust {
    if (this.trust === undefined) throw new HoldallError('TRUST_LIST_INVALID', 'no verified trust list')
    return { trusted: this.trust, fetchMetadata: noOtherOrigins }
  }

  pending = (): Promise<PendingRequest[]> => this.#required().pendingRequests()
  waitForRequest = (ms: number): Promise<PendingRequest[]> => this.#required().waitForRequest(ms)
  approve = (request: PendingRequest, choice: ApproveChoice): Promise<Grant> =>
    this.#required().approve(request, this.#holderTrust(), choice)
  deny = (request: PendingRequest): Promise<void> => this.#required().deny(request)
  allGrants = async (): Promise<CheckedGrant[]> => {
    const client = this.#required()
    const device = { deviceId: client.deviceId, signingPublicKey: client.deviceKeys.signing.publicKey }
    return (await client.grants()).map((grant) =>
      this.trust === undefined
        ? { ...grant, name: grant.client_name, checked: false }
        : checkGrant(grant, this.trust, device),
    )
  }
  grants = async (): Promise<CheckedGrant[]> => (await this.allGrants()).filter((g) => g.status === 'active')
  /** Issue 19: live grants to a listed supporter, with what each covers (shown on every screen). */
  supporterGrants = async (): Promise<
    { grantId: string; name: string; recordTypes: string[]; startsAt: number | undefined }[]
  > => {
    if (!this.online || this.trust === undefined) return []
    return (await this.grants())
      .filter((g) => g.checked && this.trust?.byClientId(g.client_id)?.category === 'supporter')
      .map((g) => ({
        grantId: g.grant_id,
        name: g.name,
        recordTypes: [...new Set(g.authorization_details.flatMap((d) => d.record_types))],
        // Still in its cooling-off (host time): the notice says when it starts.
        startsAt: g.starts_at !== undefined && g.starts_at > this.now() ? g.starts_at : undefined,
      }))
  }
  revoke = (grantId: string): Promise<Grant> => this.#required().revoke(grantId)
  log = (): Promise<AccessLogEntry[]> => this.#required().log()

  /**
   * Checks the vault's verifiable log against what this phone verified before (spec 8.6). An
   * alarm (the host showed a history that contradicts the one this phone checked) is kept, sealed,
   * with both signed checkpoints, and returned on every later check. Undefined: all is well, or
   * the check could not run (no network); it never clears an alarm.
   */
  async checkLog(): Promise<LogAlarm | undefined> {
    const client = this.#required()
    try {
      const synced = await client.vaultLog.sync()
      // Only entries the sync verified against the signed root are kept.
      await this.#keepLogEvents(keyTransparency(synced.entries))
    } catch (error) {
      if (!isHoldallLogError(error)) return undefined
    }
    const kept = (await client.vaultLog.store.load())?.alarm
    if (kept !== undefined) return kept
    try {
      // This phone's checkpoint against the holder's other phones', through the vault (spec 8.6.1):
      // a host showing two phones two histories raises the same sealed alarm, read below. A failed
      // exchange (no network, a host that withholds) only means the phones were not compared.
      const exchange = await client.exchangeLogCheckpoints()
      // Its own publication is a new entry: the phone verifies the log up to it before it rests.
      if (exchange.published !== undefined) await client.vaultLog.sync()
    } catch {}
    return (await client.vaultLog.store.load())?.alarm
  }

  async #loadLogEvents(): Promise<VerifiedLogEvent[]> {
    try {
      const saved = (await this.store.loadLogEvents()) as { vaultId?: string; events?: VerifiedLogEvent[] } | undefined
      return saved?.vaultId === this.store.vault.vaultId ? (saved.events ?? []) : []
    } catch {
      // Sealed for an older vault on this phone (another PIN key): not this vault's.
      return []
    }
  }

  async #keepLogEvents(fresh: readonly VerifiedLogEvent[]): Promise<void> {
    if (fresh.length === 0) return
    const kept = await this.#loadLogEvents()
    const seen = new Set(kept.map((e) => e.index))
    const events = [...kept, ...fresh.filter((e) => !seen.has(e.index))].sort((a, b) => a.index - b.index)
    await this.store.saveLogEvents({ vaultId: this.store.vault.vaultId, events })
  }

  /**
   * The device changes and grants this phone verified in the vault's log, newest first (read
   * after `checkLog`). Names come from the receipt this phone signed and the trust list it
   * checked, never from the host; nothing the host's access log says changes them.
   */
  async verifiedLogEvents(): Promise<ShownLogEvent[]> {
    const self = this.store.vault.device
    const deviceId = this.client?.deviceId
    const events = await this.#loadLogEvents()
    // Device changes, and receipts other devices of the vault signed, are checked against the
    // holder-signed device chain (verified from its root); never a key the host lists.
    const chain = events.length > 0 ? await this.client?.deviceChain().catch(() => undefined) : undefined
    const signers = [
      ...(deviceId === undefined ? [] : [{ deviceId, signingPublicKey: self.signing.publicKey }]),
      ...(chain?.entries ?? [])
        .filter((c) => c.operation === 'add')
        .map((c) => ({
          deviceId: base64urlEncode(keyThumbprint(c.subjectSigningKey, 'Ed25519')),
          signingPublicKey: c.subjectSigningKey,
        })),
    ]
    const findings = new Map(
      recoveryFindings(
        events.flatMap((e) =>
          e.type === 'recovery' ? [{ index: e.index, entry: decodeLogEntry(base64urlDecode(e.entry)) }] : [],
        ),
        chain,
      ).map((f) => [f.index, f]),
    )
    const receipts = new Map<string, string>(
      events.flatMap((e): [string, string][] =>
        e.type === 'grant_approved' && e.grantId !== undefined ? [[e.grantId, e.receipt]] : [],
      ),
    )
    const named = (receipt: string | undefined): CheckedReceipt | undefined => {
      const trust = this.trust
      if (trust === undefined || receipt === undefined) return undefined
      let grantee: CheckedReceipt | undefined
      for (const signer of signers) grantee ??= checkReceipt(receipt, trust, signer)
      return grantee
    }
    return events
      .map((e): ShownLogEvent => {
        if (e.type === 'recovery') {
          const finding = findings.get(e.index)
          if (finding !== undefined) return { index: e.index, at: e.at, type: 'recovery', finding }
        }
        // A stop names the service from the receipt of the same grant, checked as the grant's own line is.
        if (e.type === 'grant_revoked')
          return { index: e.index, at: e.at, type: e.type, grantee: named(receipts.get(e.grantId)) }
        if (e.type === 'device_added' || e.type === 'device_removed') {
          const inChain =
            chain !== undefined &&
            deviceLogEntryInChain(
              {
                type: e.type,
                deviceKeyId: base64urlDecode(e.deviceKeyId),
                deviceListLink: base64urlDecode(e.deviceListLink),
              },
              chain,
            )
          return { index: e.index, at: e.at, type: e.type, thisPhone: e.deviceKeyId === deviceId, inChain }
        }
        return {
          index: e.index,
          at: e.at,
          type: 'grant_approved',
          grantee: named(e.type === 'grant_approved' ? e.receipt : undefined),
        }
      })
      .reverse()
  }
  /** The code to show, with this host's number from the pinned trust list (spec 11.3) when it is listed. */
  pairingCode = (): Promise<PairingDisplay> =>
    this.#required().createPairingCode(this.trust === undefined ? {} : { trusted: this.trust })

  /**
   * Whether the requester is who it says, by the wallet's own check: listed on the trust list this
   * app pinned, with the same signing key. The host's `verified` flag is not taken on trust.
   */
  checkRequester(request: PendingRequest): { verified: boolean; category: string; name: string } {
    const who =
      this.trust === undefined ? { name: request.client_name, checked: false } : checkRequester(request, this.trust)
    const listed = who.checked ? this.trust?.byClientId(request.client_id) : undefined
    return { verified: who.checked, category: listed?.category ?? request.category, name: who.name }
  }

  /** Who a log entry names, and whether this app checked that name against its trust list. */
  logActor(entry: AccessLogEntry, grants: readonly Grant[]): CheckedName | undefined {
    if (this.trust === undefined) {
      const clientId = typeof entry.details.client_id === 'string' ? entry.details.client_id : entry.actor
      const name = grants.find((g) => g.client_id === clientId)?.client_name
      return name === undefined ? undefined : { name, checked: false }
    }
    return checkLogActor(entry, this.trust, grants)
  }
}
