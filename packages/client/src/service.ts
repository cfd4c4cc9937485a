import {
  base64urlDecode,
  base64urlEncode,
  type DeviceChainMember,
  type DeviceKeys,
  generateId,
  keyThumbprint,
  randomBytes,
  signCompactJws,
  toPublicJwk,
  unwrapAsGrantee,
  type VerifiedDeviceChain,
  verifyCompactJws,
} from '@holdall/crypto'
import {
  type AuthorizationDetail,
  type ClientMetadata,
  type DuressAlertState,
  duressAlertStateSchema,
  type GrantInfo as GrantInfoWire,
  type GrantReceiptClaims,
  grantInfoSchema,
  grantReceiptClaimsSchema,
  grantRecordListSchema,
  LOG_INDEX_HEADER,
  LOG_PROOF_HEADER,
  LOG_PROOF_INLINE,
  MAX_MOVE_HOPS,
  mayIssue,
  type OrganisationCategory,
  type RecordVersionView,
} from '@holdall/protocol'
import { HoldallError, HoldallOAuthError } from './errors.js'
import { resolvePairing } from './federation.js'
import type { ResolvedHandle } from './handles.js'
import {
  chainMember,
  checkHolderChain,
  type HolderPinStore,
  type HolderRootHint,
  MemoryHolderPinStore,
  readPairingInput,
} from './holder-chain.js'
import { HostConnection, readJson } from './http.js'
import { type CheckedMove, checkVaultMoved, isVaultMoved } from './moved-vault.js'
import {
  manifestAuthorKeyId,
  type OpenedFileRecord,
  type OpenedRecord,
  openFileRecord,
  openRecord,
  verifySignedType,
} from './records.js'
import { ServiceLog, type ServiceLogOptions } from './service-log.js'
import type { TrustedOrganisations } from './trust-list.js'

export interface ServiceIdentity {
  /** The URL of the service's metadata document: its OAuth client_id. */
  readonly clientId: string
  readonly name: string
  readonly category: OrganisationCategory
  readonly registryCode: string
  /** Kept by the service on its server, never in a browser's storage. */
  readonly keys: DeviceKeys
}

/** `GET /grant`, after the client checked the device chain and the receipt against it. */
export interface GrantInfo extends GrantInfoWire {
  /** The vault's devices from its verified, pinned device chain: never a list the host made. */
  readonly holderDevices: readonly DeviceChainMember[]
}

/** The vault and grant of this client's grant, once its receipt has been verified. */
interface GrantIds {
  readonly vaultId: string
  readonly grantId: string
}

/** The metadata document a service publishes at its client_id URL. */
export function clientMetadataDocument(identity: ServiceIdentity): ClientMetadata {
  const signing = toPublicJwk(identity.keys.signing.publicKey, 'Ed25519')
  const agreement = toPublicJwk(identity.keys.agreement.publicKey, 'X25519')
  return {
    client_id: identity.clientId,
    client_name: identity.name,
    category: identity.category,
    registry_code: identity.registryCode,
    jwks: {
      keys: [
        {
          ...signing,
          crv: 'Ed25519',
          use: 'sig',
          kid: base64urlEncode(keyThumbprint(identity.keys.signing.publicKey, 'Ed25519')),
        },
        {
          ...agreement,
          crv: 'X25519',
          use: 'enc',
          kid: base64urlEncode(keyThumbprint(identity.keys.agreement.publicKey, 'X25519')),
        },
      ],
    },
  }
}

/**
 * A service (GP surgery, probation, pharmacy…) or issuer: pairs with a holder, asks for access
 * (OpenID CIBA, poll mode, with RFC 9396 authorization details), waits for the decision, then
 * reads what the grant covers. Its DPoP key is its signing key.
 */
export class ServiceClient {
  protected readonly host: HostConnection
  readonly identity: ServiceIdentity
  #accessToken: string | undefined
  #refreshToken: string | undefined
  #grantIds: GrantIds | undefined
  readonly #pins: HolderPinStore
  /** The root the person showed at this pairing (QR code or safety code), for the first check. */
  #firstContact: HolderRootHint | undefined
  /** What this client asked, by request: the holder's signed receipt must grant no more, and only that. */
  readonly #asked = new Map<string, readonly AuthorizationDetail[]>()
  /** Proof that each key was logged before it is unwrapped (spec 8.7), and the checkpoints held. */
  readonly log: ServiceLog
  /** The vault of the grant this client last verified (a tombstone must be that vault's). */
  #vaultId: string | undefined
  /** Told when the holder's vault moved and this client now uses the new host (spec 12.6). */
  onMoved: ((move: CheckedMove) => void) | undefined

  /**
   * `options.pins` keeps the root and head of each holder's device chain between pairings; give a
   * persistent store, or every restart is a first contact again.
   */
  constructor(
    baseUrl: string,
    identity: ServiceIdentity,
    fetchImpl: typeof fetch = fetch,
    options: { pins?: HolderPinStore } & ServiceLogOptions = {},
  ) {
    this.host = new HostConnection(baseUrl, identity.keys.signing, fetchImpl)
    this.identity = identity
    this.#pins = options.pins ?? new MemoryHolderPinStore()
    this.log = new ServiceLog(this.host, () => this.#token(), options)
  }

  /**
   * A client on the host a pairing code names (spec 11.3, [FED-PAIR-02]): its number looked up in
   * `trusted`, the caller's own verified trust list, never asked of a host. A code that names no
   * host means `fallbackHost`. Then call requestAccess with the same code.
   */
  static forPairing<C extends ServiceClient>(
    this: new (
      baseUrl: string,
      identity: ServiceIdentity,
      fetchImpl?: typeof fetch,
      options?: { pins?: HolderPinStore } & ServiceLogOptions,
    ) => C,
    pairing: string,
    identity: ServiceIdentity,
    trusted: TrustedOrganisations,
    options: { fallbackHost?: string; fetch?: typeof fetch; pins?: HolderPinStore } & ServiceLogOptions = {},
  ): C {
    const { hostUrl } = resolvePairing(pairing, trusted, options.fallbackHost)
    return new this(hostUrl, identity, options.fetch ?? fetch, options)
  }

  /** A client on the host a resolved handle names, by the holder's own signed record (spec 11.4). */
  static forHandle<C extends ServiceClient>(
    this: new (
      baseUrl: string,
      identity: ServiceIdentity,
      fetchImpl?: typeof fetch,
      options?: { pins?: HolderPinStore } & ServiceLogOptions,
    ) => C,
    handle: ResolvedHandle,
    identity: ServiceIdentity,
    options: { fetch?: typeof fetch; pins?: HolderPinStore } & ServiceLogOptions = {},
  ): C {
    return new this(handle.hostUrl, identity, options.fetch ?? fetch, options)
  }

  /** The host this client acts on. */
  get hostUrl(): string {
    return this.host.baseUrl
  }

  /**
   * RFC 7523 private_key_jwt for the token and backchannel endpoints. Its `iat` and `exp` are the
   * host's time, not this machine's: a service whose clock runs minutes out would otherwise be
   * refused (the host allows 5 s), and a clock is not something the service SDK may assume.
   */
  async #clientAuth(audiencePath: string): Promise<Record<string, string>> {
    await this.host.learnHostTime()
    const now = Math.floor(this.host.clock.now() / 1000)
    return {
      client_id: this.identity.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signCompactJws(
        { typ: 'JWT', alg: 'EdDSA' },
        {
          iss: this.identity.clientId,
          sub: this.identity.clientId,
          aud: `${this.host.baseUrl}${audiencePath}`,
          iat: now,
          exp: now + 120,
          jti: base64urlEncode(randomBytes(16)),
        },
        this.identity.keys.signing.secretKey,
      ),
    }
  }

  /**
   * Asks the holder behind `pairingCode` for access. Returns the request id to wait on. The
   * binding message is shown on both screens so the holder can tell this request from others.
   * `pairingCode` may be the text of the holder's pairing QR code, which carries the root
   * fingerprint of the holder's device chain; a typed code needs `holderRoot` (the safety code)
   * unless this client pinned the holder before. The grant is refused unless the chain the host
   * serves has that root (spec 5.8).
   */
  async requestAccess(options: {
    /** What the holder showed; or, instead, `handle`. */
    pairingCode?: string
    /**
     * A handle resolved with resolveHandle (spec 11.4): its signed record is sent as CIBA
     * `login_hint_token`, and its root is the first contact's root ([FED-HANDLE-06]).
     */
    handle?: ResolvedHandle
    holderRoot?: HolderRootHint
    details: AuthorizationDetail[]
    bindingMessage: string
    idempotencyKey?: string
    /** Seconds the holder has to answer, if less than the host's limit (10 minutes on ours). */
    requestedExpiry?: number
  }): Promise<{ authReqId: string; interval: number }> {
    const input =
      options.handle !== undefined
        ? { root: { rootFingerprint: options.handle.rootFingerprint } }
        : readPairingInput(options.pairingCode ?? '')
    this.#firstContact = options.holderRoot ?? input.root
    const body = await this.host.json<{ auth_req_id: string; interval: number }>({
      method: 'POST',
      path: '/oauth/bc-authorize',
      headers: { 'idempotency-key': options.idempotencyKey ?? base64urlEncode(generateId()) },
      form: {
        ...(await this.#clientAuth('/oauth/bc-authorize')),
        ...(options.handle !== undefined
          ? { login_hint_token: options.handle.record }
          : { login_hint: (input as { code: string }).code }),
        binding_message: options.bindingMessage,
        authorization_details: JSON.stringify(options.details),
        ...(options.requestedExpiry === undefined ? {} : { requested_expiry: String(options.requestedExpiry) }),
      },
    })
    this.#asked.set(body.auth_req_id, options.details)
    return { authReqId: body.auth_req_id, interval: body.interval }
  }

  /**
   * Polls until the holder decides. Resolves with the grant on approval; throws a
   * HoldallOAuthError `access_denied` on refusal or `expired_token` if nobody answered.
   */
  async waitForDecision(
    authReqId: string,
    options: { intervalMs?: number; timeoutMs?: number } = {},
  ): Promise<GrantInfo> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000)
    let intervalMs = options.intervalMs ?? 2000
    for (;;) {
      try {
        const tokens = await this.host.json<{ access_token: string; refresh_token: string }>({
          method: 'POST',
          path: '/oauth/token',
          form: {
            ...(await this.#clientAuth('/oauth/token')),
            grant_type: 'urn:openid:params:grant-type:ciba',
            auth_req_id: authReqId,
          },
        })
        this.#accessToken = tokens.access_token
        this.#refreshToken = tokens.refresh_token
        const { info, claims } = await this.verifiedGrant()
        const asked = this.#asked.get(authReqId)
        this.#asked.delete(authReqId)
        // The host relays the request to the holder's phone and could change it on the way (a
        // kinder purpose, another record type): the holder's signed receipt says what they saw.
        if (asked !== undefined && !grantedAsAsked(claims.authorization_details, asked))
          throw new HoldallError(
            'RECEIPT_MISMATCH',
            'the holder approved a request other than the one this service sent: it was changed on the way',
          )
        return info
      } catch (error) {
        const pending =
          error instanceof HoldallOAuthError && (error.error === 'authorization_pending' || error.error === 'slow_down')
        if (!pending || Date.now() > deadline) throw error
        // CIBA section 11: after slow_down, 5 seconds more for this and every later poll.
        if (error.error === 'slow_down') intervalMs += 5000
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
      }
    }
  }

  /**
   * The grant, with the vault's device chain verified against this client's pin (or the root
   * shown at pairing) and the holder's signed receipt verified under a member of that chain.
   */
  async grant(): Promise<GrantInfo> {
    return (await this.verifiedGrant()).info
  }

  /** Issue 19, for a supporter: whether the holder's silent duress alert for this grant fired ([DUR-ALERT-04]). */
  async duressAlert(): Promise<DuressAlertState> {
    return duressAlertStateSchema.parse(
      await this.host.json<unknown>({ method: 'GET', path: '/grant/duress-alert', accessToken: await this.#token() }),
    )
  }

  /** For subclasses: the grant with its verified device chain and receipt claims. */
  protected async verifiedGrant(): Promise<{
    info: GrantInfo
    chain: VerifiedDeviceChain
    claims: GrantReceiptClaims
  }> {
    const wire = grantInfoSchema.parse(
      await this.followingMoves(async () =>
        this.host.json<unknown>({ method: 'GET', path: '/grant', accessToken: await this.#token() }),
      ),
    )
    this.#vaultId = wire.vault_id
    const chain = await checkHolderChain({
      vaultId: wire.vault_id,
      entries: wire.device_chain,
      pins: this.#pins,
      firstContact: this.#firstContact,
    })
    const claims = verifyReceipt(wire.receipt, chain)
    const ownAgreement = base64urlEncode(keyThumbprint(this.identity.keys.agreement.publicKey, 'X25519'))
    if (
      claims.client_id !== this.identity.clientId ||
      claims.client_agreement_key_id !== ownAgreement ||
      claims.jti !== wire.grant_id ||
      claims.sub !== wire.vault_id
    ) {
      throw new HoldallError('RECEIPT_MISMATCH', 'the grant receipt is not for this service, vault or grant')
    }
    this.#grantIds = { vaultId: wire.vault_id, grantId: wire.grant_id }
    return { info: { ...wire, holderDevices: chain.members }, chain, claims }
  }

  /**
   * The record versions the grant covers. The service presents the latest checkpoint it holds of
   * the vault's log (gossip, spec 8.8), and notes where the host logged each key it served.
   */
  async records(): Promise<RecordVersionView[]> {
    // A vault that moved is followed to its new host once the holder's tombstone checks (spec 12.7).
    return this.followingMoves(async () => {
      const { vaultId, grantId } = await this.#ids()
      // The proof of each key served comes in the read's own answer (spec 8.7.1), checked here.
      return this.log.exclusive(async () => {
        const response = await this.host.send({
          method: 'GET',
          path: '/grant/records',
          accessToken: await this.#token(),
          headers: { ...(await this.log.presentHeaders(vaultId)), [LOG_PROOF_HEADER]: LOG_PROOF_INLINE },
        })
        const { records, log_proof } = grantRecordListSchema.parse(await readJson<unknown>(response))
        this.log.noteServed(records, response.headers.get(LOG_INDEX_HEADER))
        await this.log.acceptReadProof(vaultId, grantId, records, log_proof)
        return records
      })
    })
  }

  /**
   * Fetches and opens a record the grant covers. The author must be an organisation on the trust
   * list whose category may issue the type it signed ([ISS-03]), or the holder; the manifest is
   * verified under that key, and its signed type must be one the holder's signed receipt grants
   * ([CRY-MAN-09]), before the record key is unwrapped.
   */
  async readRecord(view: RecordVersionView, trusted: TrustedOrganisations): Promise<OpenedRecord & { issuer: string }> {
    const { ciphertext, dek, authorKey, issuer } = await this.#openGranted(view, trusted)
    return { ...openRecord(view, ciphertext, dek, authorKey), issuer }
  }

  /**
   * Fetches and opens a file record the grant covers (spec 4.2.1, a health letter): the same
   * checks as `readRecord`, then the file's own ([REC-TYPE-04]) before any byte is returned.
   */
  async readFileRecord(
    view: RecordVersionView,
    trusted: TrustedOrganisations,
  ): Promise<OpenedFileRecord & { issuer: string }> {
    const { ciphertext, dek, authorKey, issuer } = await this.#openGranted(view, trusted)
    return { ...openFileRecord(view, ciphertext, dek, authorKey), issuer }
  }

  async #openGranted(view: RecordVersionView, trusted: TrustedOrganisations) {
    const { info: grant, chain, claims } = await this.verifiedGrant()
    const manifestAuthor = manifestAuthorKeyId(view)
    const issuer = trusted.byKeyId(manifestAuthor)
    const authorKey = issuer?.publicKey ?? chainMember(chain, manifestAuthor)?.signingKey
    if (authorKey === undefined) throw new HoldallError('RECORD_UNVERIFIED', 'the record is signed by nobody trusted')
    const { recordType } = verifySignedType(view, authorKey, grant.vault_id)
    const granted = claims.authorization_details.some(
      (d) => d.actions.includes('read') && d.record_types.includes(recordType),
    )
    if (!granted) throw new HoldallError('RECORD_TYPE_NOT_GRANTED', `the grant does not cover ${recordType} records`)
    if (issuer !== undefined && !mayIssue(recordType, issuer.category)) {
      throw new HoldallError('ISSUER_NOT_ALLOWED', `a ${issuer.category} may not issue ${recordType} records`)
    }
    const ciphertext = await this.host.bytes({
      method: 'GET',
      path: `/grant/blobs/${view.ciphertext_sha256}`,
      accessToken: await this.#token(),
    })
    // No unwrap without a signed, consistent log entry saying the host served this key ([LOG-SVC-02]).
    await this.log.proveServed(grant.vault_id, grant.grant_id, view)
    const dek = await unwrapAsGrantee(base64urlDecode(view.wrap), this.identity.keys.agreement.secretKey, {
      grantId: base64urlDecode(grant.grant_id),
      vaultId: base64urlDecode(grant.vault_id),
      recordId: base64urlDecode(view.record_id),
      version: view.version,
    })
    return { ciphertext, dek, authorKey, issuer: issuer?.name ?? 'the holder' }
  }

  /** The vault and grant ids, from the verified receipt (fetched once). */
  async #ids(): Promise<GrantIds> {
    if (this.#grantIds !== undefined) return this.#grantIds
    const { info } = await this.verifiedGrant()
    return { vaultId: info.vault_id, grantId: info.grant_id }
  }

  /**
   * Runs a request; if the host answers `vault_moved`, follows the move only once the tombstone
   * checks as a commit the holder signed under the chain this client pinned ([MIG-STMT-03],
   * [MIG-REDIR-02]): the same tokens and DPoP key then go to the new host, with no new approval.
   * A forged or unsigned redirect is refused (`MOVE_REDIRECT_FORGED`) and nothing is sent to the
   * host it names.
   */
  protected async followingMoves<T>(work: () => Promise<T>): Promise<T> {
    for (let hop = 0; ; hop++) {
      try {
        return await work()
      } catch (error) {
        if (!isVaultMoved(error)) throw error
        if (hop >= MAX_MOVE_HOPS) throw new HoldallError('MOVE_TOO_MANY_HOPS', 'the vault moved too many times at once')
        const move = await checkVaultMoved(error, {
          answeredBy: this.host.baseUrl,
          pins: this.#pins,
          vaultId: this.#vaultId,
        })
        this.host.relocate(move.to)
        this.log.relocated(move.vaultId, {
          size: move.claims.log_size,
          root: base64urlDecode(move.claims.log_root),
        })
        this.onMoved?.(move)
      }
    }
  }

  async #token(): Promise<string> {
    if (this.#accessToken === undefined) throw new Error('no grant yet: call waitForDecision first')
    return this.#accessToken
  }

  /**
   * Rotates the refresh token: DPoP-bound, and with client authentication as RFC 6749 section 6
   * requires of a confidential client. A retry after a lost response is safe.
   */
  async refresh(): Promise<void> {
    if (this.#refreshToken === undefined) throw new Error('no refresh token')
    const tokens = await this.host.json<{ access_token: string; refresh_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      form: {
        ...(await this.#clientAuth('/oauth/token')),
        grant_type: 'refresh_token',
        refresh_token: this.#refreshToken,
      },
    })
    this.#accessToken = tokens.access_token
    this.#refreshToken = tokens.refresh_token
  }

  /** For subclasses: the current access token. */
  protected async accessToken(): Promise<string> {
    return this.#token()
  }
}

/** The receipt's claims, if a current member of the verified chain signed it (spec 5.9). */
function verifyReceipt(receipt: string, chain: VerifiedDeviceChain): GrantReceiptClaims {
  try {
    const [encodedHeader] = receipt.split('.')
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(encodedHeader ?? ''))) as { kid?: unknown }
    const signer = typeof header.kid === 'string' ? chainMember(chain, header.kid) : undefined
    if (signer === undefined) throw new Error('the receipt names no device of the verified chain')
    const { payload } = verifyCompactJws(receipt, signer.signingKey, 'grant+jwt')
    const claims = grantReceiptClaimsSchema.parse(payload)
    if (claims.iss !== header.kid) throw new Error('the receipt names another signer')
    return claims
  } catch (cause) {
    throw new HoldallError('RECEIPT_UNVERIFIED', 'the grant receipt is not signed by a device of this vault', {
      cause,
    })
  }
}

/**
 * Whether every detail the holder granted is one this service asked for, or a narrowing of one:
 * the same purpose, word for word, no other actions or record types, and no more days ([API-REQ-08]).
 */
export function grantedAsAsked(
  granted: readonly AuthorizationDetail[],
  asked: readonly AuthorizationDetail[],
): boolean {
  return granted.every((g) =>
    asked.some(
      (a) =>
        g.purpose === a.purpose &&
        g.duration_days <= a.duration_days &&
        g.actions.every((action) => a.actions.includes(action)) &&
        g.record_types.every((type) => a.record_types.includes(type)),
    ),
  )
}
