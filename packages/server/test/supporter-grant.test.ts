import { HolderClient, HostConnection } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * Issue 19: a supporter is a grantee like any other to the host. Reading outside its grant gets
 * the answer an unknown record gets, naming nothing; revocation ends its access at once.
 * Runs on SQLite and on PostgreSQL.
 */
describe('a supporter reading outside its grant', () => {
  let host: Host
  let holder: HolderClient

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
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
  })
  afterAll(async () => host?.close())

  it('[SUP-HOST-01] a supporter sees only its types; a health record is answered as unknown; revoked, it is refused at once', async () => {
    const supporter = host.service(host.orgs.supporter)
    const { authReqId } = await supporter.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Reconnect 4411',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment', 'medication_list'],
          purpose: 'Help with appointments',
          duration_days: 90,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.client_id === host.orgs.supporter.identity.clientId)
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust, {
      recordTypes: ['appointment'],
    })
    await supporter.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    expect((await supporter.records()).map((r) => r.record_type)).toEqual(['appointment'])

    const token = await (supporter as unknown as { accessToken(): Promise<string> }).accessToken()
    const connection = new HostConnection(host.url, host.orgs.supporter.identity.keys.signing)
    const medicines = (await holder.listRecords()).find((r) => r.record_type === 'medication_list')
    const outside = await connection.send({
      method: 'GET',
      path: `/grant/blobs/${medicines?.ciphertext_sha256}`,
      accessToken: token,
    })
    const unknown = await connection.send({
      method: 'GET',
      path: `/grant/blobs/${'A'.repeat(43)}`,
      accessToken: token,
    })
    expect(outside.status).toBe(unknown.status)
    const outsideBody = await outside.json()
    const unknownBody = await unknown.json()
    expect(outsideBody).toEqual(unknownBody)
    expect(JSON.stringify(outsideBody)).not.toMatch(/medication|Medicines|Sertraline/)

    await holder.revoke(grant.grant_id)
    await expect(supporter.records()).rejects.toMatchObject({ status: 401 })
  })
})
