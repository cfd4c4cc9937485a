import { base64urlEncode, randomBytes, type SigningKeyPair, signCompactJws, toPublicJwk } from '@holdall/crypto'
import { PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER } from '@holdall/protocol'
import { DpopNonceCache, sendWithDpopNonce } from './dpop-nonce.js'
import { HoldallApiError, HoldallOAuthError } from './errors.js'
import { HostClock } from './host-clock.js'

export interface RequestOptions {
  readonly method: string
  readonly path: string
  readonly json?: unknown
  readonly form?: Record<string, string>
  readonly body?: Uint8Array
  readonly accessToken?: string
  readonly headers?: Record<string, string>
}

/** How far the host's time must move during one request for a refusal to count as the clock's. */
const CLOCK_RETRY_MS = 2000

/**
 * One host, one DPoP key. Every request carries a fresh DPoP proof (RFC 9449) signed with the
 * key; with an access token, the proof binds it (`ath`) and the scheme is `DPoP`, never Bearer.
 */
export class HostConnection {
  #baseUrl: string
  readonly #dpopKey: SigningKeyPair
  readonly #fetch: typeof fetch
  #nonces = new DpopNonceCache()
  /** The host's time, learned from its answers: proofs carry it, not the device's clock (host-clock.ts). */
  #clock: HostClock

  get baseUrl(): string {
    return this.#baseUrl
  }

  get clock(): HostClock {
    return this.#clock
  }

  /** The fetch this connection uses (for a connection to another host, spec chapter 12). */
  get fetch(): typeof fetch {
    return this.#fetch
  }

  /**
   * Points this connection at the host a vault moved to (spec 12.6), only after the caller
   * checked the holder-signed tombstone: the new host's nonces and time are learned afresh.
   */
  relocate(baseUrl: string): void {
    this.#baseUrl = baseUrl.replace(/\/+$/, '')
    this.#nonces = new DpopNonceCache()
    this.#clock = new HostClock()
  }

  constructor(baseUrl: string, dpopKey: SigningKeyPair, fetchImpl: typeof fetch = fetch, clock = new HostClock()) {
    this.#baseUrl = baseUrl.replace(/\/+$/, '')
    this.#dpopKey = dpopKey
    this.#fetch = fetchImpl
    this.#clock = clock
  }

  /** Learns the host's time before a first signed request, unless an answer already told it. */
  async learnHostTime(): Promise<void> {
    if (!this.clock.known) await this.clock.learn(this.baseUrl, this.#fetch)
  }

  async proof(method: string, path: string, accessToken?: string, nonce?: string): Promise<string> {
    const ath =
      accessToken === undefined
        ? {}
        : {
            ath: base64urlEncode(
              new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))),
            ),
          }
    return signCompactJws(
      { typ: 'dpop+jwt', alg: 'EdDSA', jwk: toPublicJwk(this.#dpopKey.publicKey, 'Ed25519') },
      {
        jti: base64urlEncode(randomBytes(16)),
        htm: method,
        htu: `${this.baseUrl}${path.split('?')[0]}`,
        iat: Math.floor(this.clock.now() / 1000),
        ...ath,
        ...(nonce === undefined ? {} : { nonce }),
      },
      this.#dpopKey.secretKey,
    )
  }

  /**
   * Sends with a fresh proof. A host's `use_dpop_nonce` refusal is answered once with its nonce
   * (dpop-nonce.ts). If the host still refused (400 or 401) and its answer moved this client's
   * idea of the host's time by more than a second or two, the refusal was the clock's (a first
   * request, or a phone clock changed under us): the request is sent once more, with a proof made
   * at the corrected time. A refused request did nothing on the host, so this is safe.
   */
  async send(options: RequestOptions): Promise<Response> {
    const offsetBefore = this.clock.offsetMs
    const response = await this.#sendWithNonce(options)
    const clockMoved = Math.abs(this.clock.offsetMs - offsetBefore) > CLOCK_RETRY_MS
    if ((response.status === 400 || response.status === 401) && clockMoved) {
      await response.body?.cancel()
      return this.#sendWithNonce(options)
    }
    return response
  }

  #sendWithNonce(options: RequestOptions): Promise<Response> {
    return sendWithDpopNonce(this.#nonces, (nonce) => this.#sendOnce(options, nonce))
  }

  async #sendOnce(options: RequestOptions, nonce: string | undefined): Promise<Response> {
    const headers: Record<string, string> = {
      [PROTOCOL_VERSION_HEADER]: String(PROTOCOL_VERSION),
      ...options.headers,
      dpop: await this.proof(options.method, options.path, options.accessToken, nonce),
    }
    if (options.accessToken !== undefined) headers.authorization = `DPoP ${options.accessToken}`
    let body: BodyInit | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(options.form).toString()
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/octet-stream'
      body = options.body as Uint8Array<ArrayBuffer>
    }
    // Called as a plain function: a browser's fetch throws "Illegal invocation" when its `this`
    // is not the window, as it would be with this.#fetch(...).
    const send = this.#fetch
    const sentAt = this.clock.deviceNow()
    const response = await send(`${this.baseUrl}${options.path}`, {
      method: options.method,
      headers,
      ...(body === undefined ? {} : { body }),
    })
    this.clock.observe(response.headers.get('date'), sentAt, this.clock.deviceNow())
    return response
  }

  /** Sends and returns the JSON body, or throws a HoldallApiError / HoldallOAuthError. */
  async json<T>(options: RequestOptions): Promise<T> {
    const response = await this.send(options)
    return readJson<T>(response)
  }

  async bytes(options: RequestOptions): Promise<Uint8Array> {
    const response = await this.send(options)
    if (!response.ok) await readJson(response)
    return new Uint8Array(await response.arrayBuffer())
  }
}

export async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text()
  const body = text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>)
  if (response.ok) return body as T
  if (typeof body.error === 'string')
    throw new HoldallOAuthError(response.status, body.error, String(body.error_description ?? ''))
  throw new HoldallApiError(
    response.status,
    String(body.code ?? 'unknown'),
    String(body.detail ?? body.title ?? ''),
    body,
    response.headers,
  )
}
