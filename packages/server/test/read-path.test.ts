import { HolderClient, HostConnection, type ServiceClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost, testDatabaseKind } from './harness.js'

/*
 * The authorised read near its ceiling (issue 14, point 4): the statements the host runs for one
 * read, counted with a query logger on the host's own database connection. A transaction's BEGIN
 * and COMMIT are counted apart: they belong to a group commit that many concurrent reads share.
 */

const TRANSACTION = /^(begin|commit|rollback|savepoint|release)\b/i
const LIMIT = testDatabaseKind === 'postgres' ? 5 : 4

describe('the authorised read', () => {
  let host: Host
  let holder: HolderClient
  let gp: ServiceClient
  let token = ''
  let sha256 = ''
  let counting = false
  const statements: string[] = []

  beforeAll(async () => {
    host = await startHost(
      {},
      {
        app: {
          onQuery: (text) => {
            if (counting) statements.push(text)
          },
        },
      },
    )
    holder = await HolderClient.createVault(host.url)
    const record = await holder.putRecord('medication_list', medicationList(), 'Medicines')
    sha256 = record.ciphertext_sha256
    gp = host.service(host.orgs.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await gp.requestAccess({
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
    const [request] = await holder.pendingRequests()
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    token = await (gp as unknown as { accessToken(): Promise<string> }).accessToken()
  }, 120_000)
  afterAll(async () => host?.close())

  async function count(path: string) {
    const connection = new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
    statements.length = 0
    counting = true
    const response = await connection.send({ method: 'GET', path, accessToken: token })
    counting = false
    await response.arrayBuffer()
    const data = statements.filter((s) => !TRANSACTION.test(s.trim()))
    const control = statements.filter((s) => TRANSACTION.test(s.trim()))
    return { status: response.status, data, control }
  }

  it(`GET /grant/records runs at most ${LIMIT} statements on ${testDatabaseKind}, in one group commit`, async () => {
    const { status, data, control } = await count('/grant/records')
    expect(status).toBe(200)
    expect(data.length, data.join('\n')).toBeLessThanOrEqual(LIMIT)
    expect(control.length, control.join('\n')).toBeLessThanOrEqual(2)
    // The key served is logged, and the proof's jti recorded, before the answer.
    const log = await holder.log()
    expect(log.at(-1)?.event).toBe('key_served')
  })

  it('the envelope download runs no more statements than the read', async () => {
    const { status, data } = await count(`/grant/blobs/${sha256}`)
    expect(status).toBe(200)
    // On PostgreSQL the envelope itself comes from the database: its length and its one chunk.
    expect(data.length, data.join('\n')).toBeLessThanOrEqual(testDatabaseKind === 'postgres' ? LIMIT + 1 : LIMIT - 1)
  })

  it('[API-DPOP-02] a replayed proof for a read is refused, and the refused read logs nothing', async () => {
    const connection = new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
    const dpop = await connection.proof('GET', '/grant/records', token)
    const read = () => fetch(`${host.url}/grant/records`, { headers: { authorization: `DPoP ${token}`, dpop } })
    const before = (await holder.log()).length
    const first = await read()
    expect(first.status).toBe(200)
    await first.arrayBuffer()
    const again = await read()
    expect(again.status).toBe(401)
    expect(await again.json()).toMatchObject({ code: 'unauthorized' })
    const after = await holder.log()
    expect(after.length).toBe(before + 1)
    expect(after.at(-1)?.event).toBe('key_served')
  })
})
