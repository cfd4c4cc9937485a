import { HolderClient, HostConnection, type ServiceClient } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'

/*
 * Two server instances over one PostgreSQL database, as behind a load balancer: one public URL,
 * two processes' worth of state (each its own Fastify app, port, data directory, connection
 * pool and LISTEN connection). Nothing may depend on which instance a request lands on.
 * This file runs in the "postgres" vitest project only.
 */
describe('two instances over one PostgreSQL', () => {
  let host: Host
  let instanceB: { url: string; close: () => Promise<void> }
  /** Sends requests addressed to the public URL to instance A (the host) or B. */
  const via = (target: () => string): typeof fetch => {
    return (input, init) => fetch(String(input).replace(host.url, target()), init)
  }
  const toA: typeof fetch = (input, init) => fetch(input, init)
  let toB: typeof fetch
  let holder: HolderClient
  let gpOnB: ServiceClient

  beforeAll(async () => {
    host = await startHost()
    instanceB = await host.startInstance()
    toB = via(() => instanceB.url)
    holder = await HolderClient.createVault(host.url, toA)
    await holder.putRecord('medication_list', medicationList(), 'Medicines on release')
  })
  afterAll(async () => host?.close())

  it('[API-DPOP-02] a DPoP proof used on instance A is refused when replayed to instance B', async () => {
    const connection = new HostConnection(host.url, generateDeviceKeys().signing)
    const proof = await connection.proof('POST', '/oauth/token')
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) }).toString()
    const send = (f: typeof fetch) =>
      f(`${host.url}/oauth/token`, {
        method: 'POST',
        headers: { dpop: proof, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      })
    // On A the proof is good (the refresh token is not): the refusal is about the token.
    const first = await send(toA)
    expect(first.status).toBe(400)
    expect(await first.json()).toMatchObject({ error: 'invalid_grant' })
    const replayed = await send(toB)
    expect(replayed.status).toBe(400)
    expect(await replayed.json()).toMatchObject({ error: 'invalid_dpop_proof' })
  })

  it('a holder connected to instance A sees a request made on instance B within two seconds', async () => {
    const { qr: code } = await holder.createPairingCode()
    const waiting = holder.waitForRequest(15_000)
    // Let the event stream open on A and its first look at pending requests finish, so the
    // request below can only reach the holder through the notification from B.
    await new Promise((resolve) => setTimeout(resolve, 500))
    gpOnB = host.service(host.orgs.gp, toB)
    const asked = Date.now()
    const { authReqId } = await gpOnB.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 4410',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Continue your repeat prescription',
          duration_days: 14,
        },
      ],
    })
    const [request] = await waiting
    expect(Date.now() - asked).toBeLessThan(2000)
    expect(request?.binding_message).toBe('Riverside 4410')
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await gpOnB.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
  })

  it('[API-ACC-01] an envelope written through A is read and verified through B', async () => {
    const [record] = await gpOnB.records()
    expect(record?.record_type).toBe('medication_list')
    const opened = await gpOnB.readRecord(record as NonNullable<typeof record>, host.trusted)
    expect(opened.payload.recordType).toBe('medication_list')
  })

  it('[API-REV-01] a revocation on A stops reads on B at once', async () => {
    expect((await gpOnB.records()).length).toBe(1)
    const [grant] = await holder.grants()
    await holder.revoke((grant as NonNullable<typeof grant>).grant_id)
    await expect(gpOnB.records()).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
  })
  it('[API-PAIR-01] wrong pairing codes count on every instance: guesses split over A and B are cut off together', async () => {
    const probationOn = (f: typeof fetch) => host.service(host.orgs.probation, f)
    const ask = (client: ServiceClient, pairingCode: string, n: number) =>
      client.requestAccess({
        pairingCode,
        bindingMessage: `Probation ${2000 + n}`,
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
    const onA = probationOn(toA)
    const onB = probationOn(toB)
    for (let i = 0; i < 10; i++)
      await expect(ask(i % 2 === 0 ? onA : onB, `ZZZZ${2000 + i}`, i)).rejects.toMatchObject({
        error: 'unknown_user_id',
      })
    const { code } = await holder.createPairingCode()
    await expect(ask(onA, code, 98)).rejects.toMatchObject({ status: 429, error: 'slow_down' })
    await expect(ask(onB, code, 99)).rejects.toMatchObject({ status: 429, error: 'slow_down' })
  })
})
