import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  acceptTrustListDocument,
  HolderClient,
  hostNumberOf,
  IssuerClient,
  publishHandle,
  resolveHandle,
  ServiceClient,
  trustPin,
} from '@holdall/client'
import { HANDLE_WELL_KNOWN_PATH, TRUST_LIST_WELL_KNOWN_PATH, trustListDocumentSchema } from '@holdall/protocol'
import { assertOAuthError, assertProblem } from '../assertions.js'
import { conformance } from '../context.js'
import { medicationList } from '../payloads.js'

const ctx = conformance()
const partnerUrl = ctx.partnerUrl as string
const skip = ctx.skipUnless('verified-organisations')

/**
 * Partner mode (spec 11.6): the base host and a partner host, one trust list. A holder lives on the
 * partner; services and issuers that know the base host find the partner by the pairing code's host
 * number in their own pinned trust list, and complete the journey there.
 */
describe('federation with a partner host (chapter 11)', { skip }, () => {
  let holder: HolderClient
  before(async () => {
    if (skip === false) holder = await HolderClient.createVault(partnerUrl)
  })

  it('[FED-PARTNER-01][FED-TRUST-01] both hosts serve the same operator-signed trust list document', async () => {
    const [base, partner] = await Promise.all(
      [ctx.baseUrl, partnerUrl].map(async (url) => {
        const response = await fetch(`${url}${TRUST_LIST_WELL_KNOWN_PATH}`)
        assert.equal(response.status, 200, `${url} serves no trust list document`)
        return trustListDocumentSchema.parse(await response.json())
      }),
    )
    assert.deepEqual(partner, base)
    acceptTrustListDocument(base as NonNullable<typeof base>, trustPin(ctx.fixtures.operatorPublicKey))
  })

  it("[FED-HOST-01] the trust list's host registry names both hosts", () => {
    const trusted = ctx.trusted()
    assert.ok(hostNumberOf(trusted, ctx.baseUrl), `${ctx.baseUrl} is not in the host registry (fixtures --host-url)`)
    assert.ok(hostNumberOf(trusted, partnerUrl), `${partnerUrl} is not in the host registry (fixtures --host-url)`)
  })

  it('[FED-PARTNER-02][FED-PAIR-02] an issuer and a service of the base host deposit, ask and read on the partner from the QR code alone', async () => {
    const trusted = ctx.trusted()
    const shown = await holder.createPairingCode({ trusted })
    const issuer = IssuerClient.forPairing(shown.qr, ctx.org('prisonHealthcare'), trusted, {
      fallbackHost: ctx.baseUrl,
    })
    assert.equal(issuer.hostUrl, partnerUrl)
    const asked = await issuer.requestAccess({
      pairingCode: shown.qr,
      bindingMessage: 'PARTNER 1',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['medication_list'],
          purpose: 'Medicines on release',
          duration_days: 1,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === 'PARTNER 1')
    assert.ok(request, 'the holder on the partner sees the request')
    await holder.approve(request, ctx.holderTrust())
    await issuer.waitForDecision(asked.authReqId, { intervalMs: 50, timeoutMs: 10_000 })
    await issuer.deposit('medication_list', medicationList(), 'Medicines on release')
    const [deposit] = await holder.inbox()
    assert.ok(deposit)
    await holder.acceptDeposit(deposit, ctx.holderTrust())

    const again = await holder.createPairingCode({ trusted })
    const gp = ServiceClient.forPairing(again.typedCode, ctx.org('gp'), trusted, { fallbackHost: ctx.baseUrl })
    assert.equal(gp.hostUrl, partnerUrl)
    const { authReqId } = await gp.requestAccess({
      pairingCode: again.typedCode,
      holderRoot: { safetyCode: again.safetyCode },
      bindingMessage: 'PARTNER 2',
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
    const gpRequest = (await holder.pendingRequests()).find((r) => r.binding_message === 'PARTNER 2')
    assert.ok(gpRequest)
    await holder.approve(gpRequest, ctx.holderTrust())
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 10_000 })
    const records = await gp.records()
    assert.equal(records.length, 1)
    const opened = await gp.readRecord(records[0] as NonNullable<(typeof records)[0]>, trusted)
    assert.equal(opened.payload.recordType, 'medication_list')
  })

  it('[FED-PARTNER-03] a pairing code made on the partner names nobody on the base host', async () => {
    const shown = await holder.createPairingCode()
    const response = await fetch(`${ctx.baseUrl}/oauth/bc-authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...ctx.clientAuth('gp', '/oauth/bc-authorize'),
        login_hint: shown.code,
        binding_message: 'PARTNER 3',
        authorization_details: JSON.stringify([
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'x',
            duration_days: 1,
          },
        ]),
      }),
    })
    await assertOAuthError(response, 'unknown_user_id')
  })

  it('[FED-PARTNER-04][FED-HANDLE-01][FED-HANDLE-06] a handle issued by the partner resolves there; the base host gives no handle to a vault it does not hold', async () => {
    const trusted = ctx.trusted()
    const number = hostNumberOf(trusted, partnerUrl) as number
    const handle = `conf-${Math.random().toString(36).slice(2, 8)}@${number}`
    await publishHandle(holder, handle, partnerUrl, trusted)
    const resolved = await resolveHandle(handle, trusted)
    assert.equal(resolved.hostUrl, partnerUrl)
    assert.equal(resolved.rootFingerprint, holder.rootFingerprint)
    const baseNumber = hostNumberOf(trusted, ctx.baseUrl) as number
    const refused = await publishHandle(holder, `${handle.split('@')[0]}@${baseNumber}`, partnerUrl, trusted).then(
      () => undefined,
      (error: unknown) => error as { status?: number; code?: string },
    )
    assert.equal(refused?.status, 403, 'the base host must refuse a handle for a vault it does not hold')
    // The handle record sent to the base host, which does not hold the vault, names nobody there.
    const elsewhere = new ServiceClient(ctx.baseUrl, ctx.org('gp'))
    await assert.rejects(
      elsewhere.requestAccess({
        handle: resolved,
        bindingMessage: 'PARTNER 4',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'x',
            duration_days: 1,
          },
        ],
      }),
      (error: { error?: string }) => error.error === 'unknown_user_id',
    )
    await assertProblem(await fetch(`${ctx.baseUrl}${HANDLE_WELL_KNOWN_PATH}/${handle.split('@')[0]}`), 'not_found')
  })
})
