import {
  base64urlDecode,
  base64urlEncode,
  combineRecoveryShares,
  createVaultKeyring,
  type DeviceKeys,
  deriveRecoveryMember,
  generateDeviceKeys,
  isHoldallCryptoError,
  keyThumbprint,
  nextDeviceChainEntry,
  type RecoveredVault,
  randomBytes,
  recoveryKitProof,
  signCompactJws,
  toPublicJwk,
  unwrapRecoveryShare,
  verifyCompactJws,
  verifyDeviceChain,
  wrapRecoveryShare,
} from '@holdall/crypto'
import type { Recovery, RotationPlan, WorkerNotices } from '@holdall/protocol'
import { HoldallError } from './errors.js'
import { HolderClient, type HolderOptions } from './holder.js'
import { HostConnection } from './http.js'
import { buildRotation, type RecoveryKit, SETUP_RECOVERY_ID } from './rotation.js'
import type { TrustedOrganisation } from './trust-list.js'

/** What the person takes to the key worker: which recovery, for which new device, and the sealed share. */
export interface WorkerRequest {
  readonly recovery_id: string
  readonly vault_id: string
  readonly device_id: string
  /** The new device's X25519 key (base64url): the key worker seals share 2 to it. */
  readonly device_agreement_key: string
  /** Share 2 as sealed to the organisation at set-up. */
  readonly share_wrap: string
  readonly worker_client_id: string
}

/**
 * A new device recovering a vault (spec 9.5, 9.6): it starts the recovery with its own fresh keys,
 * waits out the period the host enforces, rebuilds the VRK from two shares (checked against the
 * vault's check value and its recovery member in the chain), joins, removes every other device and
 * moves the vault to a new epoch with new shares.
 */
export class RecoveringDevice {
  readonly #host: HostConnection
  readonly #baseUrl: string
  readonly #fetch: typeof fetch
  readonly device: DeviceKeys
  readonly recoveryId: string
  readonly vaultId: string

  private constructor(baseUrl: string, device: DeviceKeys, host: HostConnection, fetchImpl: typeof fetch, r: Recovery) {
    this.#baseUrl = baseUrl
    this.#host = host
    this.#fetch = fetchImpl
    this.device = device
    this.recoveryId = r.recovery_id
    this.vaultId = r.vault_id
  }

  /** Starts a recovery; with the printed kit's share, the waiting period is the shorter one. */
  static async start(
    baseUrl: string,
    options: { vaultId: string; kitShare?: Uint8Array; device?: DeviceKeys },
    fetchImpl: typeof fetch = fetch,
  ): Promise<{ device: RecoveringDevice; recovery: Recovery }> {
    const device = options.device ?? generateDeviceKeys()
    const host = new HostConnection(baseUrl, device.signing, fetchImpl)
    await host.learnHostTime()
    const recovery = await host.json<Recovery>({
      method: 'POST',
      path: '/recoveries',
      json: {
        vault_id: options.vaultId,
        device: {
          signing: toPublicJwk(device.signing.publicKey, 'Ed25519'),
          agreement: toPublicJwk(device.agreement.publicKey, 'X25519'),
        },
        ...(options.kitShare === undefined ? {} : { kit_proof: base64urlEncode(recoveryKitProof(options.kitShare)) }),
      },
    })
    return { device: new RecoveringDevice(baseUrl, device, host, fetchImpl, recovery), recovery }
  }

  /** Reopens a recovery this device started (after an app restart). */
  static resume(baseUrl: string, device: DeviceKeys, recovery: Recovery, fetchImpl: typeof fetch = fetch) {
    return new RecoveringDevice(
      baseUrl,
      device,
      new HostConnection(baseUrl, device.signing, fetchImpl),
      fetchImpl,
      recovery,
    )
  }

  get deviceId(): string {
    return base64urlEncode(keyThumbprint(this.device.signing.publicKey, 'Ed25519'))
  }

  /** The host's time as this device learned it from the host's answers (never the phone's clock alone). */
  hostNow(): number {
    return this.#host.clock.now()
  }

  status(): Promise<Recovery> {
    return this.#host.json<Recovery>({ method: 'GET', path: `/recoveries/${this.recoveryId}` })
  }

  /** What to show the key worker (as a QR code): nothing in it opens without the organisation's key. */
  async workerRequest(): Promise<WorkerRequest> {
    const r = await this.status()
    return {
      recovery_id: r.recovery_id,
      vault_id: r.vault_id,
      device_id: r.device_id,
      device_agreement_key: base64urlEncode(this.device.agreement.publicKey),
      share_wrap: r.worker.share_wrap,
      worker_client_id: r.worker.client_id,
    }
  }

  /**
   * Once the host says the recovery is ready: rebuilds the VRK from the kit share (if any) and the
   * shares released to this device, checks it (REC-COMBINE-01), joins the vault, removes every
   * other device and moves the vault to a new epoch. `root`, from the kit's QR code, pins the
   * device chain. Returns the holder client and the new kit to print.
   */
  async complete(options: {
    kitShare?: Uint8Array
    root?: Uint8Array
    worker: TrustedOrganisation
    holder?: HolderOptions
  }): Promise<{ holder: HolderClient; kit: RecoveryKit; recovered: RecoveredVault }> {
    const r = await this.status()
    if (r.status !== 'ready') throw new HoldallError('RECOVERY_NOT_READY', `the recovery is ${r.status}`)
    const vaultId = base64urlDecode(r.vault_id)
    const context = { vaultId, recoveryId: base64urlDecode(r.recovery_id) }
    const shares: Uint8Array[] = []
    if (options.kitShare !== undefined) shares.push(options.kitShare)
    // Kit and worker first: the pair that needs no host is tried first; the host's share is a third.
    // The worker's share counts only under the organisation's signature, checked against the
    // trust list this device pinned: the host cannot slip in a share of its own making.
    const worker = r.worker_share !== undefined && workerReleaseVerifies(r, options.worker) ? r.worker_share : undefined
    for (const sealed of [worker, r.host_share])
      if (sealed !== undefined)
        shares.push(await unwrapRecoveryShare(base64urlDecode(sealed), this.device.agreement.secretKey, context))
    let recovered: RecoveredVault
    let chain: ReturnType<typeof verifyDeviceChain>
    try {
      recovered = await combineRecoveryShares(shares, { vaultId, check: base64urlDecode(r.check) })
      chain = verifyDeviceChain(r.device_chain.map(base64urlDecode), {
        vaultId,
        ...(options.root === undefined ? {} : { root: options.root }),
      })
    } catch (error) {
      if (!isHoldallCryptoError(error)) throw error
      throw new HoldallError('RECOVERY_FAILED', `the vault key could not be rebuilt (${error.code})`, { cause: error })
    }
    // The rebuilt key must be the one whose recovery member the holder's own devices chained in.
    const member = deriveRecoveryMember(recovered.vaultRootKey, vaultId, recovered.epoch)
    const memberId = keyThumbprint(member.signingPublicKey, 'Ed25519')
    if (!chain.members.some((m) => base64urlEncode(m.keyId) === base64urlEncode(memberId)))
      throw new HoldallError('RECOVERY_FAILED', 'the rebuilt key is not the vault’s current one (an old kit?)')
    const join = nextDeviceChainEntry(
      chain,
      {
        operation: 'add',
        subjectSigningKey: this.device.signing.publicKey,
        subjectAgreementKey: this.device.agreement.publicKey,
      },
      member.signingSecretKey,
    )
    const plan = await this.#host.json<RotationPlan>({ method: 'GET', path: `/recoveries/${this.recoveryId}/rotation` })
    const { body, kit } = await buildRotation({
      plan,
      chain,
      keyring: createVaultKeyring(vaultId, recovered.vaultRootKey, recovered.epoch),
      signer: this.device,
      leading: [join],
      // Every device in the holder-signed chain goes, whatever the host's plan lists (DEV-ROT-05).
      remove: chain.members.map((m) => base64urlEncode(m.keyId)),
      worker: options.worker,
      audience: this.#baseUrl,
      now: this.#host.clock.now(),
    })
    await this.#host.json({ method: 'POST', path: `/recoveries/${this.recoveryId}/complete`, json: body })
    const holder = await HolderClient.open(this.#baseUrl, this.device, r.vault_id, this.#fetch, options.holder ?? {})
    return { holder, kit, recovered }
  }
}

/** Whether the recovery's worker share is the one the organisation signed, for this recovery and device. */
function workerReleaseVerifies(r: Recovery, worker: TrustedOrganisation): boolean {
  if (r.worker_release === undefined || worker.client_id !== r.worker.client_id) return false
  try {
    const { payload } = verifyCompactJws(r.worker_release, worker.publicKey, 'recovery-release+jwt')
    const claims = payload as Record<string, unknown>
    return (
      claims.iss === worker.client_id &&
      claims.recovery_id === r.recovery_id &&
      claims.vault_id === r.vault_id &&
      claims.device_id === r.device_id &&
      claims.share_wrap === r.worker_share
    )
  } catch {
    return false
  }
}

/**
 * The key-worker organisation's side (spec 9.6): after the person was checked in person and two
 * staff approved, opens share 2 with the organisation's key, seals it to the recovering device's
 * key for this recovery only, and sends the release signed with the organisation's signing key.
 * The host keeps it back until the waiting period ends. Returns the signed release (for the
 * organisation's own audit trail).
 */
export async function releaseWorkerShare(
  baseUrl: string,
  organisation: { clientId: string; keys: DeviceKeys },
  request: WorkerRequest,
  approvers: readonly [string, string],
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  if (approvers[0] === approvers[1]) throw new Error('two different members of staff must approve')
  if (request.worker_client_id !== organisation.clientId) throw new Error('this share is held by another organisation')
  const vaultId = base64urlDecode(request.vault_id)
  const share = await unwrapRecoveryShare(base64urlDecode(request.share_wrap), organisation.keys.agreement.secretKey, {
    vaultId,
    recoveryId: SETUP_RECOVERY_ID,
  })
  const sealed = await wrapRecoveryShare(share, base64urlDecode(request.device_agreement_key), {
    vaultId,
    recoveryId: base64urlDecode(request.recovery_id),
  })
  const release = signCompactJws(
    { typ: 'recovery-release+jwt', alg: 'EdDSA' },
    {
      iss: organisation.clientId,
      recovery_id: request.recovery_id,
      vault_id: request.vault_id,
      device_id: request.device_id,
      share_wrap: base64urlEncode(sealed),
      approvers: [...approvers],
      iat: Math.floor(Date.now() / 1000),
    },
    organisation.keys.signing.secretKey,
  )
  const host = new HostConnection(baseUrl, organisation.keys.signing, fetchImpl)
  await host.json({ method: 'POST', path: `/recoveries/${request.recovery_id}/worker-share`, json: { release } })
  return release
}

/**
 * The key-worker organisation's side (spec 9.6, REC-WORKER-03): the recoveries naming it that wait,
 * asked under its listed signing key, so its desk can expect the person (or tell them, if they did
 * not start one). Times are the host's.
 */
export async function workerRecoveries(
  baseUrl: string,
  organisation: { clientId: string; keys: DeviceKeys },
  fetchImpl: typeof fetch = fetch,
): Promise<WorkerNotices['recoveries']> {
  const host = new HostConnection(baseUrl, organisation.keys.signing, fetchImpl)
  await host.learnHostTime()
  const request = signCompactJws(
    { typ: 'recovery-notices+jwt', alg: 'EdDSA' },
    {
      iss: organisation.clientId,
      aud: `${host.baseUrl}/worker/recoveries`,
      iat: Math.floor(host.clock.now() / 1000),
      jti: base64urlEncode(randomBytes(16)),
    },
    organisation.keys.signing.secretKey,
  )
  const notices = await host.json<WorkerNotices>({ method: 'POST', path: '/worker/recoveries', json: { request } })
  return notices.recoveries
}
