import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import {
  base64urlEncode,
  fromPublicJwk,
  generateId,
  generateSigningKeyPair,
  keyThumbprint,
  signCompactJws,
} from '@holdall/crypto'
import type { PendingRequest } from '@holdall/protocol'
import { assertOAuthError, assertProblem, assertStatus, rejectsWithOAuth } from '../assertions.js'
import { conformance } from '../context.js'
import { appointment, medicationList } from '../payloads.js'

const ctx = conformance()

/*
 * Grant receipts (chapter 5.9). Each refusal approves a fresh request with a receipt that is
 * valid but for one claim, and then checks that the service still gets no tokens.
 */
describe('approval, narrowing and refusal (chapter 5.9)', () => {
  let holder: HolderClient
  let token: string
  before(async () => {
    holder = await ctx.newHolder()
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('appointment', appointment(), 'Appointment')
    token = await ctx.accessToken(holder)
  })

  async function ask(message: string) {
    const gp = ctx.service('gp')
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: message,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 14,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === message) as PendingRequest
    assert.ok(request, 'the holder does not see the request')
    return { gp, authReqId, request }
  }

  function receipt(
    request: PendingRequest,
    override: Record<string, unknown> = {},
    signer = holder.deviceKeys.signing.secretKey,
  ) {
    const now = Math.floor(Date.now() / 1000)
    return signCompactJws(
      { typ: 'grant+jwt', alg: 'EdDSA', kid: holder.deviceId },
      {
        iss: holder.deviceId,
        sub: holder.vaultId,
        aud: ctx.baseUrl,
        jti: base64urlEncode(generateId()),
        iat: now,
        exp: now + 14 * 86_400,
        request_id: request.request_id,
        client_id: request.client_id,
        client_signing_key_id: request.signing_key_id,
        client_agreement_key_id: base64urlEncode(
          keyThumbprint(fromPublicJwk(request.agreement_key, 'X25519'), 'X25519'),
        ),
        authorization_details: request.authorization_details,
        binding_message: request.binding_message,
        ...override,
      },
      signer,
    )
  }
  const approve = (request: PendingRequest, body: unknown) =>
    ctx.connection(holder.deviceKeys.signing).send({
      method: 'POST',
      path: `/vaults/${holder.vaultId}/requests/${request.request_id}/approve`,
      json: body,
      accessToken: token,
    })
  /** One poll (no waiting: a deadline already past) finds the request still waiting for the holder. */
  const stillPending = (gp: ReturnType<typeof ctx.service>, authReqId: string) =>
    rejectsWithOAuth(() => gp.waitForDecision(authReqId, { timeoutMs: -1 }), 'authorization_pending')

  it('[API-GRANT-01] makes no grant from a receipt signed by a key outside the vault', async () => {
    const { gp, authReqId, request } = await ask('FORGED')
    const response = await approve(request, {
      receipt: receipt(request, {}, generateSigningKeyPair().secretKey),
      wraps: [],
    })
    await assertProblem(response, 'signature_invalid')
    await stillPending(gp, authReqId)
  })

  const widened: Array<[string, (r: PendingRequest) => Record<string, unknown>]> = [
    [
      'more record types than were asked for',
      (r) => ({
        authorization_details: [{ ...r.authorization_details[0], record_types: ['medication_list', 'appointment'] }],
      }),
    ],
    [
      'more actions than were asked for',
      (r) => ({ authorization_details: [{ ...r.authorization_details[0], actions: ['read', 'deposit'] }] }),
    ],
    [
      'a longer duration than was asked for',
      (r) => ({ authorization_details: [{ ...r.authorization_details[0], duration_days: 60 }] }),
    ],
    ['an exp later than the duration allows', () => ({ exp: Math.floor(Date.now() / 1000) + 40 * 86_400 })],
    ['another purpose', (r) => ({ authorization_details: [{ ...r.authorization_details[0], purpose: 'Anything' }] })],
    ['another binding message', () => ({ binding_message: 'OTHER' })],
    ['another service', () => ({ client_id: ctx.org('employer').clientId })],
    ['another service key', () => ({ client_agreement_key_id: base64urlEncode(new Uint8Array(32)) })],
    ['another host', () => ({ aud: 'https://other-host.example' })],
    ['another vault', () => ({ sub: base64urlEncode(generateId()) })],
    ['another request', () => ({ request_id: base64urlEncode(generateId()) })],
    ['another service signing key', () => ({ client_signing_key_id: base64urlEncode(new Uint8Array(32)) })],
    ['an exp already past', () => ({ exp: Math.floor(Date.now() / 1000) - 60 })],
  ]
  widened.forEach(([what, override], index) => {
    it(`[API-GRANT-01] makes no grant from a receipt naming ${what}, with forbidden`, async () => {
      const { gp, authReqId, request } = await ask(`WIDE ${index}`)
      await assertProblem(
        await approve(request, { receipt: receipt(request, override(request)), wraps: [] }),
        'forbidden',
      )
      await stillPending(gp, authReqId)
      // The same request approved with an honest receipt still works: the refusal was the receipt's.
      await assertStatus(await approve(request, { receipt: receipt(request), wraps: [] }), 200)
    })
  })

  it('[API-GRANT-01] makes no grant from a receipt of another type', async () => {
    const { gp, authReqId, request } = await ask('WRONG TYP')
    const now = Math.floor(Date.now() / 1000)
    const jwt = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA', kid: holder.deviceId },
      { iss: holder.deviceId, sub: holder.vaultId, aud: ctx.baseUrl, iat: now, exp: now + 60 },
      holder.deviceKeys.signing.secretKey,
    )
    await assertProblem(await approve(request, { receipt: jwt, wraps: [] }), 'signature_invalid')
    await stillPending(gp, authReqId)
  })

  it('[API-GRANT-01] makes no grant without a receipt', async () => {
    const { gp, authReqId, request } = await ask('NO RECEIPT')
    await assertProblem(await approve(request, { wraps: [] }), 'invalid_request')
    await stillPending(gp, authReqId)
  })

  it('[API-GRANT-01] creates a narrowed grant from a valid receipt, and it covers only what was approved', async () => {
    const { gp, authReqId, request } = await ask('NARROW')
    const narrowed = [{ ...request.authorization_details[0], duration_days: 7 }]
    const response = await approve(request, {
      receipt: receipt(request, { authorization_details: narrowed, exp: Math.floor(Date.now() / 1000) + 7 * 86_400 }),
      wraps: [],
    })
    await assertStatus(response, 200)
    const grant = await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    assert.equal(grant.authorization_details[0]?.duration_days, 7)
    assert.ok(grant.expires_at <= Date.now() + 7 * 86_400_000 + 5000)
  })

  it('[API-GRANT-02] serves the grantee its receipt, which verifies under a key of the vault and names the grantee', async () => {
    const { gp, authReqId, request } = await ask('RECEIPT')
    await holder.approve(request, ctx.holderTrust())
    // ServiceClient.grant() verifies the receipt and throws if it does not name this service.
    const grant = await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    assert.equal(grant.client_id, ctx.org('gp').clientId)
    assert.equal(grant.vault_id, holder.vaultId)
  })

  it("[API-REQ-06] gives one service's approved request to no other service", async () => {
    const { gp, authReqId, request } = await ask('NOT YOURS')
    await holder.approve(request, ctx.holderTrust())
    await assertOAuthError(await ctx.redeem('employer', authReqId), 'invalid_grant')
    const grant = await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    assert.equal(grant.client_id, ctx.org('gp').clientId)
  })

  it('[API-GRANT-03] answers a refusal with access_denied to the service', async () => {
    const { gp, authReqId, request } = await ask('REFUSE')
    await holder.deny(request)
    await rejectsWithOAuth(() => gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 }), 'access_denied')
    await assertProblem(await approve(request, { receipt: receipt(request), wraps: [] }), 'conflict')
  })
})
