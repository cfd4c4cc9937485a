import { HostConnection } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceAccessToken, expectProblem, type Scenario, scenario } from './attacks/support.js'
import { type Host, startHost } from './harness.js'

/*
 * What a black-box client written from RFC 9110, 6750, 9449 and 9457 expects of the edges of the
 * host: bodies of actions that take none, methods a path does not take, HEAD, OPTIONS, the case
 * of an auth scheme, challenges, and the nonce on every token-endpoint answer. Each case was
 * found by probing the running host as such a client would.
 */
describe('HTTP semantics at the edges', () => {
  let host: Host
  let s: Scenario
  let token = ''
  beforeAll(async () => {
    host = await startHost()
    s = await scenario(host)
    token = await deviceAccessToken(s.holder, s.device)
  })
  afterAll(async () => host?.close())

  const vaultPath = (rest = '') => `/vaults/${s.holder.vaultId}${rest}`
  const asDevice = (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; scheme?: string } = {},
  ) =>
    s.device.proof(method, path, token).then((dpop) =>
      fetch(`${host.url}${path}`, {
        method,
        headers: { authorization: `${init.scheme ?? 'DPoP'} ${token}`, dpop, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
      }),
    )
  const json = { 'content-type': 'application/json' }

  it('[API-JSON-01][API-ERR-03] actions that take no input take exactly {} as JSON, and nothing else', async () => {
    const grantId = s.gpGrant.grant.grant_id
    for (const path of [
      vaultPath('/pairing-codes'),
      vaultPath('/requests/AAAAAAAAAAAAAAAAAAAAAA/deny'),
      vaultPath(`/grants/${grantId}/revoke`),
      vaultPath('/recoveries/AAAAAAAAAAAAAAAAAAAAAA/cancel'),
    ]) {
      for (const body of ['{"x":1}', '[]', 'null', '{"constructor":{"a":1}}'])
        await expectProblem(await asDevice('POST', path, { body, headers: json }), 400, 'invalid_request')
      await expectProblem(
        await asDevice('POST', path, { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        415,
        'unsupported_media_type',
      )
      await expectProblem(
        await asDevice('POST', path, { body: 'zzz', headers: { 'content-type': 'application/octet-stream' } }),
        415,
        'unsupported_media_type',
      )
    }
    // The grant those refusals named is still live, and `{}` still makes a code.
    expect((await s.gp.grant()).grant_id).toBe(grantId)
    expect((await asDevice('POST', vaultPath('/pairing-codes'), { body: '{}', headers: json })).status).toBe(201)
  })

  it('answers a known path asked with the wrong method 405 with Allow, an unknown path 404', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/healthz', 'GET, HEAD'],
      ['POST', '/.well-known/holdall', 'GET, HEAD'],
      ['PUT', '/vaults', 'POST'],
      ['DELETE', `/vaults/${'A'.repeat(22)}/records`, 'GET, HEAD'],
    ] as const) {
      const response = await fetch(`${host.url}${path}`, { method })
      await expectProblem(response, 405, 'method_not_allowed')
      expect(response.headers.get('allow')).toBe(allow)
    }
    const oauth = await fetch(`${host.url}/oauth/token`)
    expect(oauth.status).toBe(405)
    expect(oauth.headers.get('allow')).toBe('POST')
    expect(await oauth.json()).toMatchObject({ error: 'invalid_request' })
    await expectProblem(await fetch(`${host.url}/no-such-thing`, { method: 'DELETE' }), 404, 'not_found')
  })

  it('answers OPTIONS without a fault', async () => {
    for (const path of ['/vaults', '/grant', '/oauth/token', '/docs']) {
      const response = await fetch(`${host.url}${path}`, { method: 'OPTIONS' })
      expect(response.status, path).toBeLessThan(500)
    }
  })

  it('answers HEAD on the event stream at once, holding no stream open', async () => {
    for (let i = 0; i < 8; i++) {
      const response = await asDevice('HEAD', vaultPath('/events'))
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    }
    // Eight HEADs took no stream slot: a real stream still opens.
    const controller = new AbortController()
    const stream = await s.device.proof('GET', vaultPath('/events'), token).then((dpop) =>
      fetch(`${host.url}${vaultPath('/events')}`, {
        headers: { authorization: `DPoP ${token}`, dpop },
        signal: controller.signal,
      }),
    )
    expect(stream.status).toBe(200)
    controller.abort()
  })

  it('takes the DPoP auth scheme in any case (RFC 9110 11.1)', async () => {
    for (const scheme of ['dpop', 'DPOP', 'DPoP'])
      expect((await asDevice('GET', vaultPath('/records'), { scheme })).status, scheme).toBe(200)
  })

  it('[API-TOK-04] challenges without an error code when no credentials came, and names both algorithms on a replay', async () => {
    const bare = await fetch(`${host.url}${vaultPath('/records')}`)
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toBe('DPoP algs="Ed25519 EdDSA"')
    const dpop = await s.device.proof('GET', vaultPath('/records'), token)
    const send = () =>
      fetch(`${host.url}${vaultPath('/records')}`, { headers: { authorization: `DPoP ${token}`, dpop } })
    expect((await send()).status).toBe(200)
    const replayed = await send()
    expect(replayed.status).toBe(401)
    expect(replayed.headers.get('www-authenticate')).toBe('DPoP error="invalid_dpop_proof", algs="Ed25519 EdDSA"')
  })

  it('[API-DPOP-04] puts a nonce on token-endpoint refusals made before its handler', async () => {
    const noType = await fetch(`${host.url}/oauth/token`, { method: 'POST', body: 'grant_type=x' })
    const badVersion = await fetch(`${host.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'holdall-version': '9' },
      body: 'grant_type=x',
    })
    for (const response of [noType, badVersion]) {
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(response.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]{16,}$/)
    }
  })

  it('[API-REQ-04] caps a long requested_expiry at its own limit instead of refusing it', async () => {
    const connection = new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
    const { qr } = await s.holder.createPairingCode()
    const gp = host.service(host.orgs.gp)
    const { authReqId } = await gp.requestAccess({
      pairingCode: qr,
      bindingMessage: 'Long ask',
      requestedExpiry: 99_999_999,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 7,
        },
      ],
    })
    expect(authReqId).toBeTruthy()
    const pending = (await s.holder.pendingRequests()).find((request) => request.binding_message === 'Long ask')
    expect(pending?.expires_at).toBeLessThanOrEqual(Date.now() + 10 * 60_000 + 2000)
    void connection
  })
})
