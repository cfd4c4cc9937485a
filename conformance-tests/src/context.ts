import { createHash, createPrivateKey, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  HolderClient,
  type HolderTrust,
  HostConnection,
  IssuerClient,
  ServiceClient,
  verifyTrustList,
} from '@holdall/client'
import { base64urlEncode, randomBytes, type SigningKeyPair, signCompactJws, toPublicJwk } from '@holdall/crypto'
import type { AuthorizationDetail, Grant, RecordType } from '@holdall/protocol'
import { readSuiteConfig } from './config.js'
import type { FeatureName } from './features.js'
import { type Fixtures, loadFixtures, type OrganisationName } from './fixtures.js'

/**
 * What every suite needs: the host's URL, the suite's organisations, and small helpers that
 * build requests by hand (so a test can break exactly one thing) or through the client SDK (for
 * the multi-step happy paths the refusals start from). Nothing here knows the host's internals.
 */
export class Conformance {
  readonly baseUrl: string
  /** Partner mode: the second host (`--partner-url`), else undefined. */
  readonly partnerUrl: string | undefined
  readonly fixtures: Fixtures
  readonly #features: Record<FeatureName, true | string>

  constructor() {
    const config = readSuiteConfig()
    this.baseUrl = config.baseUrl
    this.partnerUrl = config.partnerUrl
    this.fixtures = loadFixtures(JSON.parse(readFileSync(config.fixturesFile, 'utf8')))
    this.#features = config.features
  }

  /** For `it(title, { skip: ctx.skipUnless('…') }, fn)`: false when supported, else the reason. */
  skipUnless(feature: FeatureName): false | string {
    const state = this.#features[feature]
    return state === true ? false : `optional feature ${feature} not available: ${state}`
  }

  org(name: OrganisationName) {
    return this.fixtures.organisations[name]
  }

  service(name: OrganisationName): ServiceClient {
    return new ServiceClient(this.baseUrl, this.org(name))
  }

  issuer(name: OrganisationName): IssuerClient {
    return new IssuerClient(this.baseUrl, this.org(name))
  }

  trusted() {
    return verifyTrustList(this.fixtures.trustList, this.fixtures.operatorPublicKey)
  }

  /** What an honest holder's client trusts: the suite's list, and its own fetch for unlisted services. */
  holderTrust(): HolderTrust {
    return { trusted: this.trusted(), fetchMetadata: fetch }
  }

  newHolder(): Promise<HolderClient> {
    return HolderClient.createVault(this.baseUrl)
  }

  connection(key: SigningKeyPair): HostConnection {
    return new HostConnection(this.baseUrl, key)
  }

  /**
   * A request with a valid DPoP proof by `key` (and the token, if any), but otherwise exactly as
   * given: headers and body are sent untouched, so a test can send the wrong content type.
   */
  send(
    method: string,
    path: string,
    options: { key: SigningKeyPair; token?: string; headers?: Record<string, string>; body?: BodyInit },
  ): Promise<Response> {
    const proof = dpopProof(options.key, method, this.url(path.split('?')[0] as string), {
      ...(options.token === undefined ? {} : { accessToken: options.token }),
    })
    return fetch(this.url(path), {
      method,
      headers: {
        ...options.headers,
        dpop: proof,
        ...(options.token === undefined ? {} : { authorization: `DPoP ${options.token}` }),
      },
      ...(options.body === undefined ? {} : { body: options.body }),
    })
  }

  /** RFC 7523 private_key_jwt for an organisation, built by hand. */
  clientAuth(
    name: OrganisationName,
    audiencePath: string,
    claims: Record<string, unknown> = {},
  ): Record<string, string> {
    const org = this.org(name)
    const now = Math.floor(Date.now() / 1000)
    return {
      client_id: org.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signCompactJws(
        { typ: 'JWT', alg: 'EdDSA' },
        {
          iss: org.clientId,
          sub: org.clientId,
          aud: this.url(audiencePath),
          iat: now,
          exp: now + 120,
          jti: base64urlEncode(randomBytes(16)),
          ...claims,
        },
        org.keys.signing.secretKey,
      ),
    }
  }

  /** Redeems a CIBA request at the token endpoint by hand; the answer is returned as it came. */
  redeem(name: OrganisationName, authReqId: string, dpopKey = this.org(name).keys.signing): Promise<Response> {
    return this.connection(dpopKey).send({
      method: 'POST',
      path: '/oauth/token',
      form: {
        ...this.clientAuth(name, '/oauth/token'),
        grant_type: 'urn:openid:params:grant-type:ciba',
        auth_req_id: authReqId,
      },
    })
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`
  }

  /** A device access token obtained by hand (RFC 7523 jwt-bearer), as chapter 5.5 describes. */
  async deviceToken(holder: HolderClient, claims: Record<string, unknown> = {}): Promise<Response> {
    const now = Math.floor(Date.now() / 1000)
    const assertion = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA' },
      {
        iss: holder.deviceId,
        sub: holder.vaultId,
        aud: this.url('/oauth/token'),
        iat: now,
        exp: now + 60,
        jti: base64urlEncode(randomBytes(16)),
        ...claims,
      },
      holder.deviceKeys.signing.secretKey,
    )
    return this.connection(holder.deviceKeys.signing).send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
    })
  }

  async accessToken(holder: HolderClient): Promise<string> {
    const response = await this.deviceToken(holder)
    if (response.status !== 200) throw new Error(`device login failed with ${response.status}`)
    return ((await response.json()) as { access_token: string }).access_token
  }

  /**
   * A service asks the holder (through a fresh pairing code) and the holder approves with
   * `choice`. Returns the service client holding its tokens, and the grant.
   */
  async grantTo(
    holder: HolderClient,
    name: OrganisationName,
    options: {
      recordTypes?: RecordType[]
      durationDays?: number
      approve?: { recordTypes?: RecordType[]; durationDays?: number }
    } = {},
  ): Promise<{ service: ServiceClient; grant: Grant; accessToken: string; authReqId: string }> {
    const { service, grant, authReqId } = await this.#ask(holder, name, options)
    await service.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    const accessToken = await (service as unknown as { accessToken(): Promise<string> }).accessToken()
    return { service, grant, accessToken, authReqId }
  }

  /** A request the holder has approved and nobody has redeemed yet (an auth_req_id redeems once). */
  async approvedRequest(holder: HolderClient, name: OrganisationName): Promise<string> {
    return (await this.#ask(holder, name)).authReqId
  }

  async #ask(
    holder: HolderClient,
    name: OrganisationName,
    options: {
      recordTypes?: RecordType[]
      durationDays?: number
      approve?: { recordTypes?: RecordType[]; durationDays?: number }
    } = {},
  ): Promise<{ service: ServiceClient; grant: Grant; authReqId: string }> {
    const service = this.service(name)
    const { qr: code } = await holder.createPairingCode()
    const details: AuthorizationDetail[] = [
      {
        type: 'holdall_records',
        actions: ['read'],
        record_types: options.recordTypes ?? ['medication_list'],
        purpose: 'Conformance check',
        duration_days: options.durationDays ?? 30,
      },
    ]
    const { authReqId } = await service.requestAccess({ pairingCode: code, bindingMessage: 'CONFORMANCE 1', details })
    const request = (await holder.pendingRequests()).find((r) => r.client_id === this.org(name).clientId)
    if (request === undefined) throw new Error('the holder does not see the request')
    const grant = await holder.approve(request, this.holderTrust(), options.approve ?? {})
    return { service, grant, authReqId }
  }
}

let shared: Conformance | undefined
/** One context per suite process. */
export function conformance(): Conformance {
  shared ??= new Conformance()
  return shared
}

/** A DPoP proof (RFC 9449) built by hand; `header` and `claims` override or break one member. */
export function dpopProof(
  key: SigningKeyPair,
  method: string,
  url: string,
  options: { accessToken?: string; header?: Record<string, unknown>; claims?: Record<string, unknown> } = {},
): string {
  const ath =
    options.accessToken === undefined
      ? {}
      : { ath: base64urlEncode(sha256(new TextEncoder().encode(options.accessToken))) }
  return signCompactJws(
    { typ: 'dpop+jwt', alg: 'EdDSA', jwk: toPublicJwk(key.publicKey, 'Ed25519'), ...options.header },
    {
      jti: base64urlEncode(randomBytes(16)),
      htm: method,
      htu: url,
      iat: Math.floor(Date.now() / 1000),
      ...ath,
      ...options.claims,
    },
    key.secretKey,
  )
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest())
}

/**
 * A compact JWS signed with Ed25519 whatever its header says, for proofs a conforming client would
 * never make (alg none, ES256). The SDK refuses to sign these, by design.
 */
export function rawJws(header: Record<string, unknown>, payload: Record<string, unknown>, key: SigningKeyPair): string {
  const encode = (value: unknown) => base64urlEncode(new TextEncoder().encode(JSON.stringify(value)))
  const input = `${encode(header)}.${encode(payload)}`
  const privateKey = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: base64urlEncode(key.publicKey),
      d: base64urlEncode(key.secretKey.subarray(0, 32)),
    },
    format: 'jwk',
  })
  return `${input}.${base64urlEncode(new Uint8Array(sign(null, Buffer.from(input), privateKey)))}`
}
