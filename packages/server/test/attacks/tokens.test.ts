import { createHash, createHmac } from 'node:crypto'
import { HostConnection } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, randomBytes, signCompactJws, toPublicJwk } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { type Host, startHost } from '../harness.js'
import {
  b64json,
  craftProof,
  craftUnsigned,
  deviceAccessToken,
  expectNothingStored,
  expectProblem,
  type Scenario,
  scenario,
  storageSnapshot,
} from './support.js'

/*
 * security.md 5.3, tokens, DPoP and authorisation (cases 15-23, 27). Each request is built by
 * hand with exactly one thing wrong, against the real host; each asserts the status, the stable
 * code, and that the host stored nothing because of it.
 */
describe('attacks on tokens and DPoP', () => {
  let host: Host
  let s: Scenario
  let records = ''
  const gpKey = () => host.orgs.gp.identity.keys.signing

  /** GET /grant/records with the GP's token and the given DPoP header (or none). */
  const readWith = (dpop: string | undefined, scheme = 'DPoP', extra: Record<string, string> = {}) =>
    fetch(records, {
      headers: { authorization: `${scheme} ${s.gpGrant.token}`, ...(dpop === undefined ? {} : { dpop }), ...extra },
    })
  const proof = (options: Partial<Parameters<typeof craftProof>[1]> = {}) =>
    craftProof(gpKey(), { url: records, method: 'GET', accessToken: s.gpGrant.token, ...options })

  beforeAll(async () => {
    host = await startHost()
    s = await scenario(host)
    records = `${host.url}/grant/records`
  })
  afterAll(async () => host?.close())

  it('the well-formed proof the other cases break is accepted', async () => {
    expect((await readWith(proof())).status).toBe(200)
  })

  it('[API-DPOP-01] A15 refuses alg none, HS256 keyed with the public key, and algorithms off the allowlist', async () => {
    const claims = {
      jti: base64urlEncode(randomBytes(16)),
      htm: 'GET',
      htu: records,
      iat: Math.floor(Date.now() / 1000),
      ath: createHash('sha256').update(s.gpGrant.token).digest('base64url'),
    }
    const jwk = toPublicJwk(gpKey().publicKey, 'Ed25519')
    const none = craftUnsigned({ typ: 'dpop+jwt', alg: 'none', jwk }, claims)
    const hsInput = `${b64json({ typ: 'dpop+jwt', alg: 'HS256', jwk })}.${b64json(claims)}`
    const hs256 = `${hsInput}.${createHmac('sha256', Buffer.from(gpKey().publicKey)).update(hsInput).digest('base64url')}`
    const es256Label = proof({ header: { alg: 'ES256' } })
    await expectNothingStored(host, async () => {
      for (const bad of [none, hs256, es256Label]) {
        const response = await readWith(bad)
        await expectProblem(response, 401, 'unauthorized')
        expect(response.headers.get('www-authenticate')).toContain('invalid_dpop_proof')
      }
    })
  })

  it('[API-DPOP-01] A15 refuses alg none in a client assertion and in a device assertion', async () => {
    const now = Math.floor(Date.now() / 1000)
    const clientId = host.orgs.gp.identity.clientId
    const clientClaims = () => ({
      iss: clientId,
      sub: clientId,
      aud: `${host.url}/oauth/bc-authorize`,
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(randomBytes(16)),
    })
    const backchannel = (assertion: string) =>
      fetch(`${host.url}/oauth/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          login_hint: 'ZZZZ-ZZZZ',
        }),
      })
    const deviceClaims = () => ({
      iss: s.holder.deviceId,
      sub: s.holder.vaultId,
      aud: `${host.url}/oauth/token`,
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(randomBytes(16)),
    })
    const tokenFor = (assertion: string) =>
      s.device.send({
        method: 'POST',
        path: '/oauth/token',
        form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
      })
    await expectNothingStored(host, async () => {
      const none = await backchannel(craftUnsigned({ alg: 'none', typ: 'JWT' }, clientClaims()))
      expect(none.status).toBe(401)
      expect(await none.json()).toMatchObject({ error: 'invalid_client' })
      // The control: the same assertion signed passes client authentication (and fails later).
      const signed = await backchannel(
        signCompactJws({ typ: 'JWT', alg: 'EdDSA' }, clientClaims(), host.orgs.gp.identity.keys.signing.secretKey),
      )
      expect(signed.status).toBe(400)
      const device = await tokenFor(craftUnsigned({ alg: 'none', typ: 'JWT' }, deviceClaims()))
      expect(device.status).toBe(400)
      expect(await device.json()).toMatchObject({ error: 'invalid_grant' })
    })
    const control = await tokenFor(
      signCompactJws({ typ: 'JWT', alg: 'EdDSA' }, deviceClaims(), s.holder.deviceKeys.signing.secretKey),
    )
    expect(control.status).toBe(200)
  })

  it('[API-DPOP-01][API-DPOP-03] A16 refuses a proof carrying a private key, and a proof by a key the token is not bound to', async () => {
    const withPrivate = proof({
      header: { jwk: { ...toPublicJwk(gpKey().publicKey, 'Ed25519'), d: base64urlEncode(gpKey().secretKey) } },
    })
    const thief = generateSigningKeyPair()
    const otherKey = craftProof(thief, { url: records, method: 'GET', accessToken: s.gpGrant.token })
    await expectNothingStored(host, async () => {
      await expectProblem(await readWith(withPrivate), 401, 'unauthorized')
      await expectProblem(await readWith(otherKey), 401, 'unauthorized')
    })
  })

  it('[API-DPOP-02] A17 refuses a replayed proof at this process and at a second process on the same database; the same jti under another key is no collision', async () => {
    const jti = base64urlEncode(randomBytes(16))
    const once = proof({ claims: { jti } })
    expect((await readWith(once)).status).toBe(200)
    await expectProblem(await readWith(once), 401, 'unauthorized')
    const second = await buildApp({ config: host.config })
    try {
      const response = await second.inject({
        method: 'GET',
        url: '/grant/records',
        headers: { authorization: `DPoP ${s.gpGrant.token}`, dpop: once },
      })
      expect(response.statusCode).toBe(401)
      expect(response.json()).toMatchObject({ code: 'unauthorized' })
    } finally {
      await second.close()
    }
    // Another key may pick the same jti: the replay key is (jkt, jti), so the device gets a token.
    const assertion = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA' },
      {
        iss: s.holder.deviceId,
        sub: s.holder.vaultId,
        aud: `${host.url}/oauth/token`,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 60,
        jti: base64urlEncode(randomBytes(16)),
      },
      s.holder.deviceKeys.signing.secretKey,
    )
    const sameJti = await fetch(`${host.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        dpop: craftProof(s.holder.deviceKeys.signing, {
          url: `${host.url}/oauth/token`,
          method: 'POST',
          claims: { jti },
        }),
      },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    })
    expect(sameJti.status).toBe(200)
  })

  it('[API-DPOP-01] A18 refuses htu with another host, scheme, path, a trailing slash or a query, and ignores X-Forwarded-Host', async () => {
    const url = new URL(records)
    const variants = [
      `${url.protocol}//evil.example${url.pathname}`,
      `https://${url.host}${url.pathname}`,
      `${url.origin}/grant`,
      `${records}/`,
      `${records}?all=1`,
    ]
    await expectNothingStored(host, async () => {
      for (const htu of variants) await expectProblem(await readWith(proof({ url: htu })), 401, 'unauthorized')
      const spoofed = proof({ url: `http://evil.example${url.pathname}` })
      await expectProblem(
        await readWith(spoofed, 'DPoP', { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }),
        401,
        'unauthorized',
      )
    })
  })

  it('[API-DPOP-01] A19 refuses a proof issued 10 minutes ago or in the future, and one without iat', async () => {
    const now = Math.floor(Date.now() / 1000)
    await expectNothingStored(host, async () => {
      await expectProblem(await readWith(proof({ claims: { iat: now - 600 } })), 401, 'unauthorized')
      await expectProblem(await readWith(proof({ claims: { iat: now + 600 } })), 401, 'unauthorized')
      await expectProblem(await readWith(proof({ omit: ['iat'] })), 401, 'unauthorized')
    })
  })

  it('[API-TOK-01][API-DPOP-03] A20 refuses a Bearer downgrade, a missing proof, and two DPoP headers', async () => {
    await expectNothingStored(host, async () => {
      await expectProblem(await readWith(proof(), 'Bearer'), 401, 'unauthorized')
      await expectProblem(await readWith(undefined), 401, 'unauthorized')
      const twice = await host.app.inject({
        method: 'GET',
        url: '/grant/records',
        headers: { authorization: `DPoP ${s.gpGrant.token}`, dpop: [proof(), proof()] },
      })
      expect(twice.statusCode).toBe(401)
    })
  })

  it('[API-DPOP-01] A21 refuses a proof without jti, htm or htu, and a device assertion without exp or for another audience', async () => {
    await expectNothingStored(host, async () => {
      for (const claim of ['jti', 'htm', 'htu'])
        await expectProblem(await readWith(proof({ omit: [claim] })), 401, 'unauthorized')
      await expectProblem(await readWith(proof({ header: { typ: 'JWT' } })), 401, 'unauthorized')
    })
    const now = Math.floor(Date.now() / 1000)
    const assertion = (claims: Record<string, unknown>, omit?: string) => {
      const all: Record<string, unknown> = {
        iss: s.holder.deviceId,
        sub: s.holder.vaultId,
        aud: `${host.url}/oauth/token`,
        iat: now,
        exp: now + 60,
        jti: base64urlEncode(randomBytes(16)),
        ...claims,
      }
      if (omit !== undefined) delete all[omit]
      return signCompactJws({ typ: 'JWT', alg: 'EdDSA' }, all, s.holder.deviceKeys.signing.secretKey)
    }
    const tokensBefore = storageSnapshot(host.dataDir).rows.tokens
    for (const bad of [
      assertion({}, 'exp'),
      assertion({ aud: 'https://other.example/oauth/token' }),
      assertion({ iss: 'someone' }),
    ]) {
      const response = await s.device.send({
        method: 'POST',
        path: '/oauth/token',
        form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: bad },
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
    }
    expect(storageSnapshot(host.dataDir).rows.tokens).toBe(tokensBefore)
  })

  it('[API-DPOP-02] A22 a proof whose signature encoding is tweaked is still a replay of its jti', async () => {
    const original = proof()
    expect((await readWith(original)).status).toBe(200)
    const last = original.at(-1) as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // The last character of a 64-byte signature carries 4 unused bits: flip one of them.
    const tweaked = `${original.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`
    expect(tweaked).not.toBe(original)
    await expectProblem(await readWith(tweaked), 401, 'unauthorized')
  })

  it('[API-REV-01] A23 after revocation the access token and the refresh token are dead at once', async () => {
    const probation = host.service(host.orgs.probation)
    const { grant, token } = await s.grantService(probation, host.orgs.probation.identity.clientId, 'Probation 7000')
    const connection = new HostConnection(host.url, host.orgs.probation.identity.keys.signing)
    expect((await connection.send({ method: 'GET', path: '/grant/records', accessToken: token })).status).toBe(200)
    await s.holder.revoke(grant.grant_id)
    await expectProblem(
      await connection.send({ method: 'GET', path: '/grant/records', accessToken: token }),
      401,
      'unauthorized',
    )
    await expect(probation.refresh()).rejects.toMatchObject({ status: 400, error: 'invalid_grant' })
  })

  it('[API-JSON-01] A27 an approval that over-posts scope "*" is refused and grants nothing', async () => {
    const gp = host.service(host.orgs.gp)
    const { qr: code } = await s.holder.createPairingCode()
    await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 7100',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 30,
        },
      ],
    })
    const request = (await s.holder.pendingRequests()).find((r) => r.binding_message === 'Riverside 7100')
    const accessToken = await deviceAccessToken(s.holder, s.device)
    await expectNothingStored(host, async () => {
      const response = await s.device.send({
        method: 'POST',
        path: `/vaults/${s.holder.vaultId}/requests/${request?.request_id}/approve`,
        json: { receipt: 'a.b.c', wraps: [], scope: '*' },
        accessToken,
      })
      await expectProblem(response, 400, 'invalid_request')
    })
  })
})
