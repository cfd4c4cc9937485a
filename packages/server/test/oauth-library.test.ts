import { HolderClient } from '@holdall/client'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from './harness.js'

/*
 * "Close enough to OAuth that a stock client library can obtain and use a token": the GP side of
 * the journey driven by oauth4webapi (a certified OpenID relying-party library), with its own
 * CIBA, private_key_jwt and DPoP code; none of ours.
 */
describe('a stock OAuth 2 client library', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  it('[API-DPOP-01][API-TOK-01] obtains a DPoP-bound token by CIBA with private_key_jwt, and reads the grant', async () => {
    const holder = await HolderClient.createVault(host.url)
    const gp = host.orgs.gp.identity
    // The surgery's Ed25519 key as WebCrypto keys (PKCS#8 = a fixed prefix and the 32-byte seed).
    const pkcs8 = new Uint8Array([
      ...Buffer.from('302e020100300506032b657004220420', 'hex'),
      ...gp.keys.signing.secretKey,
    ])
    const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
    const dpopKeys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair

    const discovery = (await (await fetch(`${host.url}/.well-known/holdall`)).json()) as oauth.AuthorizationServer
    const as: oauth.AuthorizationServer = { ...discovery, issuer: host.url }
    const client: oauth.Client = { client_id: gp.clientId }
    const clientAuth = oauth.PrivateKeyJwt(privateKey)
    const insecure = { [oauth.allowInsecureRequests]: true } // the test host is on http://127.0.0.1

    const { code } = await holder.createPairingCode()
    const started = await oauth.backchannelAuthenticationRequest(
      as,
      client,
      clientAuth,
      {
        login_hint: code,
        binding_message: 'Riverside 8080',
        authorization_details: JSON.stringify([
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'Repeat prescription',
            duration_days: 7,
          },
        ]),
      },
      insecure,
    )
    const { auth_req_id } = await oauth.processBackchannelAuthenticationResponse(as, client, started)

    const dpop = oauth.DPoP(client, dpopKeys)
    const pending = await oauth.backchannelAuthenticationGrantRequest(as, client, clientAuth, auth_req_id, {
      DPoP: dpop,
      ...insecure,
    })
    await expect(oauth.processBackchannelAuthenticationGrantResponse(as, client, pending)).rejects.toMatchObject({
      error: 'authorization_pending',
    })

    const [request] = await holder.pendingRequests()
    await holder.approve(request as NonNullable<typeof request>, host.trust)

    const granted = await oauth.backchannelAuthenticationGrantRequest(as, client, clientAuth, auth_req_id, {
      DPoP: dpop,
      ...insecure,
    })
    const tokens = await oauth.processBackchannelAuthenticationGrantResponse(as, client, granted)
    expect(tokens.token_type.toLowerCase()).toBe('dpop')

    const response = await oauth.protectedResourceRequest(
      tokens.access_token,
      'GET',
      new URL(`${host.url}/grant`),
      undefined,
      undefined,
      {
        DPoP: dpop,
        ...insecure,
      },
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ client_id: gp.clientId, status: 'active' })
  })
})
