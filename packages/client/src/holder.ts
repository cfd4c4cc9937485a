import {
  base64urlDecode,
  base64urlEncode,
  createDeviceChainGenesis,
  createVaultKeyring,
  type DeviceKeys,
  deriveInboxKeyPair,
  deriveRecoveryMember,
  fromPublicJwk,
  generateDataKey,
  generateDeviceKeys,
  generateId,
  generateVaultRootKey,
  keyThumbprint,
  nextDeviceChainEntry,
  randomBytes,
  sha256Bytes,
  signCompactJws,
  signDeviceWrapStatement,
  signInboxKeyStatement,
  toPublicJwk,
  unwrapAsDevice,
  unwrapFromEpoch,
  unwrapFromInbox,
  type VaultKeyring,
  type VerifiedDeviceChain,
  verifyDeviceWrapStatement,
  wrapToDevice,
  wrapToEpoch,
  wrapToGrantee,
} from '@holdall/crypto'
import {
  type AccessLogEntry,
  type AuthorizationDetail,
  formatPairingQr,
  formatTypedPairingCode,
  type Grant,
  mayIssue,
  mayReceive,
  outsideTemplate,
  type PendingRequest,
  type RecordPayload,
  type RecordType,
  type RecordVersionView,
  type RotationPlan,
  type Vault,
  type VaultRecovery,
} from '@holdall/protocol'
import { type CheckedErasure, eraseVault, fetchErasureReceipt } from './erasure.js'
import { HoldallError } from './errors.js'
import { hostNumberOf } from './federation.js'
import { publishHandle } from './handles.js'
import {
  chainMember,
  checkHolderChain,
  formatSafetyCode,
  type HolderPinStore,
  MemoryHolderPinStore,
  pinOf,
} from './holder-chain.js'
import { HolderLog, type HolderLogOptions } from './holder-log.js'
import {
  abortMove,
  adoptMovedLog,
  MemoryMoveStore,
  type MoveOptions,
  type MoveSource,
  type MoveStore,
  runMove,
} from './holder-move.js'
import type { HostClock } from './host-clock.js'
import { HostConnection } from './http.js'
import { exchangeLogCheckpoints, type LogExchange } from './log-gossip.js'
import { checkVaultMoved, isVaultMoved, VaultMovedError } from './moved-vault.js'
import { type MadeOfflineShare, makeOfflineShare, type OfflineRecordCopy, offlineRecordCopy } from './offline.js'
import {
  manifestAuthorKeyId,
  type OpenedFileRecord,
  type OpenedRecord,
  openFileRecord,
  openRecord,
  sealRecord,
  signedSupersedes,
  verifySignedType,
  verifySignedTypeAsync,
} from './records.js'
import { buildRecoverySetup, buildRotation, type RecoveryKit } from './rotation.js'
import { bindServiceKey, type HolderTrust } from './service-binding.js'
import type { TrustedOrganisation, TrustedOrganisations } from './trust-list.js'

/** How many grant wraps an approval makes at once (holder.approve). */
const WRAP_BATCH = 64

/** Options of a holder device: where it pins its vault's device chain root and head. */
export interface HolderOptions extends HolderLogOptions {
  readonly pins?: HolderPinStore
  /**
   * The vault's root fingerprint (base64url) as this device stored it. Without it (and with no
   * pin), reopening trusts the host's chain on first use, checking only that this device is in it.
   */
  readonly rootFingerprint?: string
}

/** What the holder shows at a desk: the code, and the root of the vault's device chain. */
export interface PairingDisplay {
  readonly code: string
  readonly expires_at: number
  /** base64url of the root fingerprint (spec 3.8.1). */
  readonly rootFingerprint: string
  /** Four groups of four symbols, for a person to read out, type or compare. */
  readonly safetyCode: string
  /** The text of the QR code: code, root fingerprint and host number (spec 5.8, 11.3). */
  readonly qr: string
  /** This host's number in the trust list's host registry, if the wallet gave its list and it is listed. */
  readonly hostNumber?: number | undefined
  /** The code as a person types it, with the host number: "2-ABCD 2345" (spec 11.3). */
  readonly typedCode: string
}

export interface ApproveChoice {
  /** Share fewer record types than asked for. */
  readonly recordTypes?: readonly RecordType[]
  /** Share for fewer days than asked for. */
  readonly durationDays?: number
  /**
   * Issue 19: start only after this many seconds (host time), a cooling-off for a recipient that is
   * not a care or justice service (spec 10.8); the holder can stop the grant before it starts.
   */
  readonly coolingOffSeconds?: number
}

/**
 * The holder's side: one device of one vault. Keys never leave this object unwrapped; a wallet
 * keeps `deviceKeys` in the platform key store behind the local PIN.
 */
export class HolderClient {
  readonly #host: HostConnection
  readonly #device: DeviceKeys
  #keyring: VaultKeyring
  readonly deviceId: string
  readonly #pins: HolderPinStore
  #chain: VerifiedDeviceChain | undefined
  #accessToken: string | undefined
  readonly #logOptions: HolderLogOptions
  readonly #fetch: typeof fetch
  /** The vault's verifiable log as this device follows it (spec 8.6): `vaultLog.sync()` on every sync. */
  readonly vaultLog: HolderLog

  private constructor(
    baseUrl: string,
    device: DeviceKeys,
    keyring: VaultKeyring,
    fetchImpl: typeof fetch,
    clock?: HostClock,
    pins: HolderPinStore = new MemoryHolderPinStore(),
    logOptions: HolderLogOptions = {},
  ) {
    this.#host = new HostConnection(baseUrl, device.signing, fetchImpl, clock)
    this.#fetch = fetchImpl
    this.#device = device
    this.#keyring = keyring
    this.#pins = pins
    this.deviceId = base64urlEncode(keyThumbprint(device.signing.publicKey, 'Ed25519'))
    this.#logOptions = logOptions
    this.vaultLog = new HolderLog(this.#host, base64urlEncode(keyring.vaultId), () => this.#token(), logOptions)
  }

  /** The root fingerprint of this vault's device chain (base64url): what pairing codes carry. */
  get rootFingerprint(): string {
    if (this.#chain === undefined) throw new HoldallError('DEVICE_CHAIN_INVALID', 'the device chain is not loaded')
    return base64urlEncode(this.#chain.root)
  }

  /** The host this device acts on (its public URL). */
  get hostUrl(): string {
    return this.#host.baseUrl
  }

  get vaultId(): string {
    return base64urlEncode(this.#keyring.vaultId)
  }

  get deviceKeys(): DeviceKeys {
    return this.#device
  }

  /** Makes device keys and a vault root key on this device, and creates the vault on the host. */
  static async createVault(
    baseUrl: string,
    fetchImpl: typeof fetch = fetch,
    options: HolderOptions = {},
  ): Promise<HolderClient> {
    const device = generateDeviceKeys()
    const keyring = createVaultKeyring(generateId(), generateVaultRootKey(), 0)
    const client = new HolderClient(baseUrl, device, keyring, fetchImpl, undefined, options.pins, options)
    const inbox = deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, 0)
    await client.#host.learnHostTime()
    // Entry 0 of the device chain: this device adds itself. Its hash is the vault's root.
    const genesis = createDeviceChainGenesis(keyring.vaultId, {
      signingSecretKey: device.signing.secretKey,
      agreementPublicKey: device.agreement.publicKey,
    })
    const root = base64urlEncode(
      (
        await checkHolderChain({
          vaultId: client.vaultId,
          entries: [base64urlEncode(genesis)],
          pins: client.#pins,
          trustOnFirstUse: true,
        })
      ).root,
    )
    // This device follows the vault's log from its first entry, taking no checkpoint on trust.
    await client.vaultLog.beginEmpty()
    const created = await client.#host.json<Vault>({
      method: 'POST',
      path: '/vaults',
      json: {
        vault_id: client.vaultId,
        device: {
          signing: toPublicJwk(device.signing.publicKey, 'Ed25519'),
          agreement: toPublicJwk(device.agreement.publicKey, 'X25519'),
        },
        vrk_wrap: base64urlEncode(
          await wrapToDevice(keyring.vaultRootKey, device.agreement.publicKey, { vaultId: keyring.vaultId, epoch: 0 }),
        ),
        inbox_key: toPublicJwk(inbox.publicKey, 'X25519'),
        inbox_statement: base64urlEncode(
          signInboxKeyStatement(
            { vaultId: keyring.vaultId, epoch: 0, inboxPublicKey: inbox.publicKey },
            device.signing.secretKey,
          ),
        ),
        device_chain_entry: base64urlEncode(genesis),
      },
    })
    client.#chain = await client.#checkChain(created.device_chain, { rootFingerprint: root })
    await client.login()
    return client
  }

  /**
   * Joins a vault on a new device that an existing device enrolled. `enrollerKeyId` is the
   * existing device's key id, compared in person (shown as a QR code on its screen): the VRK is
   * used only if that device signed the wrap (spec 3.8), never on the host's word alone. With
   * `options.rootFingerprint` (the vault's chain root, from the enrolling phone's screen) the
   * enroller may be left out: any member of the pinned chain is one of the holder's devices.
   */
  static async joinVault(
    baseUrl: string,
    device: DeviceKeys,
    vaultId: string,
    enrollerKeyId: string | undefined,
    fetchImpl: typeof fetch = fetch,
    options: HolderOptions = {},
  ): Promise<HolderClient> {
    const { probe, vault } = await HolderClient.#signIn(baseUrl, device, vaultId, fetchImpl, options)
    if (vault.enrolled_by === undefined || vault.wrap_statement === undefined)
      throw new Error('this device was not enrolled by another device')
    const enroller = fromPublicJwk(vault.enrolled_by.signing_key, 'Ed25519')
    // Without an enroller id, the pinned root stands in: every member of that chain is the holder's.
    if (enrollerKeyId === undefined && options.rootFingerprint === undefined)
      throw new Error('name the enrolling device or pin the vault chain root')
    if (enrollerKeyId !== undefined && base64urlEncode(keyThumbprint(enroller, 'Ed25519')) !== enrollerKeyId)
      throw new Error('enrolled by a device you did not expect')
    const enrollerId = base64urlEncode(keyThumbprint(enroller, 'Ed25519'))
    // The enroller must be in the vault's device chain, and must have chained this device in.
    const chain = await probe.#checkChain(vault.device_chain, options)
    const self = chainMember(chain, probe.deviceId)
    if (chainMember(chain, enrollerId) === undefined || self === undefined)
      throw new HoldallError('DEVICE_NOT_MEMBER', 'this device or its enroller is not in the vault device chain')
    const statement = {
      vaultId: base64urlDecode(vaultId),
      epoch: vault.key_epoch,
      recipientDeviceKeyId: keyThumbprint(device.signing.publicKey, 'Ed25519'),
      wrap: base64urlDecode(vault.vrk_wrap),
    }
    verifyDeviceWrapStatement(statement, base64urlDecode(vault.wrap_statement), enroller)
    const vrk = await unwrapAsDevice(statement.wrap, device.agreement.secretKey, {
      vaultId: statement.vaultId,
      epoch: vault.key_epoch,
    })
    const client = new HolderClient(
      baseUrl,
      device,
      createVaultKeyring(statement.vaultId, vrk, vault.key_epoch),
      fetchImpl,
      probe.#host.clock,
      probe.#pins,
      probe.#logOptions,
    )
    client.#accessToken = probe.#accessToken
    client.#chain = chain
    return client
  }

  /**
   * Enrols another device of the same holder: wraps the VRK to its agreement key and signs the
   * wrap. Give the new device this device's `deviceId` in person, for `joinVault`.
   */
  async enrolDevice(newDevice: { signing: Uint8Array; agreement: Uint8Array }): Promise<void> {
    const wrap = await wrapToDevice(this.#keyring.vaultRootKey, newDevice.agreement, {
      vaultId: this.#keyring.vaultId,
      epoch: this.#keyring.epoch,
    })
    const statement = signDeviceWrapStatement(
      {
        vaultId: this.#keyring.vaultId,
        epoch: this.#keyring.epoch,
        recipientDeviceKeyId: keyThumbprint(newDevice.signing, 'Ed25519'),
        wrap,
      },
      this.#device.signing.secretKey,
    )
    // The addition goes into the device chain, signed by this device, after the head it verified.
    const chain = await this.deviceChain()
    const entry = nextDeviceChainEntry(
      chain,
      { operation: 'add', subjectSigningKey: newDevice.signing, subjectAgreementKey: newDevice.agreement },
      this.#device.signing.secretKey,
    )
    await this.#call('POST', `/vaults/${this.vaultId}/devices`, {
      device: {
        signing: toPublicJwk(newDevice.signing, 'Ed25519'),
        agreement: toPublicJwk(newDevice.agreement, 'X25519'),
      },
      vrk_wrap: base64urlEncode(wrap),
      wrap_statement: base64urlEncode(statement),
      device_chain_entry: base64urlEncode(entry),
    })
    await this.deviceChain()
  }

  /**
   * The vault's device chain, fetched from the host and verified against this device's pinned
   * root and head; this device must be a member of it.
   */
  async deviceChain(): Promise<VerifiedDeviceChain> {
    const vault = await this.#get<Vault>(`/vaults/${this.vaultId}`)
    this.#chain = await this.#checkChain(vault.device_chain, {})
    return this.#chain
  }

  async #checkChain(entries: readonly string[], options: HolderOptions): Promise<VerifiedDeviceChain> {
    const chain = await checkHolderChain({
      vaultId: this.vaultId,
      entries,
      pins: this.#pins,
      firstContact: options.rootFingerprint === undefined ? undefined : { rootFingerprint: options.rootFingerprint },
      trustOnFirstUse: true,
    })
    if (chainMember(chain, this.deviceId) === undefined)
      throw new HoldallError('DEVICE_NOT_MEMBER', 'this device is not in the vault device chain')
    await this.#pins.set(this.vaultId, pinOf(chain))
    return chain
  }

  /** Logs a device in before it holds the VRK, and reads its view of the vault. */
  static async #signIn(
    baseUrl: string,
    device: DeviceKeys,
    vaultId: string,
    fetchImpl: typeof fetch,
    options: HolderOptions,
  ) {
    const probe = new HolderClient(
      baseUrl,
      device,
      createVaultKeyring(base64urlDecode(vaultId), new Uint8Array(32), 0),
      fetchImpl,
      undefined,
      options.pins,
      options,
    )
    await probe.login()
    try {
      return { probe, vault: await probe.#get<Vault>(`/vaults/${vaultId}`) }
    } catch (error) {
      // The vault left this host: say where, once the holder's own signature checks ([MIG-REDIR-02]).
      if (!isVaultMoved(error)) throw error
      const moved = await checkVaultMoved(error, { answeredBy: baseUrl, pins: probe.#pins, vaultId })
      throw new VaultMovedError(moved.to)
    }
  }

  /** Reopens a vault on a device that already holds its keys (after an app restart). */
  static async open(
    baseUrl: string,
    device: DeviceKeys,
    vaultId: string,
    fetchImpl: typeof fetch = fetch,
    options: HolderOptions = {},
  ): Promise<HolderClient> {
    const { probe, vault } = await HolderClient.#signIn(baseUrl, device, vaultId, fetchImpl, options)
    const chain = await probe.#checkChain(vault.device_chain, options)
    const vrk = await unwrapAsDevice(base64urlDecode(vault.vrk_wrap), device.agreement.secretKey, {
      vaultId: base64urlDecode(vaultId),
      epoch: vault.key_epoch,
    })
    const client = new HolderClient(
      baseUrl,
      device,
      createVaultKeyring(base64urlDecode(vaultId), vrk, vault.key_epoch),
      fetchImpl,
      probe.#host.clock,
      probe.#pins,
      probe.#logOptions,
    )
    client.#accessToken = probe.#accessToken
    client.#chain = chain
    return client
  }

  /**
   * The host's time as this client knows it (milliseconds): the device's clock corrected by the
   * host's answers. A wallet counts days with it rather than trust the phone's clock.
   */
  hostNow(): number {
    return this.#host.clock.now()
  }

  /** Whether `hostNow()` has been corrected by an answer from the host (false: it is the device's clock). */
  get hostTimeKnown(): boolean {
    return this.#host.clock.known
  }

  /** Logs in with this device's key (RFC 7523 assertion + DPoP by the same key). */
  async login(): Promise<void> {
    // Every time sent is the host's: a phone hours out must still sign in (host-clock.ts).
    await this.#host.learnHostTime()
    const offsetBefore = this.#host.clock.offsetMs
    try {
      this.#accessToken = await this.#requestToken()
    } catch (error) {
      // The phone's clock changed since the host last answered: sign the assertion again, once.
      if (Math.abs(this.#host.clock.offsetMs - offsetBefore) <= 2000) throw error
      this.#accessToken = await this.#requestToken()
    }
  }

  async #requestToken(): Promise<string> {
    const now = Math.floor(this.#host.clock.now() / 1000)
    const assertion = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA' },
      {
        iss: this.deviceId,
        sub: this.vaultId,
        aud: `${this.#host.baseUrl}/oauth/token`,
        iat: now,
        exp: now + 120,
        jti: base64urlEncode(randomBytes(16)),
      },
      this.#device.signing.secretKey,
    )
    const tokens = await this.#host.json<{ access_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
    })
    return tokens.access_token
  }

  /** Stores a record the holder writes themselves (or a supporter helps them write). */
  async putRecord(recordType: RecordType, payload: RecordPayload, title: string): Promise<RecordVersionView> {
    return this.#writeVersion(recordType, base64urlEncode(generateId()), 1, payload, title, undefined)
  }

  /** Writes the next version of a record: a fresh data key, linked to the previous manifest. */
  async updateRecord(previous: RecordVersionView, payload: RecordPayload, title: string): Promise<RecordVersionView> {
    return this.#writeVersion(
      previous.record_type,
      previous.record_id,
      previous.version + 1,
      payload,
      title,
      previous.manifest,
    )
  }

  async #writeVersion(
    recordType: RecordType,
    recordId: string,
    version: number,
    payload: RecordPayload,
    title: string,
    previousManifest: string | undefined,
  ): Promise<RecordVersionView> {
    const dek = generateDataKey()
    const { sealed, manifest } = sealRecord({
      recordType,
      dek,
      vaultId: this.vaultId,
      recordId,
      version,
      keyEpoch: this.#keyring.epoch,
      payload,
      title,
      authorSecretKey: this.#device.signing.secretKey,
      authorPublicKey: this.#device.signing.publicKey,
      ...(previousManifest === undefined ? {} : { previousManifest }),
    })
    const sha = base64urlEncode(sealed.ciphertextSha256)
    await this.#send('PUT', `/vaults/${this.vaultId}/blobs/${sha}`, { body: sealed.ciphertext })
    return this.#call<RecordVersionView>('PUT', `/vaults/${this.vaultId}/records/${recordId}/versions/${version}`, {
      record_type: recordType,
      key_epoch: this.#keyring.epoch,
      ciphertext_sha256: sha,
      ciphertext_length: sealed.ciphertextLength,
      manifest,
      owner_wrap: base64urlEncode(this.#wrapOwn(dek, recordId, version)),
    })
  }

  async listRecords(): Promise<RecordVersionView[]> {
    return (await this.#get<{ records: RecordVersionView[] }>(`/vaults/${this.vaultId}/records`)).records
  }

  /** Opens one of the vault's records; `authorPublicKey` defaults to the device of this vault that wrote it. */
  async readRecord(view: RecordVersionView, authorPublicKey?: Uint8Array): Promise<OpenedRecord> {
    const author = authorPublicKey ?? this.#ownAuthorKey(manifestAuthorKeyId(view))
    const ciphertext = await this.#host.bytes({
      method: 'GET',
      path: `/vaults/${this.vaultId}/blobs/${view.ciphertext_sha256}`,
      accessToken: await this.#token(),
    })
    return openRecord(view, ciphertext, this.#ownDek(view), author)
  }

  /**
   * The key of a device of this vault that wrote a record: this one, or one the verified device
   * chain added at some time (a phone since removed or lost: its records stay readable here).
   */
  #ownAuthorKey(keyId: string): Uint8Array {
    for (const entry of this.#chain?.entries ?? []) {
      if (entry.operation === 'add' && base64urlEncode(keyThumbprint(entry.subjectSigningKey, 'Ed25519')) === keyId)
        return entry.subjectSigningKey
    }
    return this.#device.signing.publicKey
  }

  /**
   * While online: the copy of one record this phone keeps to show it with no network (spec 10.4):
   * the envelope and manifest as the issuer made them, and the record's data key. The wallet keeps
   * it encrypted at rest beside its other keys; `syncedAt` is the host's time now.
   */
  async offlineCopy(view: RecordVersionView): Promise<OfflineRecordCopy> {
    const envelope = await this.#host.bytes({
      method: 'GET',
      path: `/vaults/${this.vaultId}/blobs/${view.ciphertext_sha256}`,
      accessToken: await this.#token(),
    })
    return offlineRecordCopy(view, envelope, this.#ownDek(view), this.#host.clock.now())
  }

  /**
   * Offline: a QR code's text for one record, signed by this device, valid for `lifetimeMs`
   * (5 minutes by default) and one viewing. Its times are this device's estimate of the host's
   * clock when it has seen the host (spec 10.5), else its own clock, flagged as such.
   */
  offlineShare(copy: OfflineRecordCopy, options: { lifetimeMs?: number; assistedBy?: string } = {}): MadeOfflineShare {
    const clock = this.#host.clock
    return makeOfflineShare({
      copy,
      deviceSigningSecretKey: this.#device.signing.secretKey,
      time: { now: () => clock.now(), hostTime: clock.known },
      ...options,
    })
  }

  async inbox(): Promise<RecordVersionView[]> {
    return (await this.#get<{ records: RecordVersionView[] }>(`/vaults/${this.vaultId}/inbox`)).records
  }

  /**
   * Accepts a deposit: finds its author on the pinned trust list, checks the author's category
   * may issue the type it signed ([ISS-02]), checks the signature and the signed type, opens it
   * to be sure it is readable, and re-wraps its key under the vault's own epoch key.
   */
  async acceptDeposit(
    view: RecordVersionView,
    trust: Pick<HolderTrust, 'trusted'>,
  ): Promise<OpenedRecord & { issuer: TrustedOrganisation }> {
    const { issuer, dek, ciphertext } = await this.#openDeposit(view, trust)
    const opened = openRecord(view, ciphertext, dek, issuer.publicKey)
    // [SUP-VER-02]: the record this one replaces comes from the signed payload, never the host.
    await this.#accept(view, dek, signedSupersedes(opened.payload))
    return { ...opened, issuer }
  }

  /**
   * Accepts a deposit kept as a file (spec 4.2.1, a health letter): the same checks as
   * `acceptDeposit`, and the file's own ([REC-TYPE-04]) before it is accepted.
   */
  async acceptFileDeposit(
    view: RecordVersionView,
    trust: Pick<HolderTrust, 'trusted'>,
  ): Promise<OpenedFileRecord & { issuer: TrustedOrganisation }> {
    const { issuer, dek, ciphertext } = await this.#openDeposit(view, trust)
    const opened = openFileRecord(view, ciphertext, dek, issuer.publicKey)
    await this.#accept(view, dek, undefined)
    return { ...opened, issuer }
  }

  /** Opens one of the vault's file records; `authorPublicKey` as for `readRecord`. */
  async readFileRecord(view: RecordVersionView, authorPublicKey?: Uint8Array): Promise<OpenedFileRecord> {
    const author = authorPublicKey ?? this.#ownAuthorKey(manifestAuthorKeyId(view))
    const ciphertext = await this.#host.bytes({
      method: 'GET',
      path: `/vaults/${this.vaultId}/blobs/${view.ciphertext_sha256}`,
      accessToken: await this.#token(),
    })
    return openFileRecord(view, ciphertext, this.#ownDek(view), author)
  }

  async #openDeposit(view: RecordVersionView, trust: Pick<HolderTrust, 'trusted'>) {
    const issuer = trust.trusted.byKeyId(manifestAuthorKeyId(view))
    if (issuer === undefined) throw new HoldallError('ISSUER_NOT_LISTED', 'the deposit is signed by nobody listed')
    const { recordType } = verifySignedType(view, issuer.publicKey, this.vaultId)
    if (!mayIssue(recordType, issuer.category)) {
      throw new HoldallError('ISSUER_NOT_ALLOWED', `a ${issuer.category} may not issue ${recordType} records`)
    }
    const inboxSecret = deriveInboxKeyPair(this.#keyring.vaultRootKey, this.#keyring.vaultId, view.key_epoch).secretKey
    const dek = await unwrapFromInbox(base64urlDecode(view.wrap), inboxSecret, {
      vaultId: this.#keyring.vaultId,
      recordId: base64urlDecode(view.record_id),
      version: view.version,
      epoch: view.key_epoch,
    })
    const ciphertext = await this.#host.bytes({
      method: 'GET',
      path: `/vaults/${this.vaultId}/blobs/${view.ciphertext_sha256}`,
      accessToken: await this.#token(),
    })
    return { issuer, dek, ciphertext }
  }

  async #accept(view: RecordVersionView, dek: Uint8Array, supersedes: string | undefined): Promise<void> {
    await this.#call('POST', `/vaults/${this.vaultId}/inbox/${view.record_id}/accept`, {
      owner_wrap: base64urlEncode(this.#wrapOwn(dek, view.record_id, view.version)),
      ...(supersedes === undefined ? {} : { supersedes }),
    })
  }

  /**
   * A short code to show the person at the desk (single use, 10 minutes), with the vault's root
   * fingerprint from this device's own verified chain: in the QR code in full, and as a safety
   * code to read out or type (spec 5.8). The host only makes the code.
   */
  async createPairingCode(options: { trusted?: TrustedOrganisations } = {}): Promise<PairingDisplay> {
    const made = await this.#call<{ code: string; expires_at: number }>(
      'POST',
      `/vaults/${this.vaultId}/pairing-codes`,
      {},
    )
    const chain = this.#chain ?? (await this.deviceChain())
    const rootFingerprint = base64urlEncode(chain.root)
    // Spec 11.3: this host's number in the operator's registry, from the pinned list, never the host.
    const hostNumber = options.trusted === undefined ? undefined : hostNumberOf(options.trusted, this.#host.baseUrl)
    return {
      code: made.code,
      expires_at: made.expires_at,
      rootFingerprint,
      safetyCode: formatSafetyCode(chain.root),
      qr: formatPairingQr({ code: made.code, rootFingerprint, hostNumber }),
      hostNumber,
      typedCode: formatTypedPairingCode(made.code, hostNumber),
    }
  }

  async pendingRequests(): Promise<PendingRequest[]> {
    return (await this.#get<{ requests: PendingRequest[] }>(`/vaults/${this.vaultId}/requests`)).requests
  }

  /**
   * Resolves when a new request arrives (server-sent events), or after `timeoutMs` with the
   * requests pending then. A wallet learns of a request within a second.
   */
  async waitForRequest(timeoutMs = 30_000): Promise<PendingRequest[]> {
    // Subscribe first, then look: a request that lands in between is not missed.
    const response = await this.#host.send({
      method: 'GET',
      path: `/vaults/${this.vaultId}/events`,
      accessToken: await this.#token(),
    })
    const reader = response.ok ? response.body?.getReader() : undefined
    try {
      const existing = await this.pendingRequests()
      if (existing.length > 0 || reader === undefined) return existing
      const timer = setTimeout(() => void reader.cancel(), timeoutMs)
      try {
        const decoder = new TextDecoder()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += decoder.decode(value, { stream: true })
          if (buffer.includes('event: request')) break
        }
      } finally {
        clearTimeout(timer)
      }
    } catch {
      // The connection dropped: answer with what is pending now.
    } finally {
      void reader?.cancel().catch(() => {})
    }
    return this.pendingRequests()
  }

  /**
   * Approves a request, possibly narrowed: signs a grant receipt with this device's key and wraps
   * the key of each covered record to the requester. The host cannot make a grant without it.
   *
   * Nothing the host says is acted on alone: the requester's agreement key must be tied to the
   * organisation ([TRUST-KEY-02]), and every record's manifest is verified and its signed type
   * checked against the grant before its key is wrapped ([CRY-MAN-08]). Any failed check throws a
   * {@link HoldallError} and nothing is signed, wrapped or sent.
   */
  async approve(request: PendingRequest, trust: HolderTrust, choice: ApproveChoice = {}): Promise<Grant> {
    const service = await bindServiceKey(request, trust)
    const details: AuthorizationDetail[] = request.authorization_details
      .map((d) => ({
        ...d,
        record_types: d.record_types.filter((t) => choice.recordTypes === undefined || choice.recordTypes.includes(t)),
        duration_days: Math.min(d.duration_days, choice.durationDays ?? d.duration_days),
      }))
      .filter((d) => d.record_types.length > 0)
    if (details.length === 0) throw new Error('nothing left to share: refuse the request instead')
    for (const type of details.flatMap((d) => d.record_types)) {
      if (!mayReceive(type, service.category)) {
        throw new HoldallError('RECORD_NOT_FOR_REQUESTER', `${type} records are never shared with ${service.name}`)
      }
    }
    // [TPL-03]: the template of the category the trust list gives the requester (bindServiceKey),
    // never the `category` the host put in the request.
    const outside = outsideTemplate(service.category, details)
    if (outside !== undefined) throw new HoldallError('OUTSIDE_TEMPLATE', outside)
    const grantId = generateId()
    const now = Math.floor(this.#host.clock.now() / 1000)
    const startsAt = now + Math.max(0, Math.floor(choice.coolingOffSeconds ?? 0))
    const agreementKey = service.agreementPublicKey
    const receipt = signCompactJws(
      { typ: 'grant+jwt', alg: 'EdDSA', kid: this.deviceId },
      {
        iss: this.deviceId,
        sub: this.vaultId,
        aud: this.#host.baseUrl,
        jti: base64urlEncode(grantId),
        iat: now,
        ...(startsAt > now ? { nbf: startsAt } : {}),
        exp: startsAt + Math.max(...details.map((d) => d.duration_days)) * 86_400,
        request_id: request.request_id,
        client_id: request.client_id,
        client_signing_key_id: request.signing_key_id,
        client_agreement_key_id: base64urlEncode(keyThumbprint(agreementKey, 'X25519')),
        authorization_details: details,
        binding_message: request.binding_message,
      },
      this.#device.signing.secretKey,
    )
    const readable = new Set(details.filter((d) => d.actions.includes('read')).flatMap((d) => d.record_types))
    // Check every record first, wrap after: a failed check must leave nothing wrapped.
    // [SUP-VER-03]: a replaced record is not shared as current (the host refuses it anyway).
    // The host's label is a hint only: each candidate's signed type is checked below.
    const toShare = (await this.listRecords()).filter(
      (record) => readable.has(record.record_type) && record.superseded_by === undefined,
    )
    // All manifests are verified at once (natively where the platform can), then judged in order.
    const signed = await Promise.allSettled(toShare.map((record) => this.#signedTypeAsync(record, trust)))
    for (const result of signed) {
      if (result.status === 'rejected') throw result.reason
      if (!readable.has(result.value) || !mayReceive(result.value, service.category)) {
        throw new HoldallError('RECORD_TYPE_MISMATCH', 'a record is not the type the host says')
      }
    }
    // Wrapped WRAP_BATCH at a time: each wrap is a few WebCrypto X25519 calls that run on the
    // platform's worker threads, so waiting for each before starting the next left them idle.
    const wraps: { record_id: string; version: number; wrap: string }[] = []
    for (let from = 0; from < toShare.length; from += WRAP_BATCH) {
      const batch = toShare.slice(from, from + WRAP_BATCH).map(async (record) => {
        const wrap = await wrapToGrantee(this.#ownDek(record), agreementKey, {
          grantId,
          vaultId: this.#keyring.vaultId,
          recordId: base64urlDecode(record.record_id),
          version: record.version,
        })
        return { record_id: record.record_id, version: record.version, wrap: base64urlEncode(wrap) }
      })
      wraps.push(...(await Promise.all(batch)))
    }
    return this.#call<Grant>('POST', `/vaults/${this.vaultId}/requests/${request.request_id}/approve`, {
      receipt,
      wraps,
    })
  }

  async deny(request: PendingRequest): Promise<void> {
    await this.#send('POST', `/vaults/${this.vaultId}/requests/${request.request_id}/deny`, { json: {} })
  }

  /**
   * Issue 19: sets the silent duress alert ([DUR-ALERT-02]) for a live supporter grant. Returns the
   * fresh token (base64url) the decoy presents, and the URL it presents it to; the host keeps only
   * the token's SHA-256.
   */
  async setDuressAlert(grantId: string): Promise<{ url: string; token: string }> {
    const token = randomBytes(32)
    await this.#send('PUT', `/vaults/${this.vaultId}/duress-alert`, {
      json: { grant_id: grantId, token_sha256: base64urlEncode(sha256Bytes(token)) },
    })
    return { url: `${this.#host.baseUrl}/duress-alert`, token: base64urlEncode(token) }
  }

  async grants(): Promise<Grant[]> {
    return (await this.#get<{ grants: Grant[] }>(`/vaults/${this.vaultId}/grants`)).grants
  }

  /** Stops sharing at once: the grantee's next request fails and its wraps are deleted. */
  async revoke(grantId: string): Promise<Grant> {
    return this.#call<Grant>('POST', `/vaults/${this.vaultId}/grants/${grantId}/revoke`, {})
  }

  // ---- devices and recovery (spec chapter 9) -------------------------------------------------

  /** The vault's key epoch this device holds keys for. */
  get keyEpoch(): number {
    return this.#keyring.epoch
  }

  /**
   * Sets recovery up at the current epoch: splits the VRK 2-of-3, seals the worker's share to the
   * organisation's pinned key (from the trust list, never the host), gives the host its share, and
   * chains in the recovery member. Returns the kit to print; nothing of it is sent.
   */
  async setUpRecovery(worker: TrustedOrganisation): Promise<RecoveryKit> {
    const chain = await this.deviceChain()
    const { setup, kit, member } = await buildRecoverySetup(this.#keyring, worker, chain.root)
    const entry = nextDeviceChainEntry(
      chain,
      { operation: 'add', subjectSigningKey: member.signingPublicKey, subjectAgreementKey: member.agreementPublicKey },
      this.#device.signing.secretKey,
    )
    await this.#send('PUT', `/vaults/${this.vaultId}/recovery`, {
      json: { setup, device_chain_entry: base64urlEncode(entry) },
    })
    await this.deviceChain()
    return kit
  }

  /**
   * Removes devices (a lost or sold phone) from this one: their removal is chained and signed
   * here, the host refuses their tokens at once, and the vault moves to a new epoch (new VRK,
   * every record key re-wrapped, new recovery shares). Returns the new kit: the old one stops working.
   */
  async removeDevices(deviceIds: readonly string[], worker: TrustedOrganisation): Promise<RecoveryKit> {
    if (deviceIds.includes(this.deviceId)) throw new Error('remove this device from another one')
    const plan = await this.#get<RotationPlan>(`/vaults/${this.vaultId}/rotation`)
    if (plan.key_epoch !== this.#keyring.epoch) throw new Error('this device holds an older epoch: reopen the vault')
    const chain = await this.#checkChain(plan.device_chain, {})
    const { body, keyring, kit } = await buildRotation({
      plan,
      chain,
      keyring: this.#keyring,
      signer: this.#device,
      remove: deviceIds,
      worker,
      audience: this.#host.baseUrl,
      now: this.#host.clock.now(),
    })
    await this.#call<Vault>('POST', `/vaults/${this.vaultId}/rotations`, body)
    this.#keyring = keyring
    await this.deviceChain()
    return kit
  }

  /** Sign out everywhere: every device but this one is removed, and the vault moves to a new epoch. */
  async signOutEverywhere(worker: TrustedOrganisation): Promise<RecoveryKit> {
    // Every other phone in the holder-signed chain, never the host's list (DEV-ROT-05).
    return this.removeDevices(
      (await this.phones()).filter((p) => !p.thisDevice).map((p) => p.deviceId),
      worker,
    )
  }

  /**
   * The holder's phones, from the device chain this device verified against its pinned root (never
   * the host's list of devices): every member but the vault's recovery member, in the order added.
   */
  async phones(): Promise<{ deviceId: string; thisDevice: boolean; addedAt: number }[]> {
    const chain = await this.deviceChain()
    const { vaultId, vaultRootKey, epoch } = this.#keyring
    const member = base64urlEncode(
      keyThumbprint(deriveRecoveryMember(vaultRootKey, vaultId, epoch).signingPublicKey, 'Ed25519'),
    )
    return chain.members
      .map((m) => ({ deviceId: base64urlEncode(m.keyId), addedAt: m.addedAt }))
      .filter((p) => p.deviceId !== member)
      .map((p) => ({ ...p, thisDevice: p.deviceId === this.deviceId }))
  }

  /** Recoveries of this vault, newest first: a waiting one is shown with its date, and can be cancelled. */
  async recoveries(): Promise<VaultRecovery[]> {
    return (await this.#get<{ recoveries: VaultRecovery[] }>(`/vaults/${this.vaultId}/recoveries`)).recoveries
  }

  async cancelRecovery(recoveryId: string): Promise<VaultRecovery> {
    return this.#call<VaultRecovery>('POST', `/vaults/${this.vaultId}/recoveries/${recoveryId}/cancel`, {})
  }

  /**
   * Leaving (spec 13): closes and erases the vault on the host; resolves only with a receipt this
   * device has checked against the vault log (`ERASURE_UNPROVEN` otherwise). Nothing local is deleted.
   */
  async erase(): Promise<CheckedErasure> {
    return eraseVault(this.#host, this.vaultId, this.vaultLog, await this.#token())
  }

  /** The receipt of this vault's erasure, when the answer to `erase()` was lost (checked the same way). */
  async erasureReceipt(): Promise<CheckedErasure> {
    return fetchErasureReceipt(this.#host, this.vaultId, this.vaultLog)
  }

  /**
   * Moves this vault to the host at `to` (spec chapter 12) and returns this device's client there.
   * Every step can be repeated: after a lost network or a killed host, call again with the same
   * `store` and the move carries on ([MIG-STATE-03]). `toLogKeys` pins the new host's log keys
   * (default: its discovery document's, on first use). `handles` names handles this holder
   * published: each is re-pointed to the new host at the host that issued it, a record with a
   * higher seq ([MIG-HANDLE-01]); if that fails, calling again with the same `store` finishes it.
   */
  async moveTo(
    to: string,
    options: MoveOptions & {
      toLogKeys?: readonly string[]
      handles?: { readonly names: readonly string[]; readonly trusted: TrustedOrganisations }
    } = {},
  ): Promise<HolderClient> {
    const store = options.store ?? new MemoryMoveStore()
    const { progress } = await runMove(this.#moveSource(), to, { ...options, store })
    const moved = await HolderClient.open(to, this.#device, this.vaultId, this.#fetch, {
      logStore: this.vaultLog.store,
      ...(options.toLogKeys === undefined ? {} : { logKeys: options.toLogKeys }),
      pins: this.#pins,
    })
    await adoptMovedLog(moved.vaultLog, progress)
    const handles = options.handles
    for (const handle of handles?.names ?? [])
      if (handles !== undefined) await publishHandle(moved, handle, moved.hostUrl, handles.trusted, this.#fetch)
    await store.clear()
    return moved
  }

  /** Rolls back a move that is not committed yet: the vault is live on this host again. */
  async abortMove(store: MoveStore): Promise<void> {
    await abortMove(this.#moveSource(), store)
  }

  #moveSource(): MoveSource {
    return {
      host: this.#host,
      vaultId: this.vaultId,
      deviceSecretKey: this.#device.signing.secretKey,
      dpopKey: this.#device.signing,
      token: () => this.#token(),
      chain: () => this.deviceChain(),
      log: this.vaultLog,
    }
  }

  /**
   * Syncs the vault's log, then exchanges checkpoints with the vault's other devices through the
   * vault (spec 8.6.1): publishes this device's, and checks theirs against it. A split view (the
   * host showing two devices two histories) is thrown as the log alarm, saved on this device.
   */
  async exchangeLogCheckpoints(): Promise<LogExchange> {
    await this.vaultLog.sync()
    return exchangeLogCheckpoints({
      log: this.vaultLog,
      deviceId: this.deviceId,
      chain: await this.deviceChain(),
      list: () => this.listRecords(),
      read: (view, author) => this.readRecord(view, author),
      write: (previous, payload) =>
        previous === undefined
          ? this.putRecord('log_checkpoint', payload, '')
          : this.updateRecord(previous, payload, ''),
    })
  }

  async log(): Promise<AccessLogEntry[]> {
    return (await this.#get<{ entries: AccessLogEntry[] }>(`/vaults/${this.vaultId}/log`)).entries
  }

  /**
   * The record type its author signed: this device, or a listed organisation whose category may
   * issue that type. Anyone else (a key only the host vouches for) is `RECORD_UNVERIFIED`. The
   * manifest is checked on the platform's Ed25519 where it has one (WebCrypto in a browser).
   */
  async #signedTypeAsync(record: RecordVersionView, trust: Pick<HolderTrust, 'trusted'>): Promise<RecordType> {
    const authorKeyId = manifestAuthorKeyId(record)
    if (authorKeyId === this.deviceId) {
      return (await verifySignedTypeAsync(record, this.#device.signing.publicKey, this.vaultId)).recordType
    }
    const issuer = trust.trusted.byKeyId(authorKeyId)
    if (issuer === undefined)
      throw new HoldallError('RECORD_UNVERIFIED', 'a record is signed by nobody this device trusts')
    const { recordType } = await verifySignedTypeAsync(record, issuer.publicKey, this.vaultId)
    if (!mayIssue(recordType, issuer.category)) {
      throw new HoldallError('ISSUER_NOT_ALLOWED', `a ${issuer.category} may not issue ${recordType} records`)
    }
    return recordType
  }

  #wrapOwn(dek: Uint8Array, recordId: string, version: number): Uint8Array {
    return wrapToEpoch(dek, this.#keyring.keyEncryptionKey, {
      vaultId: this.#keyring.vaultId,
      recordId: base64urlDecode(recordId),
      version,
      epoch: this.#keyring.epoch,
    })
  }

  #ownDek(view: RecordVersionView): Uint8Array {
    return unwrapFromEpoch(base64urlDecode(view.wrap), this.#keyring.keyEncryptionKey, {
      vaultId: this.#keyring.vaultId,
      recordId: base64urlDecode(view.record_id),
      version: view.version,
      epoch: view.wrap_epoch ?? this.#keyring.epoch,
    })
  }

  async #token(): Promise<string> {
    if (this.#accessToken === undefined) await this.login()
    return this.#accessToken as string
  }

  async #get<T>(path: string): Promise<T> {
    return this.#host.json<T>({ method: 'GET', path, accessToken: await this.#token() })
  }

  async #call<T>(method: string, path: string, json: unknown): Promise<T> {
    return this.#host.json<T>({ method, path, json, accessToken: await this.#token() })
  }

  async #send(method: string, path: string, options: { body?: Uint8Array; json?: unknown }): Promise<void> {
    await this.#host.json({ method, path, ...options, accessToken: await this.#token() })
  }
}
