import { HolderClient, HostConnection } from '@holdall/client'
import { base64urlEncode, randomBytes } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from './harness.js'

/*
 * Issue 19: the duress PIN's silent alert (spec 10.9). The holder sets it for a supporter's grant;
 * the decoy fires it with its token and the answer is the same whether or not the token is known;
 * the supporter reads its own grant's alert, nobody else's. Runs on SQLite and on PostgreSQL.
 */
describe('the silent duress alert', () => {
  let host: Host
  let holder: HolderClient

  const grantTo = async (org: Host['orgs']['supporter'], types: string[]) => {
    const service = host.service(org)
    const { authReqId } = await service.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Desk 1',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: types as never,
          purpose: 'Help',
          duration_days: 14,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.client_id === org.identity.clientId)
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust, {})
    await service.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    return { service, grant }
  }

  const fire = (token: string) =>
    fetch(`${host.url}/duress-alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    })

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord(
      'appointment',
      {
        recordType: 'appointment',
        with: 'Probation',
        purpose: 'First meeting',
        time: '2026-12-04T10:00:00Z',
        address: 'Leeds',
      },
      'Appointment',
    )
  }, 60_000)
  afterAll(async () => host?.close())

  it('[DUR-ALERT-02][DUR-ALERT-03][DUR-ALERT-04] set for a supporter only; fired with the same answer for any token; read by that supporter only', async () => {
    const supporter = await grantTo(host.orgs.supporter, ['appointment'])
    const gp = await grantTo(host.orgs.gp, ['appointment'])

    // Only a supporter's grant can be told; another vault's grant is unknown.
    await expect(holder.setDuressAlert(gp.grant.grant_id)).rejects.toMatchObject({ status: 400 })
    const other = await HolderClient.createVault(host.url)
    await expect(other.setDuressAlert(supporter.grant.grant_id)).rejects.toMatchObject({ status: 404 })
    const alert = await holder.setDuressAlert(supporter.grant.grant_id)
    expect(alert.url).toBe(`${host.url}/duress-alert`)

    // The host keeps the token's hash, never the token.
    const rows = await host.db.selectFrom('duress_alerts').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(alert.token)

    expect(await supporter.service.duressAlert()).toEqual({ fired_count: 0, last_fired_at: null })

    // Fired: a known token and an unknown one get the same answer, with no body.
    const known = await fire(alert.token)
    const unknown = await fire(base64urlEncode(randomBytes(32)))
    expect(known.status).toBe(204)
    expect(unknown.status).toBe(204)
    expect(await known.text()).toBe('')
    expect(await unknown.text()).toBe('')
    // Bad input is a problem, never a 500.
    const bad = await fire('not-a-token')
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toContain('application/problem+json')

    const state = await supporter.service.duressAlert()
    expect(state.fired_count).toBe(1)
    expect(state.last_fired_at).toBeTypeOf('number')
    // The GP's grant hears nothing of it.
    expect(await gp.service.duressAlert()).toEqual({ fired_count: 0, last_fired_at: null })

    // Revoked, the supporter's token reads nothing at all.
    await holder.revoke(supporter.grant.grant_id)
    const token = await (supporter.service as unknown as { accessToken(): Promise<string> })
      .accessToken()
      .catch(() => '')
    const connection = new HostConnection(host.url, host.orgs.supporter.identity.keys.signing)
    const after = await connection.send({ method: 'GET', path: '/grant/duress-alert', accessToken: token || 'x' })
    expect(after.status).toBe(401)
  }, 60_000)
})
