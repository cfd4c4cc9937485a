import { HolderClient, HostConnection, type ServiceClient } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, signCompactJws } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * Every refusal the journey depends on, over real HTTP: each asserts the status and stable code,
 * and that nothing was granted or served.
 */
describe('refusals', () => {
  let host: Host
  let holder: HolderClient
  let other: HolderClient
  let gp: ServiceClient
  let token = ''

  async function grantGp(durationDays = 14) {
    const client = host.service(host.orgs.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await client.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 5150',
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
    const request = (await holder.pendingRequests()).find((r) => r.client_id === host.orgs.gp.identity.clientId)
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust, { durationDays })
    await client.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    return { client, grant }
  }

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    other = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord(
      'appointment',
      {
        recordType: 'appointment',
        with: 'Probation',
        purpose: 'First meeting',
        time: '2026-11-23T10:00:00Z',
        address: 'Leeds',
      },
      'Appointment',
    )
    await other.putRecord('medication_list', medicationList(), 'Someone else')
    ;({ client: gp } = await grantGp())
    // The raw token, to build requests by hand (accessToken is protected in the SDK).
    token = await (gp as unknown as { accessToken(): Promise<string> }).accessToken()
  })
  afterAll(async () => host?.close())

  const gpConnection = () => new HostConnection(host.url, host.orgs.gp.identity.keys.signing)

  it('[API-ACC-01] a record type outside the grant is neither listed nor served', async () => {
    const own = await holder.listRecords()
    const appointment = own.find((r) => r.record_type === 'appointment')
    expect((await gp.records()).map((r) => r.record_type)).toEqual(['medication_list'])
    const response = await gpConnection().send({
      method: 'GET',
      path: `/grant/blobs/${appointment?.ciphertext_sha256}`,
      accessToken: token,
    })
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ code: 'not_found' })
  })

  it("[API-ACC-01][API-VAULT-02] another vault's record is not found, exactly as an unknown one", async () => {
    const theirs = (await other.listRecords())[0]
    const response = await gpConnection().send({
      method: 'GET',
      path: `/grant/blobs/${theirs?.ciphertext_sha256}`,
      accessToken: token,
    })
    expect(response.status).toBe(404)
    const unknown = await gpConnection().send({
      method: 'GET',
      path: `/grant/blobs/${base64urlEncode(new Uint8Array(32))}`,
      accessToken: token,
    })
    expect(unknown.status).toBe(404)
    expect(await response.json()).toEqual(await unknown.json())
    // A holder asking for another vault gets the same answer as for a vault that does not exist.
    await expect(holder.readRecord(theirs as NonNullable<typeof theirs>)).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    })
  })

  it('[API-DPOP-02] a replayed DPoP proof is refused', async () => {
    const connection = gpConnection()
    const proof = await connection.proof('GET', '/grant/records', token)
    const send = () => fetch(`${host.url}/grant/records`, { headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect((await send()).status).toBe(200)
    const replay = await send()
    expect(replay.status).toBe(401)
    expect(replay.headers.get('www-authenticate')).toContain('invalid_dpop_proof')
  })

  it('[API-TOK-01] a Bearer downgrade is refused', async () => {
    const proof = await gpConnection().proof('GET', '/grant/records', token)
    const response = await fetch(`${host.url}/grant/records`, {
      headers: { authorization: `Bearer ${token}`, dpop: proof },
    })
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('[API-DPOP-03] a token presented with another key is refused', async () => {
    const thief = new HostConnection(host.url, generateSigningKeyPair())
    const response = await thief.send({ method: 'GET', path: '/grant/records', accessToken: token })
    expect(response.status).toBe(401)
  })

  it('[API-DPOP-01] a DPoP proof for another URL or method is refused', async () => {
    const connection = gpConnection()
    const wrongPath = await connection.proof('GET', '/grant', token)
    expect(
      (await fetch(`${host.url}/grant/records`, { headers: { authorization: `DPoP ${token}`, dpop: wrongPath } }))
        .status,
    ).toBe(401)
    const wrongMethod = await connection.proof('POST', '/grant/records', token)
    expect(
      (await fetch(`${host.url}/grant/records`, { headers: { authorization: `DPoP ${token}`, dpop: wrongMethod } }))
        .status,
    ).toBe(401)
  })

  it('[API-TOK-02] an expired grant is refused', async () => {
    const { client, grant } = await grantGp(1)
    await host.db
      .updateTable('grants')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', grant.grant_id)
      .execute()
    await expect(client.records()).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
  })

  it('[API-GRANT-01] a forged or missing grant receipt makes no grant', async () => {
    const client = host.service(host.orgs.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await client.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 6000',
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
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === 'Riverside 6000')
    const vaultId = holder.vaultId
    const forger = generateSigningKeyPair()
    const now = Math.floor(Date.now() / 1000)
    const forged = signCompactJws(
      { typ: 'grant+jwt', alg: 'EdDSA' },
      {
        iss: holder.deviceId,
        sub: vaultId,
        aud: host.url,
        jti: base64urlEncode(new Uint8Array(16).fill(7)),
        iat: now,
        exp: now + 3600,
      },
      forger.secretKey,
    )
    const device = new HostConnection(host.url, holder.deviceKeys.signing)
    const path = `/vaults/${vaultId}/requests/${request?.request_id}/approve`
    const forgedResponse = await device.send({
      method: 'POST',
      path,
      json: { receipt: forged, wraps: [] },
      accessToken: await deviceAccessToken(holder, device),
    })
    expect(forgedResponse.status).toBe(422)
    expect(await forgedResponse.json()).toMatchObject({ code: 'signature_invalid' })
    const missing = await device.send({
      method: 'POST',
      path,
      json: { wraps: [] },
      accessToken: await deviceAccessToken(holder, device),
    })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ code: 'invalid_request' })
    await expect(client.waitForDecision(authReqId, { timeoutMs: -1 })).rejects.toMatchObject({
      error: 'authorization_pending',
    })
  })

  it('[API-PAIR-01] a pairing code works once, and guessing is cut off', async () => {
    const client = host.service(host.orgs.probation)
    const { qr: code } = await holder.createPairingCode()
    const ask = (pairingCode: string, n: number) =>
      client.requestAccess({
        pairingCode,
        bindingMessage: `Probation ${1000 + n}`,
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['appointment'],
            purpose: 'Supervision',
            duration_days: 1,
          },
        ],
      })
    await ask(code, 0)
    await expect(ask(code, 1)).rejects.toMatchObject({ error: 'unknown_user_id' })
    for (let i = 2; i < 11; i++)
      await expect(ask(`ZZZZ${1000 + i}`.slice(0, 8), i)).rejects.toMatchObject({ error: 'unknown_user_id' })
    const fresh = await holder.createPairingCode()
    await expect(ask(fresh.code, 99)).rejects.toMatchObject({ status: 429, error: 'slow_down' })
  })

  it('[API-ERR-01] the token endpoint refuses unknown grant types and unauthenticated clients the OAuth way', async () => {
    const response = await fetch(`${host.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=a&password=b',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' })
    const noClient = await fetch(`${host.url}/oauth/bc-authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login_hint=ABCDEFGH',
    })
    expect(noClient.status).toBe(401)
    expect(await noClient.json()).toMatchObject({ error: 'invalid_client' })
  })
})

/** A fresh device access token, to call holder routes with bodies the SDK would never send. */
async function deviceAccessToken(holder: HolderClient, device: HostConnection): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const assertion = signCompactJws(
    { typ: 'JWT', alg: 'EdDSA' },
    {
      iss: holder.deviceId,
      sub: holder.vaultId,
      aud: `${device.baseUrl}/oauth/token`,
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(crypto.getRandomValues(new Uint8Array(16))),
    },
    holder.deviceKeys.signing.secretKey,
  )
  const tokens = await device.json<{ access_token: string }>({
    method: 'POST',
    path: '/oauth/token',
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
  })
  return tokens.access_token
}
