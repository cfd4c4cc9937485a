import {
  type ApproveChoice,
  HolderClient,
  type PairingDisplay,
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
  readonly issuerKey: Uint8Array | undefined
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
    const store = await createStore(pin, {
      vaultId: client.vaultId,
      device: client.deviceKeys,
      rootFingerprint: client.rootFingerprint,
    })
    return new WalletSession(store, client, await loadTrust(origin))
  }

  /** A session, or why not. Without a network the session is offline (reading only). */
  static async unlock(pin: string, origin: string): Promise<WalletSession | Exclude<UnlockResult, { kind: 'open' }>> {
    const result = await unlockStore(pin)
    if (result.kind !== 'open') return result
    const store = result.store
    let client: HolderClient | undefined
    try {
      const { rootFingerprint } = store.vault
      client = await HolderClient.open(
        origin,
        store.vault.device,
        store.vault.vaultId,
        fetch,
        rootFingerprint === undefined ? {} : { rootFingerprint },
      )
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
    return (await this.#required().inbox()).map((view) => {
      const author = this.#author(view)
      return { view, from: author.name, issuerKey: author.key }
    })
  }

  async accept(item: InboxItem): Promise<void> {
    if (item.issuerKey === undefined) throw new Error('unknown sender')
    await this.#required().acceptDeposit(item.view, item.issuerKey)
  }

  pending = (): Promise<PendingRequest[]> => this.#required().pendingRequests()
  waitForRequest = (ms: number): Promise<PendingRequest[]> => this.#required().waitForRequest(ms)
  approve = (request: PendingRequest, choice: ApproveChoice): Promise<Grant> =>
    this.#required().approve(request, choice)
  deny = (request: PendingRequest): Promise<void> => this.#required().deny(request)
  allGrants = (): Promise<Grant[]> => this.#required().grants()
  grants = async (): Promise<Grant[]> => (await this.allGrants()).filter((g) => g.status === 'active')
  revoke = (grantId: string): Promise<Grant> => this.#required().revoke(grantId)
  log = (): Promise<AccessLogEntry[]> => this.#required().log()
  pairingCode = (): Promise<PairingDisplay> => this.#required().createPairingCode()

  /**
   * Whether the requester is who it says, by the wallet's own check: listed on the trust list this
   * app pinned, with the same signing key. The host's `verified` flag is not taken on trust.
   */
  checkRequester(request: PendingRequest): { verified: boolean; category: string } {
    const listed = this.trust?.byClientId(request.client_id)
    if (listed === undefined || listed.signing_key_id !== request.signing_key_id)
      return { verified: false, category: request.category }
    return { verified: true, category: listed.category }
  }

  /** A display name for an organisation id seen in the log. */
  nameOf(clientId: string, grants: readonly Grant[]): string | undefined {
    return this.trust?.byClientId(clientId)?.name ?? grants.find((g) => g.client_id === clientId)?.client_name
  }
}
