import { HolderClient } from '@holdall/client'
import type { AuthorizationDetail } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { ask } from './operator-keys.js'

/*
 * The host relays a service's request to the holder's phone. Its operator rewrites the request
 * on the way (a kinder purpose, another record type, a longer time) so the holder agrees to
 * something the service never asked. The holder signs what it saw into the receipt; the service
 * compares that with what it sent and refuses the grant ([API-REQ-08]).
 */
describe('malicious host: a request rewritten on its way to the holder', () => {
  let host: Host
  let holder: HolderClient
  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
  })
  afterAll(async () => host?.close())

  /** The operator edits the stored request's details before the holder's phone reads it. */
  async function rewrite(requestId: string, change: (detail: AuthorizationDetail) => AuthorizationDetail) {
    const row = await host.db
      .selectFrom('auth_requests')
      .select('authorization_details')
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow()
    const details = (JSON.parse(row.authorization_details) as AuthorizationDetail[]).map(change)
    await host.db
      .updateTable('auth_requests')
      .set({ authorization_details: JSON.stringify(details) })
      .where('id', '=', requestId)
      .execute()
  }

  for (const [what, change] of [
    ['a kinder purpose', (d: AuthorizationDetail) => ({ ...d, purpose: 'To help you get your prescription' })],
    ['a longer time', (d: AuthorizationDetail) => ({ ...d, duration_days: 90 })],
  ] as const) {
    it(`[API-REQ-08] the service refuses a grant the holder gave to ${what}`, async () => {
      const gp = host.service(host.orgs.gp)
      const asked = await ask(holder, gp, ['medication_list'], `Rewrite ${what.length}`)
      await rewrite(asked.request.request_id, change)
      const [shown] = (await holder.pendingRequests()).filter((r) => r.request_id === asked.request.request_id)
      await holder.approve(shown as NonNullable<typeof shown>, host.trust)
      await expect(gp.waitForDecision(asked.authReqId, { intervalMs: 50, timeoutMs: 5000 })).rejects.toMatchObject({
        code: 'RECEIPT_MISMATCH',
      })
    })
  }

  it('[API-REQ-08] a grant the holder narrowed (fewer days) is what was asked, and is taken', async () => {
    const gp = host.service(host.orgs.gp)
    const asked = await ask(holder, gp, ['medication_list'], 'Narrowed 1')
    await holder.approve(asked.request, host.trust, { durationDays: 7 })
    const grant = await gp.waitForDecision(asked.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    expect(grant.grant_id).toBeTruthy()
  })
})
