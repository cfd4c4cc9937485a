import { HoldallError, HoldallOAuthError, HolderClient } from '@holdall/client'
import { needsCoolingOff, outsideTemplate, REQUEST_TEMPLATES } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from './harness.js'

/*
 * Issue 19, scenario 13: a supporter's grant lasts 90 days at most ([SUP-GRANT-03]). The host
 * refuses a longer request; the holder's SDK refuses to sign a longer receipt whatever the host
 * relays (the operator edits the pending request in the host's database). Runs on SQLite and
 * PostgreSQL.
 */
describe('a supporter grant is capped at 90 days', () => {
  let host: Host
  let holder: HolderClient

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
  }, 60_000)
  afterAll(async () => host?.close())

  const ask = async (days: number) =>
    host.service(host.orgs.supporter).requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Reconnect 4412',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
          purpose: 'Help with appointments',
          duration_days: days,
        },
      ],
    })

  it('[SUP-GRANT-03] the template: 90 days at most, non-statutory', () => {
    expect(REQUEST_TEMPLATES.supporter).toMatchObject({ maxDurationDays: 90, nonStatutory: true })
    expect(needsCoolingOff('supporter')).toBe(true)
    const detail = { actions: ['read' as const], record_types: ['appointment' as const], duration_days: 91 }
    expect(outsideTemplate('supporter', [detail])).toMatch(/at most 90 days/)
    expect(outsideTemplate('supporter', [{ ...detail, duration_days: 90 }])).toBeUndefined()
  })

  it('[SUP-GRANT-03] the host refuses a supporter asking for 91 days', async () => {
    const error = await ask(91).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(HoldallOAuthError)
    expect((error as HoldallOAuthError).error).toBe('outside_template')
  })

  it('[SUP-GRANT-03] the phone refuses to sign 91 days even when the host relays it', async () => {
    const { authReqId } = await ask(90)
    // The host's operator lengthens the pending request to a year.
    const row = await host.db.selectFrom('auth_requests').selectAll().where('id', '=', authReqId).executeTakeFirst()
    expect(row).toBeDefined()
    const details = JSON.parse(String(row?.authorization_details)) as { duration_days: number }[]
    for (const d of details) d.duration_days = 365
    await host.db
      .updateTable('auth_requests')
      .set({ authorization_details: JSON.stringify(details) })
      .where('id', '=', authReqId)
      .execute()
    const request = (await holder.pendingRequests()).find((r) => r.client_id === host.orgs.supporter.identity.clientId)
    expect(request?.authorization_details[0]?.duration_days).toBe(365)
    const refused = await holder.approve(request as NonNullable<typeof request>, host.trust, {}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(HoldallError)
    expect(await host.db.selectFrom('grants').selectAll().execute()).toEqual([])
  })
})
