import { HolderClient } from '@holdall/client'
import { base64urlEncode, randomBytes, type SigningKeyPair, signCompactJws, toPublicJwk } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost, testDatabaseKind } from './harness.js'

/** A DPoP proof for the token endpoint of `url`, with `iat` and `nonce` as given. */
function proof(key: SigningKeyPair, url: string, claims: { iat: number; nonce?: string }): string {
  return signCompactJws(
    { typ: 'dpop+jwt', alg: 'EdDSA', jwk: toPublicJwk(key.publicKey, 'Ed25519') },
    { jti: base64urlEncode(randomBytes(16)), htm: 'POST', htu: `${url}/oauth/token`, ...claims },
    key.secretKey,
  )
}

/** A device login form (RFC 7523 jwt-bearer) for `holder` at the host whose issuer is `url`. */
function deviceLogin(holder: HolderClient, url: string): string {
  const now = Math.floor(Date.now() / 1000)
  const assertion = signCompactJws(
    { typ: 'JWT', alg: 'EdDSA' },
    {
      iss: holder.deviceId,
      sub: holder.vaultId,
      aud: `${url}/oauth/token`,
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(randomBytes(16)),
    },
    holder.deviceKeys.signing.secretKey,
  )
  return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString()
}

const post = (base: string, body: string, dpop: string) =>
  fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
    body,
  })

describe('OAuth refusals and DPoP nonces the black-box suite cannot reach', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost({}, { app: { rateLimits: { token: 10 } } })
  })
  afterAll(async () => host?.close())

  /** Asks `base` for a nonce with a proof from a clock `hoursSlow` behind, and returns the nonce. */
  async function nonceFor(holder: HolderClient, base: string, iat: number): Promise<string> {
    const asked = await post(base, deviceLogin(holder, host.url), proof(holder.deviceKeys.signing, host.url, { iat }))
    expect(asked.status).toBe(400)
    expect(await asked.json()).toMatchObject({ error: 'use_dpop_nonce' })
    return asked.headers.get('dpop-nonce') as string
  }

  it('[API-DPOP-04] a device whose clock is 5 hours slow gets in with the nonce, but not 25 hours out', async () => {
    const holder = await HolderClient.createVault(host.url)
    const slow = Math.floor(Date.now() / 1000) - 5 * 3600
    const nonce = await nonceFor(holder, host.url, slow)
    const key = holder.deviceKeys.signing
    const accepted = await post(host.url, deviceLogin(holder, host.url), proof(key, host.url, { iat: slow, nonce }))
    expect(accepted.status, await accepted.clone().text()).toBe(200)
    // More than 24 hours out is not a clock error the host will cover, nonce or not.
    const dayAgo = Math.floor(Date.now() / 1000) - 25 * 3600
    const refused = await post(host.url, deviceLogin(holder, host.url), proof(key, host.url, { iat: dayAgo, nonce }))
    expect(await refused.json()).toMatchObject({ error: 'invalid_dpop_proof' })
  })

  // Only PostgreSQL hosts run as several instances on one database (SQLite is one process).
  it.skipIf(testDatabaseKind !== 'postgres')(
    '[API-DPOP-04] a nonce one instance gave is good on another instance on the same database',
    async () => {
      const holder = await HolderClient.createVault(host.url)
      const other = await host.startInstance()
      const slow = Math.floor(Date.now() / 1000) - 5 * 3600
      const nonce = await nonceFor(holder, host.url, slow)
      const accepted = await post(
        other.url,
        deviceLogin(holder, host.url),
        proof(holder.deviceKeys.signing, host.url, { iat: slow, nonce }),
      )
      expect(accepted.status, await accepted.clone().text()).toBe(200)
    },
  )

  it('[API-ERR-06] a rate-limited token endpoint answers slow_down as JSON, keeping Retry-After', async () => {
    let limited: Response | undefined
    for (let i = 0; i < 14 && limited === undefined; i++) {
      const response = await post(host.url, 'grant_type=refresh_token', 'not a proof')
      if (response.status === 429) limited = response
      else await response.body?.cancel()
    }
    expect(limited?.status).toBe(429)
    expect(limited?.headers.get('content-type')).toMatch(/^application\/json/)
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited?.json()).toMatchObject({ error: 'slow_down' })
  })
})
