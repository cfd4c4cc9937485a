import { HolderClient, HostConnection, type ServiceClient } from '@holdall/client'
import { grantRecordListSchema, LOG_CHECKPOINT_HEADER, LOG_INDEX_HEADER, LOG_PROOF_HEADER } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost, testDatabaseKind } from './harness.js'

/*
 * What the verifiable log adds to the authorised read, counted as read-path.test.ts counts (a
 * query logger on the host's own connection; BEGIN/COMMIT apart). A read that presents a
 * checkpoint this host signed costs no statement more than one that does not (the key_served
 * leaf is written by the access log's own INSERT); the proof request a service then makes is
 * bounded too. Counts are printed for bench/README.md.
 */
const TRANSACTION = /^(begin|commit|rollback|savepoint|release)\b/i
const READ_LIMIT = testDatabaseKind === 'postgres' ? 5 : 4
/**
 * The key_served proof, warm: no more than the read itself (the token, the proof's jti, on
 * PostgreSQL the shared rate-limit counter, as every request; then the entry and one read of the
 * subtrees both proofs need).
 */
const PROOF_LIMIT = READ_LIMIT

describe('the authorised read with the verifiable log', () => {
  let host: Host
  let gp: ServiceClient
  let token = ''
  let vaultId = ''
  let counting = false
  const statements: string[] = []

  beforeAll(async () => {
    host = await startHost({}, { app: { onQuery: (text) => counting && statements.push(text) } })
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    gp = host.service(host.orgs.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 5151',
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
    const [view] = await gp.records()
    vaultId = (await gp.grant()).vault_id
    await gp.log.proveServed(vaultId, (await gp.grant()).grant_id, view as NonNullable<typeof view>)
  }, 60_000)
  afterAll(async () => host?.close())

  async function count(path: string, headers: Record<string, string>) {
    const connection = new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
    statements.length = 0
    counting = true
    const response = await connection.send({ method: 'GET', path, accessToken: token, headers })
    counting = false
    const body = await response.text()
    const data = statements.filter((s) => !TRANSACTION.test(s.trim()))
    return { status: response.status, data, index: response.headers.get(LOG_INDEX_HEADER), body }
  }

  it(`[LOG-GOSSIP-01][LOG-HOST-06] a read presenting its checkpoint runs at most ${READ_LIMIT} statements and names its key_served leaf`, async () => {
    const headers = await gp.log.presentHeaders(vaultId)
    expect(headers[LOG_CHECKPOINT_HEADER]).toBeDefined()
    const read = await count('/grant/records', headers)
    expect(read.status).toBe(200)
    expect(read.data.length, read.data.join('\n')).toBeLessThanOrEqual(READ_LIMIT)
    expect(read.index).toMatch(/^\d+$/)
    // Warm the node store to this size, as a burst of proof requests would.
    await count(`/grant/log/key-served?index=${read.index}`, headers)
    const proof = await count(`/grant/log/key-served?index=${read.index}`, headers)
    expect(proof.status).toBe(200)
    expect(proof.data.length, proof.data.join('\n')).toBeLessThanOrEqual(PROOF_LIMIT)
    console.log(
      `${testDatabaseKind}: read with checkpoint ${read.data.length} statements, key_served proof ${proof.data.length}`,
    )
  })

  it(`[LOG-SVC-03][LOG-HOST-08] a read carrying the proof of its own entry runs at most ${READ_LIMIT} statements, as the plain read`, async () => {
    const inline = async () => {
      const read = await count('/grant/records', {
        ...(await gp.log.presentHeaders(vaultId)),
        [LOG_PROOF_HEADER]: 'inline',
      })
      return { ...read, log_proof: grantRecordListSchema.parse(JSON.parse(read.body)).log_proof }
    }
    // The SDK's first read (beforeAll) made its proof from the database and left the vault's newest
    // leaves in memory; every read since (these, and the plain ones above) feeds them.
    const first = await inline()
    expect(first.status).toBe(200)
    const warm = await inline()
    expect(warm.status).toBe(200)
    expect(warm.log_proof?.entries.map((e) => e.index).join(',')).toBe(warm.index)
    expect(warm.log_proof?.consistency).toBeDefined()
    expect(warm.data.length, warm.data.join('\n')).toBeLessThanOrEqual(READ_LIMIT)
    console.log(
      `${testDatabaseKind}: read with its proof inline: ${first.data.length} statements, then ${warm.data.length}`,
    )
  })
})
