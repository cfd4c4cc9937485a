import { type HolderClient, HostConnection } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  generateId,
  sha256Bytes,
  signCompactJws,
  signMoveStatement,
  verifyDeviceChain,
} from '@holdall/crypto'
import { MOVE_COMMIT_TYP, MOVE_STATEMENT_TYP, type MovePackage, type MoveStatus, type Vault } from '@holdall/protocol'

/*
 * A move's steps one by one over HTTP (spec 12.3), as the holder's phone takes them, so a test can
 * stop between them, send them twice, or change what is sent.
 */
export class MoveSteps {
  readonly a: HostConnection
  readonly b: HostConnection
  #token: string | undefined
  statement = ''
  moveId = ''

  constructor(
    readonly holder: HolderClient,
    aUrl: string,
    readonly bUrl: string,
  ) {
    this.a = new HostConnection(aUrl, holder.deviceKeys.signing)
    this.b = new HostConnection(bUrl, holder.deviceKeys.signing)
  }

  /** The holder device's token at a host (device assertion, as the SDK signs in). */
  async token(host: HostConnection = this.a): Promise<string> {
    if (host === this.a && this.#token !== undefined) return this.#token
    const token = await deviceToken(host, this.holder)
    if (host === this.a) this.#token = token
    return token
  }

  async chainHead(): Promise<{ chain_seq: number; chain_head: string }> {
    const vault = await this.a.json<Vault>({
      method: 'GET',
      path: `/vaults/${this.holder.vaultId}`,
      accessToken: await this.token(),
    })
    const chain = verifyDeviceChain(vault.device_chain.map(base64urlDecode), {
      vaultId: base64urlDecode(this.holder.vaultId),
    })
    return { chain_seq: chain.head.seq, chain_head: base64urlEncode(chain.head.hash) }
  }

  /** Signs a move statement (by the holder's device, unless `signer` is given). */
  async sign(changes: Record<string, unknown> = {}, signer?: Uint8Array): Promise<string> {
    this.moveId = base64urlEncode(generateId())
    this.statement = signMoveStatement(
      MOVE_STATEMENT_TYP,
      {
        vault: this.holder.vaultId,
        move: this.moveId,
        from: this.a.baseUrl,
        to: this.bUrl,
        ...('chain_head' in changes ? {} : await this.chainHead()),
        ...changes,
      },
      signer ?? this.holder.deviceKeys.signing.secretKey,
    )
    return this.statement
  }

  freeze(statement = this.statement): Promise<Response> {
    return this.#holderSend('POST', `/vaults/${this.holder.vaultId}/move`, { statement })
  }

  async package(): Promise<MovePackage> {
    return this.a.json<MovePackage>({
      method: 'GET',
      path: `/vaults/${this.holder.vaultId}/move/package`,
      accessToken: await this.token(),
    })
  }

  importAt(pkg: MovePackage, statement = this.statement): Promise<Response> {
    return this.b.send({ method: 'POST', path: '/moves', json: { statement, package: pkg } })
  }

  async envelopes(missing: readonly string[]): Promise<void> {
    for (const sha of missing) {
      const bytes = await this.a.bytes({
        method: 'GET',
        path: `/vaults/${this.holder.vaultId}/blobs/${sha}`,
        accessToken: await this.token(),
      })
      await this.b.json({ method: 'PUT', path: `/moves/${this.moveId}/blobs/${sha}`, body: bytes })
    }
  }

  async commit(frozen: Pick<MoveStatus, 'log_size' | 'log_root'>, changes: Record<string, unknown> = {}) {
    return signMoveStatement(
      MOVE_COMMIT_TYP,
      {
        vault: this.holder.vaultId,
        move: this.moveId,
        from: this.a.baseUrl,
        to: this.bUrl,
        ...(await this.chainHead()),
        statement: base64urlEncode(sha256Bytes(new TextEncoder().encode(this.statement))),
        log_size: frozen.log_size,
        log_root: frozen.log_root,
        ...changes,
      },
      this.holder.deviceKeys.signing.secretKey,
    )
  }

  commitAtA(commit: string): Promise<Response> {
    return this.#holderSend('POST', `/vaults/${this.holder.vaultId}/move/commit`, { commit })
  }

  commitAtB(commit: string): Promise<Response> {
    return this.b.send({ method: 'POST', path: `/moves/${this.moveId}/commit`, json: { commit } })
  }

  abort(): Promise<Response> {
    return this.#holderSend('POST', `/vaults/${this.holder.vaultId}/move/abort`)
  }

  async #holderSend(method: string, path: string, json?: unknown): Promise<Response> {
    return this.a.send({ method, path, accessToken: await this.token(), ...(json === undefined ? {} : { json }) })
  }
}

export async function deviceToken(host: HostConnection, holder: HolderClient): Promise<string> {
  await host.learnHostTime()
  const now = Math.floor(host.clock.now() / 1000)
  const assertion = signCompactJws(
    { typ: 'JWT', alg: 'EdDSA' },
    {
      iss: holder.deviceId,
      sub: holder.vaultId,
      aud: `${host.baseUrl}/oauth/token`,
      iat: now,
      exp: now + 120,
      jti: base64urlEncode(generateId()),
    },
    holder.deviceKeys.signing.secretKey,
  )
  const { access_token } = await host.json<{ access_token: string }>({
    method: 'POST',
    path: '/oauth/token',
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
  })
  return access_token
}
