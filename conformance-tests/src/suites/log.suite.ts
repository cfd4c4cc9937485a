import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import {
  decodeLogEntry,
  leafHash,
  MerkleTree,
  openCheckpoint,
  parseVerifierKey,
  vaultLogOrigin,
  verifyConsistency,
  verifyInclusion,
} from '@holdall/log'
import { grantRecordListSchema, type HostMetadata } from '@holdall/protocol'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'
import { medicationList } from '../payloads.js'

const ctx = conformance()
const fromB64url = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'))

/*
 * The verifiable log (chapter 8.8), black box: the host's checkpoints verify under the keys its
 * discovery document lists, its entries give the signed root, its inclusion and consistency
 * proofs verify, two checkpoints it signs are joined by a proof, and malformed ranges are 400s.
 */
describe('the verifiable log (chapter 8.8)', () => {
  let holder: HolderClient
  let token: string
  let keys: ReturnType<typeof parseVerifierKey>[]
  let issuer: string
  before(async () => {
    holder = await ctx.newHolder()
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    token = await ctx.accessToken(holder)
    const metadata = (await (await fetch(ctx.url('/.well-known/holdall'))).json()) as HostMetadata
    keys = (metadata.log_verifier_keys ?? []).map(parseVerifierKey)
    issuer = metadata.issuer
  })

  const trust = () => ({ origin: vaultLogOrigin(issuer, holder.vaultId), keys })

  it('[LOG-HOST-05][LOG-HOST-01] discovery lists the log key; the checkpoint verifies under it and its entries give its root', async () => {
    assert.ok(keys.length >= 1, 'discovery lists no log verifier key')
    const { checkpoint } = openCheckpoint(await holder.vaultLog.checkpoint(), trust())
    assert.ok(checkpoint.size >= 2, 'vault creation and a record write are two entries')
    const tree = new MerkleTree()
    for (const entry of await holder.vaultLog.entries(0, checkpoint.size)) tree.append(entry)
    assert.deepEqual(tree.root(), checkpoint.rootHash)
  })

  it('[LOG-HOST-02][LOG-HOST-03] inclusion and consistency proofs verify, across two signed checkpoints', async () => {
    const first = openCheckpoint(await holder.vaultLog.checkpoint(), trust()).checkpoint
    await holder.putRecord('medication_list', medicationList(), 'Medicines again')
    const second = openCheckpoint(await holder.vaultLog.checkpoint(), trust()).checkpoint
    assert.ok(second.size > first.size)
    const consistency = await holder.vaultLog.get<{ proof: string[] }>(
      `/log/consistency?from=${first.size}&to=${second.size}`,
    )
    verifyConsistency(first.size, second.size, first.rootHash, second.rootHash, consistency.proof.map(fromB64url))
    const entries = await holder.vaultLog.entries(0, second.size)
    for (const index of [0, second.size - 1]) {
      const inclusion = await holder.vaultLog.get<{ proof: string[] }>(
        `/log/inclusion?index=${index}&size=${second.size}`,
      )
      verifyInclusion(
        leafHash(entries[index] as Uint8Array),
        index,
        second.size,
        inclusion.proof.map(fromB64url),
        second.rootHash,
      )
    }
  })

  it('[LOG-HOST-08][LOG-HOST-06] a read asked for its proof inline carries its key_served entries, their inclusion and the consistency from the presented checkpoint', async () => {
    const { accessToken, grant } = await ctx.grantTo(holder, 'gp')
    const key = ctx.org('gp').keys.signing
    const read = async (headers: Record<string, string>) => {
      const response = await ctx.send('GET', '/grant/records', { key, token: accessToken, headers })
      assert.equal(response.status, 200)
      const body = grantRecordListSchema.parse(await response.json())
      assert.ok(body.log_proof !== undefined, 'no log_proof in the answer')
      const { checkpoint } = openCheckpoint(body.log_proof.checkpoint, trust())
      assert.equal(body.log_proof.entries.length, body.records.length)
      assert.equal(response.headers.get('holdall-log-index'), body.log_proof.entries.map((e) => e.index).join(','))
      body.records.forEach((record, i) => {
        const served = body.log_proof?.entries[i]
        assert.ok(served !== undefined)
        const entry = decodeLogEntry(fromB64url(served.entry))
        assert.equal(entry.type, 'key_served')
        if (entry.type === 'key_served') {
          assert.equal(Buffer.from(entry.grantId).toString('base64url'), grant.grant_id)
          assert.equal(Buffer.from(entry.recordId).toString('base64url'), record.record_id)
          assert.equal(entry.version, record.version)
        }
        verifyInclusion(
          leafHash(fromB64url(served.entry)),
          served.index,
          checkpoint.size,
          served.proof.map(fromB64url),
          checkpoint.rootHash,
        )
      })
      return { note: body.log_proof.checkpoint, checkpoint, consistency: body.log_proof.consistency }
    }
    const first = await read({ 'holdall-log-proof': 'inline' })
    assert.equal(first.consistency, undefined, 'a consistency proof with no checkpoint presented')
    const second = await read({
      'holdall-log-proof': 'inline',
      'holdall-log-checkpoint': Buffer.from(first.note).toString('base64url'),
    })
    assert.ok(second.checkpoint.size > first.checkpoint.size)
    assert.ok(second.consistency !== undefined, 'no consistency proof from the presented checkpoint')
    verifyConsistency(
      first.checkpoint.size,
      second.checkpoint.size,
      first.checkpoint.rootHash,
      second.checkpoint.rootHash,
      second.consistency.map(fromB64url),
    )
    await assertProblem(
      await ctx.send('GET', '/grant/records', { key, token: accessToken, headers: { 'holdall-log-proof': 'yes' } }),
      'invalid_request',
    )
  })

  it('[LOG-HOST-04] malformed ranges and sizes are 400 problems', async () => {
    for (const query of [
      'entries?start=2&end=1',
      'entries?start=0&end=100000',
      'entries?start=00&end=1',
      'inclusion?index=5&size=1',
      'consistency?from=2&to=1',
    ]) {
      const response = await ctx.send('GET', `/vaults/${holder.vaultId}/log/${query}`, {
        key: holder.deviceKeys.signing,
        token,
      })
      await assertProblem(response, 'invalid_request')
    }
  })
})
