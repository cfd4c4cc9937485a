import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { rejectsWithProblem } from '../assertions.js'
import { conformance } from '../context.js'
import { identityDocument, medicationList } from '../payloads.js'

const ctx = conformance()
const skip = ctx.skipUnless('verified-organisations')

describe('deposits into the inbox (chapter 5.11)', () => {
  let holder: HolderClient
  before(async () => {
    if (skip === false) holder = await ctx.newHolder()
  })

  async function depositGrant(recordTypes: Array<'medication_list' | 'appointment' | 'identity_document'>) {
    const issuer = ctx.issuer('prisonHealthcare')
    const { qr: code } = await holder.createPairingCode()
    const message = `DEPOSIT ${Math.random().toString(36).slice(2, 8)}`
    const { authReqId } = await issuer.requestAccess({
      pairingCode: code,
      bindingMessage: message,
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: recordTypes,
          purpose: 'Medicines on release',
          duration_days: 1,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === message)
    assert.ok(request)
    await holder.approve(request, ctx.holderTrust())
    await issuer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    return issuer
  }

  it('[API-DEP-01] accepts a signed deposit of an allowed type; the holder verifies and accepts it', {
    skip,
  }, async () => {
    const issuer = await depositGrant(['medication_list'])
    const { recordId } = await issuer.deposit('medication_list', medicationList(), 'Medicines on release')
    const inbox = await holder.inbox()
    const item = inbox.find((r) => r.record_id === recordId)
    assert.ok(item, 'the deposit is not in the inbox')
    const opened = await holder.acceptDeposit(item, ctx.holderTrust())
    assert.equal(opened.payload.recordType, 'medication_list')
    assert.ok((await holder.listRecords()).some((r) => r.record_id === recordId))
  })

  it('[API-DEP-01] refuses a deposit of a type the grant does not allow', { skip }, async () => {
    const issuer = await depositGrant(['appointment'])
    await rejectsWithProblem(() => issuer.deposit('medication_list', medicationList(), 'Not allowed'), 'forbidden')
    assert.equal((await holder.inbox()).filter((r) => r.record_type === 'medication_list').length, 0)
  })

  it("[API-DEP-02] refuses a deposit of a type the depositor's category may not issue, even when the grant allows it", {
    skip,
  }, async () => {
    // Prison healthcare may be given a deposit grant for ID documents, but may not issue one.
    const issuer = await depositGrant(['identity_document'])
    await rejectsWithProblem(
      () => issuer.deposit('identity_document', identityDocument(), 'Birth certificate'),
      'issuer_not_allowed',
    )
    assert.equal((await holder.inbox()).filter((r) => r.record_type === 'identity_document').length, 0)
  })
})
