import { HolderClient, HostConnection, sealRecord, signTrustList, verifyTrustList } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  createDeviceChainGenesis,
  generateDataKey,
  generateDeviceKeys,
  generateSigningKeyPair,
  randomBytes,
  signCompactJws,
  signInboxKeyStatement,
  toPublicJwk,
} from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

describe('host API rules', () => {
  let host: Host
  let holder: HolderClient

  beforeAll(async () => {
    host = await startHost({ maxRecordBytes: 64 * 1024 })
    holder = await HolderClient.createVault(host.url)
  })
  afterAll(async () => host?.close())

  const device = () => new HostConnection(host.url, holder.deviceKeys.signing)
  async function deviceToken(): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    const assertion = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA' },
      {
        iss: holder.deviceId,
        sub: holder.vaultId,
        aud: `${host.url}/oauth/token`,
        iat: now,
        exp: now + 60,
        jti: base64urlEncode(randomBytes(16)),
      },
      holder.deviceKeys.signing.secretKey,
    )
    const tokens = await device().json<{ access_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
    })
    return tokens.access_token
  }

  it('[API-JSON-01] refuses unknown members in a JSON body', async () => {
    const response = await device().send({
      method: 'POST',
      path: `/vaults/${holder.vaultId}/inbox/${base64urlEncode(randomBytes(16))}/accept`,
      json: { owner_wrap: base64urlEncode(new Uint8Array(72)), scope: '*' },
      accessToken: await deviceToken(),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 'invalid_request' })
  })

  it('[API-CACHE-01] answers with Cache-Control: no-store where keys, wraps and records travel', async () => {
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const token = await deviceToken()
    for (const path of [`/vaults/${holder.vaultId}`, `/vaults/${holder.vaultId}/records`]) {
      const response = await device().send({ method: 'GET', path, accessToken: token })
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('[API-VAULT-01] creates a vault only for the key that signs the DPoP proof', async () => {
    const named = generateDeviceKeys()
    const signer = new HostConnection(host.url, generateSigningKeyPair())
    const vaultId = randomBytes(16)
    const response = await signer.send({
      method: 'POST',
      path: '/vaults',
      json: {
        vault_id: base64urlEncode(vaultId),
        device: {
          signing: toPublicJwk(named.signing.publicKey, 'Ed25519'),
          agreement: toPublicJwk(named.agreement.publicKey, 'X25519'),
        },
        vrk_wrap: base64urlEncode(new Uint8Array(80)),
        inbox_key: toPublicJwk(named.agreement.publicKey, 'X25519'),
        inbox_statement: base64urlEncode(new Uint8Array(64)),
        device_chain_entry: base64urlEncode(
          createDeviceChainGenesis(vaultId, {
            signingSecretKey: named.signing.secretKey,
            agreementPublicKey: named.agreement.publicKey,
          }),
        ),
      },
    })
    expect(response.status).toBe(401)
  })

  it('[API-VAULT-01] answers 409 for a vault id that exists, on SQLite and PostgreSQL alike', async () => {
    // Decided by the driver's error code: a message-text check gave PostgreSQL a 500.
    const keys = generateDeviceKeys()
    const vaultId = base64urlDecode(holder.vaultId)
    const inbox = generateDeviceKeys().agreement.publicKey
    const response = await new HostConnection(host.url, keys.signing).send({
      method: 'POST',
      path: '/vaults',
      json: {
        vault_id: holder.vaultId,
        device: {
          signing: toPublicJwk(keys.signing.publicKey, 'Ed25519'),
          agreement: toPublicJwk(keys.agreement.publicKey, 'X25519'),
        },
        vrk_wrap: base64urlEncode(new Uint8Array(80)),
        inbox_key: toPublicJwk(inbox, 'X25519'),
        inbox_statement: base64urlEncode(
          signInboxKeyStatement({ vaultId, epoch: 0, inboxPublicKey: inbox }, keys.signing.secretKey),
        ),
        // A well-formed chain of its own, so the only thing wrong is the id that exists.
        device_chain_entry: base64urlEncode(
          createDeviceChainGenesis(vaultId, {
            signingSecretKey: keys.signing.secretKey,
            agreementPublicKey: keys.agreement.publicKey,
          }),
        ),
      },
    })
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({ code: 'conflict' })
  })

  it('caps the event streams one device holds open, and frees a slot when a stream closes', async () => {
    const token = await deviceToken()
    const open = () => device().send({ method: 'GET', path: `/vaults/${holder.vaultId}/events`, accessToken: token })
    const streams: Response[] = []
    for (let i = 0; i < 20; i++) streams.push(await open())
    const statuses = streams.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(4)
    expect(statuses.slice(4).every((s) => s === 429)).toBe(true)
    expect(await streams[4]?.json()).toMatchObject({ code: 'rate_limited' })
    for (const stream of streams) if (!stream.bodyUsed) await stream.body?.cancel()
    // The server sees the closes a moment later: a new stream is admitted once it has.
    let again = await open()
    for (let tries = 0; again.status === 429 && tries < 50; tries++) {
      await again.body?.cancel()
      await new Promise((resolve) => setTimeout(resolve, 20))
      again = await open()
    }
    expect(again.status).toBe(200)
    await again.body?.cancel()
  })

  it('[API-REC-01] stores a blob only with its exact length and hash, within the size limit', async () => {
    const token = await deviceToken()
    const body = randomBytes(1000)
    const wrongAddress = base64urlEncode(new Uint8Array(32))
    const mismatch = await device().send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/blobs/${wrongAddress}`,
      body,
      accessToken: token,
    })
    expect(mismatch.status).toBe(422)
    expect(await mismatch.json()).toMatchObject({ code: 'envelope_invalid' })
    const tooBig = await device().send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/blobs/${wrongAddress}`,
      body: new Uint8Array(70_000),
      accessToken: token,
    })
    expect(tooBig.status).toBe(413)
    // Nothing of the refused uploads is left: no temporary file, no orphaned chunk.
    const { readdirSync } = await import('node:fs')
    if (host.kind === 'sqlite') expect(readdirSync(`${host.dataDir}/tmp`)).toEqual([])
    const chunks = await host.db
      .selectFrom('blob_chunks')
      .select('upload_id')
      .where('upload_id', 'not in', (eb) => eb.selectFrom('blobs').select('upload_id'))
      .execute()
    expect(chunks).toEqual([])
  })

  it('[API-REC-02] accepts each record version once: a retry is 200, a different body or a gap is 409', async () => {
    const record = (await holder.listRecords())[0] as NonNullable<Awaited<ReturnType<HolderClient['listRecords']>>[0]>
    const token = await deviceToken()
    const body = {
      record_type: record.record_type,
      key_epoch: record.key_epoch,
      ciphertext_sha256: record.ciphertext_sha256,
      ciphertext_length: record.ciphertext_length,
      manifest: record.manifest,
      owner_wrap: record.wrap,
    }
    const path = (v: number) => `/vaults/${holder.vaultId}/records/${record.record_id}/versions/${v}`
    const again = await device().send({ method: 'PUT', path: path(1), json: body, accessToken: token })
    expect(again.status).toBe(200)
    const gap = await device().send({ method: 'PUT', path: path(3), json: body, accessToken: token })
    expect([409, 422]).toContain(gap.status)
    // A retry may carry a new owner wrap (fresh nonce): same manifest, same version, still 200.
    const rewrapped = await device().send({
      method: 'PUT',
      path: path(1),
      json: { ...body, owner_wrap: base64urlEncode(new Uint8Array(72)) },
      accessToken: token,
    })
    expect(rewrapped.status).toBe(200)
    // A different version 1 (another envelope, another manifest) is a conflict.
    const { sealed, manifest } = sealRecord({
      recordType: 'medication_list',
      dek: generateDataKey(),
      vaultId: holder.vaultId,
      recordId: record.record_id,
      version: 1,
      keyEpoch: 0,
      payload: medicationList(),
      title: 'Another version 1',
      authorSecretKey: holder.deviceKeys.signing.secretKey,
      authorPublicKey: holder.deviceKeys.signing.publicKey,
    })
    const sha = base64urlEncode(sealed.ciphertextSha256)
    const upload = await device().send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/blobs/${sha}`,
      body: sealed.ciphertext,
      accessToken: token,
    })
    expect(upload.status).toBe(204)
    const changed = await device().send({
      method: 'PUT',
      path: path(1),
      json: { ...body, ciphertext_sha256: sha, ciphertext_length: sealed.ciphertextLength, manifest },
      accessToken: token,
    })
    expect(changed.status).toBe(409)
    expect(await changed.json()).toMatchObject({ code: 'conflict' })
  })

  it('[API-TOK-03][API-REQ-02] refuses a refresh token with another key, and survives a retried refresh', async () => {
    const gp = host.service(host.orgs.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 4242',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 7,
        },
      ],
      idempotencyKey: 'request-once',
    })
    // [API-REQ-02] the same Idempotency-Key gives the same request, not a second one
    const repeated = await gp
      .requestAccess({
        pairingCode: code,
        bindingMessage: 'Riverside 4242',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'Repeat prescription',
            duration_days: 7,
          },
        ],
        idempotencyKey: 'request-once',
      })
      .catch((error: unknown) => error)
    expect(repeated).toMatchObject({ authReqId })
    const [request] = await holder.pendingRequests()
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    // Redeem by hand (once: API-REQ-07) to hold the refresh token.
    const own = new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
    const clientId = host.orgs.gp.identity.clientId
    /** private_key_jwt for the token endpoint, built by hand. */
    const clientAuth = () => {
      const now = Math.floor(Date.now() / 1000)
      const assertion = signCompactJws(
        { typ: 'JWT', alg: 'EdDSA' },
        {
          iss: clientId,
          sub: clientId,
          aud: `${host.url}/oauth/token`,
          iat: now,
          exp: now + 60,
          jti: base64urlEncode(randomBytes(16)),
        },
        host.orgs.gp.identity.keys.signing.secretKey,
      )
      return {
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }
    }
    const tokens = await own.json<{ refresh_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId, ...clientAuth() },
    })
    // [API-REQ-07] ... and never twice.
    const again = await own.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId, ...clientAuth() },
    })
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' })
    const refreshToken = tokens.refresh_token
    const thief = new HostConnection(host.url, generateSigningKeyPair())
    const stolen = await thief.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'refresh_token', refresh_token: refreshToken },
    })
    expect(stolen.status).toBe(400)
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' })
    // [API-TOK-05] The rightful key without client authentication is not enough for a service.
    const unauthenticated = await own.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId },
    })
    expect(unauthenticated.status).toBe(401)
    expect(await unauthenticated.json()).toMatchObject({ error: 'invalid_client' })
    const first = await own.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientAuth() },
    })
    expect(first.status).toBe(200)
    // The response was "lost": the same refresh token again, at once, still works.
    const retry = await own.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'refresh_token', refresh_token: refreshToken, ...clientAuth() },
    })
    expect(retry.status).toBe(200)
  })

  it('[API-TRUST-01] a trust list verifies only under the configured operator key, and not once expired', () => {
    const operator = generateSigningKeyPair()
    const now = Math.floor(Date.now() / 1000)
    const list = { format: 2 as const, iss: 'test', iat: now, exp: now + 60, organisations: [] }
    const jws = signTrustList(list, operator.secretKey)
    expect(verifyTrustList(jws, operator.publicKey).list.iss).toBe('test')
    expect(() => verifyTrustList(jws, generateSigningKeyPair().publicKey)).toThrow()
    const expired = signTrustList({ ...list, exp: now - 1 }, operator.secretKey)
    expect(() => verifyTrustList(expired, operator.publicKey)).toThrow(/expired/)
  })
})

describe('[API-META-01] metadata documents are fetched without SSRF', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost({ allowLoopbackMetadata: false })
  })
  afterAll(async () => host?.close())

  it('refuses a client_id on a loopback or private address unless development mode allows it', async () => {
    const holder = await HolderClient.createVault(host.url)
    const { qr: code } = await holder.createPairingCode()
    await expect(
      host.service(host.orgs.gp).requestAccess({
        pairingCode: code,
        bindingMessage: 'Riverside 1234',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'x',
            duration_days: 1,
          },
        ],
      }),
    ).rejects.toMatchObject({ status: 401, error: 'invalid_client' })
    for (const clientId of [
      'http://10.0.0.1/org',
      'https://169.254.169.254/latest',
      'https://[::1]/org',
      'https://user:pw@example.org/org',
    ]) {
      const response = await fetch(`${host.url}/oauth/bc-authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: 'x.y.z',
        }),
      })
      expect(response.status, clientId).toBe(401)
    }
  })
})
