import {
  type ApproveChoice,
  type CheckedName,
  checkDeposit,
  checkGrant,
  checkLogActor,
  checkRequester,
  HoldallError,
  HolderClient,
  type HolderTrust,
  type TrustedOrganisations,
  verifyTrustList,
} from '@holdall/client'
import { base64urlDecode, base64urlEncode, fromPublicJwk, parseManifest } from '@holdall/crypto'
import type { AccessLogEntry, Grant, PendingRequest, RecordPayload, RecordVersionView } from '@holdall/protocol'
import { createStore, type UnlockedStore, type UnlockResult, unlockStore } from './key-store.js'

/** What the wallet keeps of an opened record, sealed in the local store for offline reading. */
export interface SavedRecord {
  readonly recordId: string
  readonly recordType: string
  readonly title: string | undefined
  readonly from: string | undefined
  readonly signedAt: number
  readonly payload: RecordPayload
}

export interface InboxItem {
  readonly view: RecordVersionView
  readonly from: string | undefined
  /** The sender is listed, signed this record and may issue its type: checked by this app. */
  readonly checked: boolean
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

async function loadTrust(origin: string): Promise<TrustedOrganisations | undefined> {
  if (HOLDALL_TRUST_ANCHOR === null) return undefined
  try {
    const response = await fetch(`${origin}/trust-list`)
    if (!response.ok) return undefined
    return verifyTrustList((await response.text()).trim(), fromPublicJwk(HOLDALL_TRUST_ANCHOR, 'Ed25519'))
  } catch {
    return undefined
  }
}

/**
 * One unlocked wallet: the holder SDK (online) or only the sealed local copies (offline). Locking
 * drops this object; nothing it holds outlives it.
 */
export class WalletSession {
  private constructor(
    readonly store: UnlockedStore,
    readonly client: HolderClient | undefined,
    readonly trust: TrustedOrganisations | undefined,
  ) {}

  get online(): boolean {
    return this.client !== undefined
  }

  static async create(pin: string, origin: string): Promise<WalletSession> {
    const client = await HolderClient.createVault(origin)
    const store = await createStore(pin, { vaultId: client.vaultId, device: client.deviceKeys })
    return new WalletSession(store, client, await loadTrust(origin))
  }

  /** A session, or why not. Without a network the session is offline (reading only). */
  static async unlock(pin: string, origin: string): Promise<WalletSession | Exclude<UnlockResult, { kind: 'open' }>> {
    const result = await unlockStore(pin)
    if (result.kind !== 'open') return result
    const store = result.store
    let client: HolderClient | undefined
    try {
      client = await HolderClient.open(origin, store.vault.device, store.vault.vaultId)
    } catch (error) {
      if (!(error instanceof TypeError)) throw error
      client = undefined
    }
    return new WalletSession(store, client, client === undefined ? undefined : await loadTrust(origin))
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

  /** Opens every record (online) and keeps sealed copies; offline, reads the copies. */
  async records(): Promise<SavedRecord[]> {
    if (this.client === undefined) return ((await this.store.loadRecords()) as SavedRecord[] | undefined) ?? []
    const saved: SavedRecord[] = []
    for (const view of await this.client.listRecords()) {
      const author = this.#author(view)
      if (author.key === undefined) continue
      const opened = await this.client.readRecord(view, author.key)
      saved.push({
        recordId: view.record_id,
        recordType: view.record_type,
        title: opened.title,
        from: author.name,
        signedAt: opened.signedAt.getTime(),
        payload: opened.payload,
      })
    }
    await this.store.saveRecords(saved)
    return saved
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
  revoke = (grantId: string): Promise<Grant> => this.#required().revoke(grantId)
  log = (): Promise<AccessLogEntry[]> => this.#required().log()
  pairingCode = () => this.#required().createPairingCode()

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
