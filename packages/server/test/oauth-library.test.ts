import { clientMetadataDocument, HolderClient, type ServiceIdentity } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import * as oauth from 'oauth4webapi'
import * as openid from 'openid-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from './harness.js'

/*
 * "A third-party developer integrates with the library they already trust": the GP side of the
 * journey driven by oauth4webapi and by openid-client (certified OpenID relying-party libraries),
 * each with its own discovery, CIBA, private_key_jwt, DPoP and refresh code; none of ours, and no
 * workaround: the host is found from its issuer URL alone, the client's metadata document carries
 * the standard RFC 7591 members, and openid-client's own poller waits for the holder.
 */

const DETAILS = JSON.stringify([
  {
    type: 'holdall_records',
    actions: ['read'],
    record_types: ['medication_list'],
    purpose: 'Repeat prescription',
    duration_days: 7,
  },
])

/** A surgery whose metadata document is what a stock tool writes: standard members, an alg, an extra member. */
function stockSurgery(host: Host, path: string): { identity: ServiceIdentity; privateKey: Promise<CryptoKey> } {
  const keys = generateDeviceKeys()
  const clientId = `${host.metadataBase}${path}`
  const identity: ServiceIdentity = {
    clientId,
    name: 'Stock Surgery',
    category: 'gp_surgery',
    registryCode: 'B99999',
    keys,
  }
  const plain = clientMetadataDocument(identity)
  host.publish(path, {
    ...plain,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'Ed25519',
    grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    backchannel_token_delivery_mode: 'poll',
    dpop_bound_access_tokens: true,
    client_uri: 'https://stock-surgery.example/',
    jwks: { keys: [{ ...plain.jwks.keys[0], alg: 'Ed25519' }, plain.jwks.keys[1]] },
  })
  // The surgery's Ed25519 key as a WebCrypto key (PKCS#8 = a fixed prefix and the 32-byte seed).
  const pkcs8 = new Uint8Array([...Buffer.from('302e020100300506032b657004220420', 'hex'), ...keys.signing.secretKey])
  return { identity, privateKey: crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']) }
}

const newDpopKeys = async () =>
  (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair

describe('stock OAuth 2 client libraries', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  it('[DISC-06][API-DPOP-01][API-TOK-01] oauth4webapi: discovery, CIBA, token, read, refresh, refusal after revocation', async () => {
    const holder = await HolderClient.createVault(host.url)
    const surgery = stockSurgery(host, '/orgs/stock-surgery-oauth4webapi')
    const insecure = { [oauth.allowInsecureRequests]: true } // the test host is on http://127.0.0.1
    const issuer = new URL(host.url)
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    )
    const client: oauth.Client = { client_id: surgery.identity.clientId }
    const clientAuth = oauth.PrivateKeyJwt(await surgery.privateKey)
    const dpop = oauth.DPoP(client, await newDpopKeys())

    const { code } = await holder.createPairingCode()
    const started = await oauth.backchannelAuthenticationRequest(
      as,
      client,
      clientAuth,
      { login_hint: code, binding_message: 'Stock 8080', authorization_details: DETAILS },
      insecure,
    )
    const { auth_req_id } = await oauth.processBackchannelAuthenticationResponse(as, client, started)
    const poll = () =>
      oauth.backchannelAuthenticationGrantRequest(as, client, clientAuth, auth_req_id, { DPoP: dpop, ...insecure })
    await expect(oauth.processBackchannelAuthenticationGrantResponse(as, client, await poll())).rejects.toMatchObject({
      error: 'authorization_pending',
    })

    const [request] = await holder.pendingRequests()
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust)
    await new Promise((resolve) => setTimeout(resolve, 2000)) // the interval the host asked for
    const tokens = await oauth.processBackchannelAuthenticationGrantResponse(as, client, await poll())
    expect(tokens.token_type.toLowerCase()).toBe('dpop')

    const read = (accessToken: string) =>
      oauth.protectedResourceRequest(accessToken, 'GET', new URL(`${host.url}/grant`), undefined, undefined, {
        DPoP: dpop,
        ...insecure,
      })
    const response = await read(tokens.access_token)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ client_id: surgery.identity.clientId, status: 'active' })

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token as string, {
        DPoP: dpop,
        ...insecure,
      }),
    )
    expect((await read(refreshed.access_token)).status).toBe(200)

    await holder.revoke(grant.grant_id)
    await expect(read(refreshed.access_token)).rejects.toMatchObject({ status: 401 })
    await expect(
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshed.refresh_token as string, {
          DPoP: dpop,
          ...insecure,
        }),
      ),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('[DISC-06][API-REQ-05] openid-client: discovery, its own CIBA poller, read, refresh, refusal after revocation', async () => {
    const holder = await HolderClient.createVault(host.url)
    const surgery = stockSurgery(host, '/orgs/stock-surgery-openid-client')
    const config = await openid.discovery(
      new URL(host.url),
      surgery.identity.clientId,
      undefined,
      openid.PrivateKeyJwt(await surgery.privateKey),
      { algorithm: 'oauth2', execute: [openid.allowInsecureRequests] },
    )
    const dpop = openid.getDPoPHandle(config, await newDpopKeys())
    const { code } = await holder.createPairingCode()
    const started = await openid.initiateBackchannelAuthentication(config, {
      login_hint: code,
      binding_message: 'Stock 9090',
      authorization_details: DETAILS,
    })
    // The holder answers a little later, while the library's poller is waiting.
    const approval = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const [request] = await holder.pendingRequests()
      return holder.approve(request as NonNullable<typeof request>, host.trust)
    })()
    const tokens = await openid.pollBackchannelAuthenticationGrant(config, started, undefined, { DPoP: dpop })
    const grant = await approval
    const read = (accessToken: string) =>
      openid.fetchProtectedResource(config, accessToken, new URL(`${host.url}/grant`), 'GET', undefined, undefined, {
        DPoP: dpop,
      })
    expect((await read(tokens.access_token)).status).toBe(200)

    const refreshed = await openid.refreshTokenGrant(config, tokens.refresh_token as string, undefined, { DPoP: dpop })
    expect((await read(refreshed.access_token)).status).toBe(200)

    await holder.revoke(grant.grant_id)
    await expect(read(refreshed.access_token)).rejects.toMatchObject({ status: 401 })
    await expect(
      openid.refreshTokenGrant(config, refreshed.refresh_token as string, undefined, { DPoP: dpop }),
    ).rejects.toMatchObject({ error: 'invalid_grant' })
  })
})
