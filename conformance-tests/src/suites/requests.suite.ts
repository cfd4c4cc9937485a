import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import type { AuthorizationDetail } from '@holdall/protocol'
import { rejectsWithOAuth } from '../assertions.js'
import { conformance } from '../context.js'
import { medicationList } from '../payloads.js'

const ctx = conformance()

const read = (recordTypes: AuthorizationDetail['record_types'], actions: AuthorizationDetail['actions'] = ['read']) => [
  {
    type: 'holdall_records' as const,
    actions,
    record_types: recordTypes,
    purpose: 'Conformance check',
    duration_days: 30,
  },
]

describe('pairing codes and requests (chapters 5.7 and 5.8)', () => {
  let holder: HolderClient
  before(async () => {
    holder = await ctx.newHolder()
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
  })

  it('[API-PAIR-01] gives a pairing code of 8 characters from the agreed alphabet, valid for at most 10 minutes', async () => {
    const started = Date.now()
    const { code, expires_at } = await holder.createPairingCode()
    assert.match(code, /^[0-9A-HJ-NP-Z]{8}$/)
    assert.ok(expires_at <= started + 10 * 60_000 + 5000, 'the code lives longer than 10 minutes')
  })

  it('[API-PAIR-01] accepts a pairing code once only', async () => {
    const { qr: code } = await holder.createPairingCode()
    const gp = ctx.service('gp')
    await gp.requestAccess({ pairingCode: code, bindingMessage: 'ONCE 1', details: read(['medication_list']) })
    await rejectsWithOAuth(
      () =>
        ctx
          .service('gp')
          .requestAccess({ pairingCode: code, bindingMessage: 'ONCE 2', details: read(['medication_list']) }),
      'unknown_user_id',
    )
  })

  it('[API-PAIR-01] cuts off a service that guesses codes, even when it then has the right one', async () => {
    const guesser = ctx.service('guesser')
    let cutOff = false
    for (let i = 0; i < 12 && !cutOff; i++) {
      const guess = `ZZZZ${String(i).padStart(4, '0')}`
      await assert.rejects(
        () => guesser.requestAccess({ pairingCode: guess, bindingMessage: 'GUESS', details: read(['appointment']) }),
        (error: unknown) => {
          const code = (error as { error?: string }).error
          assert.ok(code === 'unknown_user_id' || code === 'slow_down', `a wrong code answered ${String(error)}`)
          cutOff = code === 'slow_down'
          return true
        },
      )
    }
    assert.ok(cutOff, 'twelve wrong codes in a row were never cut off')
    const { qr: code } = await holder.createPairingCode()
    await rejectsWithOAuth(
      () => guesser.requestAccess({ pairingCode: code, bindingMessage: 'GUESS', details: read(['appointment']) }),
      'slow_down',
    )
  })

  it('[API-REQ-01] refuses a GP surgery a justice-only record type, whatever the holder would approve', async () => {
    const { qr: code } = await holder.createPairingCode()
    await rejectsWithOAuth(
      () =>
        ctx.service('gp').requestAccess({
          pairingCode: code,
          bindingMessage: 'JUSTICE',
          details: read(['victim_protective_conditions']),
        }),
      'invalid_authorization_details',
    )
  })

  it('[API-REQ-01] refuses a deposit action from an organisation that is not a verified issuer', async () => {
    const { qr: code } = await holder.createPairingCode()
    await rejectsWithOAuth(
      () =>
        ctx.service('employer').requestAccess({
          pairingCode: code,
          bindingMessage: 'DEPOSIT',
          details: read(['medication_list'], ['deposit']),
        }),
      'invalid_authorization_details',
    )
  })

  it('[API-REQ-01] refuses an unverified organisation a record type with a restricted list', async () => {
    const { qr: code } = await holder.createPairingCode()
    await rejectsWithOAuth(
      () =>
        ctx.service('employer').requestAccess({
          pairingCode: code,
          bindingMessage: 'LICENCE',
          details: read(['licence_conditions']),
        }),
      'invalid_authorization_details',
    )
  })

  it('[API-REQ-01] lets verified probation ask for the justice-only record', {
    skip: ctx.skipUnless('verified-organisations'),
  }, async () => {
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await ctx.service('probation').requestAccess({
      pairingCode: code,
      bindingMessage: 'PROBATION',
      details: read(['victim_protective_conditions']),
    })
    assert.equal(typeof authReqId, 'string')
  })

  it('[API-TRUST-01] shows the holder a listed organisation as verified and an unlisted one as unverified', {
    skip: ctx.skipUnless('verified-organisations'),
  }, async () => {
    for (const name of ['gp', 'employer'] as const) {
      const { qr: code } = await holder.createPairingCode()
      await ctx
        .service(name)
        .requestAccess({ pairingCode: code, bindingMessage: `SHOW ${name}`, details: read(['appointment']) })
    }
    const pending = await holder.pendingRequests()
    const gp = pending.find((r) => r.binding_message === 'SHOW gp')
    const employer = pending.find((r) => r.binding_message === 'SHOW employer')
    assert.equal(gp?.verified, true)
    assert.equal(employer?.verified, false)
  })

  it('[API-TRUST-01] never shows an organisation as verified when the host has no list naming it', async () => {
    const { qr: code } = await holder.createPairingCode()
    await ctx
      .service('employer')
      .requestAccess({ pairingCode: code, bindingMessage: 'UNLISTED', details: read(['appointment']) })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === 'UNLISTED')
    assert.equal(request?.verified, false)
    assert.equal(request?.client_id, ctx.org('employer').clientId)
  })

  it('[API-REQ-02] answers a repeated Idempotency-Key with the first answer', {
    skip: ctx.skipUnless('idempotency-key'),
  }, async () => {
    const { qr: code } = await holder.createPairingCode()
    const gp = ctx.service('gp')
    const options = {
      pairingCode: code,
      bindingMessage: 'RETRY',
      details: read(['medication_list']),
      idempotencyKey: 'conformance-retry-0001',
    }
    const first = await gp.requestAccess(options)
    const second = await gp.requestAccess(options)
    assert.equal(second.authReqId, first.authReqId)
    assert.equal((await holder.pendingRequests()).filter((r) => r.binding_message === 'RETRY').length, 1)
  })

  it('[API-REQ-04] lets a request expire: the poll gets expired_token, the holder no longer sees it, approval is refused', async () => {
    const { qr: code } = await holder.createPairingCode()
    const gp = ctx.service('gp')
    const { authReqId } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'EXPIRES',
      details: read(['medication_list']),
      requestedExpiry: 1,
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === 'EXPIRES')
    assert.ok(request, 'the holder does not see the request')
    assert.ok(request.expires_at <= Date.now() + 1500, 'requested_expiry was not honoured')
    await new Promise((resolve) => setTimeout(resolve, 1600))
    await rejectsWithOAuth(() => gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 100 }), 'expired_token')
    assert.ok(!(await holder.pendingRequests()).some((r) => r.binding_message === 'EXPIRES'))
    await assert.rejects(
      () => holder.approve(request, ctx.holderTrust()),
      (error: unknown) => (error as { code?: string }).code === 'conflict',
    )
  })

  it('[API-REQ-03] refuses a binding message outside 4 to 40 letters, digits, spaces or hyphens', async () => {
    const { qr: code } = await holder.createPairingCode()
    await rejectsWithOAuth(
      () =>
        ctx
          .service('gp')
          .requestAccess({ pairingCode: code, bindingMessage: '<script>', details: read(['appointment']) }),
      'invalid_binding_message',
    )
  })
})
