import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { before, describe, it } from 'node:test'
import type { HolderClient, ServiceClient } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair } from '@holdall/crypto'
import type { AccessLogEntry } from '@holdall/protocol'
import { assertProblem, assertUnauthorized, rejectsWithOAuth } from '../assertions.js'
import { conformance } from '../context.js'
import { appointment, medicationList } from '../payloads.js'

const ctx = conformance()

describe('access, revocation and the log (chapters 5.10, 5.12, 5.13)', () => {
  let holder: HolderClient
  let other: HolderClient
  let gp: ServiceClient
  let token: string
  let grantId: string
  before(async () => {
    holder = await ctx.newHolder()
    other = await ctx.newHolder()
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('appointment', appointment(), 'Appointment')
    await other.putRecord('medication_list', medicationList(), 'Someone else')
    const granted = await ctx.grantTo(holder, 'gp')
    gp = granted.service
    token = granted.accessToken
    grantId = granted.grant.grant_id
  })
  const gpKey = () => ctx.org('gp').keys.signing
  const asGp = (path: string, accessToken = token) => ctx.send('GET', path, { key: gpKey(), token: accessToken })

  it('[API-ACC-01] lists and serves only record types the grant covers', async () => {
    const records = await gp.records()
    assert.deepEqual(
      records.map((r) => r.record_type),
      ['medication_list'],
    )
    const opened = await gp.readRecord(records[0] as (typeof records)[0], ctx.trusted())
    assert.equal(opened.payload.recordType, 'medication_list')
    const appointmentBlob = (await holder.listRecords()).find((r) => r.record_type === 'appointment')
    await assertProblem(await asGp(`/grant/blobs/${appointmentBlob?.ciphertext_sha256}`), 'not_found')
  })

  it("[API-ACC-01] answers another vault's blob exactly as one that does not exist", async () => {
    const foreign = (await other.listRecords())[0]
    const unknown = await assertProblem(
      await asGp(`/grant/blobs/${base64urlEncode(new Uint8Array(32).fill(9))}`),
      'not_found',
    )
    const theirs = await assertProblem(await asGp(`/grant/blobs/${foreign?.ciphertext_sha256}`), 'not_found')
    assert.deepEqual(theirs, unknown)
  })

  it("[API-ACC-01] refuses a grantee's token on holder routes", async () => {
    await assertProblem(await asGp(`/vaults/${holder.vaultId}/records`), 'not_found')
  })

  it('[API-CACHE-01] serves grants, wraps and envelopes with Cache-Control: no-store', async () => {
    const record = (await gp.records())[0]
    for (const path of ['/grant', '/grant/records', `/grant/blobs/${record?.ciphertext_sha256}`]) {
      const response = await asGp(path)
      assert.equal(response.status, 200, path)
      assert.equal(response.headers.get('cache-control'), 'no-store', path)
    }
  })

  it('[API-ACC-02][API-LOG-01] logs every key served, in a hash chain the holder can check', async () => {
    const entries = await holder.log()
    assert.ok(
      entries.some((e) => e.event === 'key_served' && e.actor === ctx.org('gp').clientId),
      'no key_served entry',
    )
    for (const event of ['vault_created', 'record_written', 'request_created', 'request_approved']) {
      assert.ok(
        entries.some((e) => e.event === event),
        `no ${event} entry`,
      )
    }
    verifyChain(holder.vaultId, entries)
  })

  it('[API-LOG-01] log details never carry record content', async () => {
    const text = JSON.stringify(await holder.log())
    for (const secret of ['Sertraline', 'Conformance Person', '9434765919', 'Conformance Street']) {
      assert.ok(!text.includes(secret), `the log carries "${secret}"`)
    }
  })

  it('[API-TOK-03] refuses a refresh token presented with another key', async () => {
    const authReqId = await ctx.approvedRequest(holder, 'gp')
    const redeemed = await ctx.redeem('gp', authReqId)
    assert.equal(redeemed.status, 200)
    const { refresh_token } = (await redeemed.json()) as { refresh_token: string }
    const thief = ctx.connection(generateSigningKeyPair())
    const stolen = await thief.send({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'refresh_token', refresh_token },
    })
    assert.equal(stolen.status, 400)
    assert.equal(((await stolen.json()) as { error: string }).error, 'invalid_grant')
    // The rightful holder of the key still refreshes.
    const rightful = await ctx.connection(gpKey()).send({
      method: 'POST',
      path: '/oauth/token',
      form: { ...ctx.clientAuth('gp', '/oauth/token'), grant_type: 'refresh_token', refresh_token },
    })
    assert.equal(rightful.status, 200)
  })

  it('[API-REV-01] revokes at once: the next request with the grant fails with 401, and the revocation is logged', async () => {
    await holder.revoke(grantId)
    await assertUnauthorized(await asGp('/grant/records'))
    await assertUnauthorized(await asGp('/grant'))
    await rejectsWithOAuth(() => gp.refresh(), 'invalid_grant')
    const grants = await holder.grants()
    assert.equal(grants.find((g) => g.grant_id === grantId)?.status, 'revoked')
    assert.ok((await holder.log()).some((e) => e.event === 'grant_revoked'))
    verifyChain(holder.vaultId, await holder.log())
  })

  it('[API-REV-01] revoking again changes nothing', async () => {
    const again = await holder.revoke(grantId)
    assert.equal(again.status, 'revoked')
  })
})

/** Chapter 5.13: hash = SHA-256(prev_hash "\n" JSON of vault_id, seq, at, event, actor, details). */
function verifyChain(vaultId: string, entries: AccessLogEntry[]): void {
  const sha = (text: string) => base64urlEncode(new Uint8Array(createHash('sha256').update(text, 'utf8').digest()))
  let previous = sha('holdall/v1/access-log/genesis')
  entries.forEach((entry, index) => {
    assert.equal(entry.seq, index, 'the log has a gap')
    assert.equal(entry.prev_hash, previous, `entry ${index} does not link to the one before`)
    const body = JSON.stringify({
      vault_id: vaultId,
      seq: entry.seq,
      at: entry.at,
      event: entry.event,
      actor: entry.actor,
      details: entry.details,
    })
    assert.equal(entry.hash, sha(`${previous}\n${body}`), `entry ${index} hash does not verify`)
    previous = entry.hash
  })
}
