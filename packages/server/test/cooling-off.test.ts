import { HoldallApiError, HolderClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * Issue 19: a grant that starts after a cooling-off (spec 10.8). The holder signs the start (`nbf`)
 * into the receipt; the host stores it and, by its own clock, refuses the grantee's token until
 * then; the holder can stop the grant before it starts. Runs on SQLite and on PostgreSQL.
 */
describe('cooling-off before a grant starts', () => {
  let host: Host
  let holder: HolderClient

  async function ask(coolingOffSeconds: number) {
    const client = host.service(host.orgs.gp)
    const { authReqId } = await client.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Riverside 7070',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 1,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.client_id === host.orgs.gp.identity.clientId)
    return { client, authReqId, request: request as NonNullable<typeof request>, coolingOffSeconds }
  }

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
  })
  afterAll(async () => host?.close())

  it('[SUP-COOL-01] the grantee is refused with 403 until the start the holder signed, then reads', async () => {
    const { client, authReqId, request } = await ask(2)
    const grant = await holder.approve(request, host.trust, { coolingOffSeconds: 2 })
    expect(grant.starts_at).toBeGreaterThan(grant.created_at)
    expect(grant.expires_at).toBe((grant.starts_at as number) + 86_400_000)
    await client.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const early = await client.records().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(early).toBeInstanceOf(HoldallApiError)
    expect(early).toMatchObject({ status: 403, code: 'forbidden' })
    // Nothing about the vault is in the refusal.
    expect(String((early as Error).message)).not.toMatch(/medication|Medicines/)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (grant.starts_at as number) - Date.now()) + 1200))
    expect((await client.records()).map((r) => r.record_type)).toEqual(['medication_list'])
  })

  it('[SUP-COOL-01] stopped during its cooling-off, the grant never opens', async () => {
    const { client, authReqId, request } = await ask(1)
    const grant = await holder.approve(request, host.trust, { coolingOffSeconds: 1 })
    await client.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    await holder.revoke(grant.grant_id)
    await new Promise((resolve) => setTimeout(resolve, 2200))
    await expect(client.records()).rejects.toMatchObject({ status: 401 })
  })

  it('[SUP-COOL-01] a start more than 7 days ahead is refused and nothing is granted', async () => {
    const { request } = await ask(8 * 86_400)
    const before = (await holder.grants()).length
    await expect(holder.approve(request, host.trust, { coolingOffSeconds: 8 * 86_400 })).rejects.toMatchObject({
      status: 403,
    })
    expect(await holder.grants()).toHaveLength(before)
    expect((await holder.pendingRequests()).map((r) => r.request_id)).toContain(request.request_id)
  })
})
