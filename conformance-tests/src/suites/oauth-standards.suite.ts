import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, randomBytes, toPublicJwk } from '@holdall/crypto'
import { assertOAuthError, assertStatus } from '../assertions.js'
import { conformance, dpopProof, rawJws } from '../context.js'
import type { OrganisationName } from '../fixtures.js'

const ctx = conformance()

/*
 * What a stock OAuth client expects of a host (chapters 2.1, 2.4, 5.3, 5.4, 5.8, 5.12): RFC 8414
 * discovery, both names of Ed25519, server nonces, one redemption per request, authenticated
 * refresh, slow_down, and OAuth errors for every refusal of the OAuth endpoints.
 */
describe('standards a stock OAuth client expects (chapters 2 and 5)', () => {
  const approvedRequest = (holder: HolderClient, name: OrganisationName = 'gp') => ctx.approvedRequest(holder, name)

  const token = (form: Record<string, string>, dpop: string) =>
    fetch(ctx.url('/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
      body: new URLSearchParams(form).toString(),
    })

  /** A device login form (RFC 7523 jwt-bearer) with the assertion's `alg` as given. */
  function deviceLogin(holder: HolderClient, alg: string): Record<string, string> {
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      iss: holder.deviceId,
      sub: holder.vaultId,
      aud: ctx.url('/oauth/token'),
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(randomBytes(16)),
    }
    const assertion = rawJws({ typ: 'JWT', alg }, claims, holder.deviceKeys.signing)
    return { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }
  }

  it('[DISC-06] serves RFC 8414 metadata at /.well-known/oauth-authorization-server', async () => {
    const response = await fetch(ctx.url('/.well-known/oauth-authorization-server'))
    await assertStatus(response.clone(), 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    const metadata = (await response.json()) as Record<string, unknown>
    assert.equal(metadata.issuer, ctx.baseUrl)
    assert.equal(metadata.token_endpoint, ctx.url('/oauth/token'))
    assert.equal(metadata.backchannel_authentication_endpoint, ctx.url('/oauth/bc-authorize'))
    assert.deepEqual(metadata.response_types_supported, [])
    for (const grant of [
      'urn:openid:params:grant-type:ciba',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'refresh_token',
    ]) {
      assert.ok((metadata.grant_types_supported as string[]).includes(grant), grant)
    }
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['private_key_jwt'])
    assert.deepEqual(metadata.token_endpoint_auth_signing_alg_values_supported, ['Ed25519', 'EdDSA'])
    assert.deepEqual(metadata.dpop_signing_alg_values_supported, ['Ed25519', 'EdDSA'])
    assert.deepEqual(metadata.backchannel_token_delivery_modes_supported, ['poll'])
    assert.equal(metadata.backchannel_user_code_parameter_supported, false)
    assert.deepEqual(metadata.authorization_details_types_supported, ['holdall_records'])
    assert.equal(metadata.client_id_metadata_document_supported, true)
  })

  it('[API-ALG-01] accepts proofs and assertions named Ed25519 as well as EdDSA, and advertises both', async () => {
    const holder = await ctx.newHolder()
    for (const alg of ['Ed25519', 'EdDSA']) {
      const key = holder.deviceKeys.signing
      const proof = rawJws(
        { typ: 'dpop+jwt', alg, jwk: toPublicJwk(key.publicKey, 'Ed25519') },
        {
          jti: base64urlEncode(randomBytes(16)),
          htm: 'POST',
          htu: ctx.url('/oauth/token'),
          iat: Math.floor(Date.now() / 1000),
        },
        key,
      )
      await assertStatus(await token(deviceLogin(holder, alg), proof), 200)
    }
    const challenge = await ctx.send('GET', '/grant', { key: generateSigningKeyPair(), token: 'x'.repeat(43) })
    assert.equal(challenge.status, 401)
    assert.match(challenge.headers.get('www-authenticate') ?? '', /algs="Ed25519 EdDSA"/)
  })

  it('[API-DPOP-04] gives nonces, asks for one when a proof is stale, and then accepts a clock hours out', async () => {
    const holder = await ctx.newHolder()
    const key = holder.deviceKeys.signing
    const url = ctx.url('/oauth/token')
    const hoursAgo = Math.floor(Date.now() / 1000) - 3 * 3600
    const stale = await token(deviceLogin(holder, 'EdDSA'), dpopProof(key, 'POST', url, { claims: { iat: hoursAgo } }))
    const nonce = stale.headers.get('dpop-nonce')
    await assertOAuthError(stale, 'use_dpop_nonce')
    assert.match(nonce ?? '', /^[A-Za-z0-9_-]{22}$/, 'a use_dpop_nonce answer carries a DPoP-Nonce header')
    // The same clock, with the host's nonce: fresh by the host's clock, so accepted.
    const withNonce = await token(
      deviceLogin(holder, 'EdDSA'),
      dpopProof(key, 'POST', url, { claims: { iat: hoursAgo, nonce } }),
    )
    await assertStatus(withNonce.clone(), 200)
    assert.ok(withNonce.headers.get('dpop-nonce'), 'every token response carries a DPoP-Nonce header')
    const unknown = await token(
      deviceLogin(holder, 'EdDSA'),
      dpopProof(key, 'POST', url, { claims: { nonce: base64urlEncode(randomBytes(16)) } }),
    )
    await assertOAuthError(unknown, 'use_dpop_nonce')
    // At a resource: 401 with the challenge that names the error.
    const accessToken = ((await withNonce.json()) as { access_token: string }).access_token
    const resource = await fetch(ctx.url(`/vaults/${holder.vaultId}`), {
      headers: {
        authorization: `DPoP ${accessToken}`,
        dpop: dpopProof(key, 'GET', ctx.url(`/vaults/${holder.vaultId}`), { accessToken, claims: { iat: hoursAgo } }),
      },
    })
    assert.equal(resource.status, 401)
    assert.match(resource.headers.get('www-authenticate') ?? '', /error="use_dpop_nonce"/)
    assert.match(resource.headers.get('dpop-nonce') ?? '', /^[A-Za-z0-9_-]{22}$/)
  })

  it('[API-REQ-07] redeems an approved auth_req_id once only, even for the same service and key', async () => {
    const holder = await ctx.newHolder()
    const authReqId = await approvedRequest(holder)
    await assertStatus(await ctx.redeem('gp', authReqId), 200)
    await assertOAuthError(await ctx.redeem('gp', authReqId), 'invalid_grant')
  })

  it('[API-REQ-05] answers a poll that comes sooner than the interval with slow_down and a longer interval', async () => {
    const holder = await ctx.newHolder()
    const gp = ctx.service('gp')
    const { qr: code } = await holder.createPairingCode()
    const { authReqId, interval } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'STANDARDS 2',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
          purpose: 'Standards check',
          duration_days: 1,
        },
      ],
    })
    await assertOAuthError(await ctx.redeem('gp', authReqId), 'authorization_pending')
    const fast = await ctx.redeem('gp', authReqId)
    const body = (await fast.clone().json()) as { interval?: number }
    await assertOAuthError(fast, 'slow_down')
    assert.ok((body.interval ?? 0) > interval, 'slow_down names a longer interval')
  })

  it("[API-TOK-05] refuses a refresh without client authentication, or with another client's", async () => {
    const holder = await ctx.newHolder()
    const authReqId = await approvedRequest(holder)
    const redeemed = await ctx.redeem('gp', authReqId)
    await assertStatus(redeemed.clone(), 200)
    const { refresh_token } = (await redeemed.json()) as { refresh_token: string }
    const gp = ctx.connection(ctx.org('gp').keys.signing)
    const refresh = (extra: Record<string, string>) =>
      gp.send({ method: 'POST', path: '/oauth/token', form: { grant_type: 'refresh_token', refresh_token, ...extra } })
    await assertOAuthError(await refresh({}), 'invalid_client', 401)
    await assertOAuthError(await refresh({ client_id: ctx.org('gp').clientId }), 'invalid_client', 401)
    await assertOAuthError(await refresh(ctx.clientAuth('probation', '/oauth/token')), 'invalid_grant')
    await assertStatus(await refresh(ctx.clientAuth('gp', '/oauth/token')), 200)
  })

  it('[API-META-03] ignores unknown members and accepts the standard ones; refuses a document they contradict', async () => {
    const holder = await ctx.newHolder()
    const authReqId = await approvedRequest(holder, 'stockClient')
    await assertStatus(await ctx.redeem('stockClient', authReqId), 200)
    const { code } = await holder.createPairingCode()
    const asked = await ctx.connection(ctx.org('contradicting').keys.signing).send({
      method: 'POST',
      path: '/oauth/bc-authorize',
      form: {
        ...ctx.clientAuth('contradicting', '/oauth/bc-authorize'),
        login_hint: code,
        binding_message: 'STANDARDS 3',
        authorization_details: JSON.stringify([
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['appointment'],
            purpose: 'Standards check',
            duration_days: 1,
          },
        ]),
      },
    })
    await assertOAuthError(asked, 'invalid_client', 401)
  })

  it('[API-ERR-06] answers refusals that come before the endpoint itself as OAuth errors in JSON', async () => {
    const holder = await ctx.newHolder()
    const key = holder.deviceKeys.signing
    const versioned = await fetch(ctx.url('/oauth/token'), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'holdall-version': '99',
        dpop: dpopProof(key, 'POST', ctx.url('/oauth/token')),
      },
      body: new URLSearchParams(deviceLogin(holder, 'EdDSA')).toString(),
    })
    assert.match(versioned.headers.get('content-type') ?? '', /^application\/json/)
    await assertOAuthError(versioned, 'invalid_request')
    const wrongType = await fetch(ctx.url('/oauth/bc-authorize'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'login_hint=ABCDEFGH',
    })
    assert.match(wrongType.headers.get('content-type') ?? '', /^application\/json/)
    const body = (await wrongType.json()) as { error?: unknown }
    assert.equal(typeof body.error, 'string', 'an RFC 6749 error object')
  })
})
