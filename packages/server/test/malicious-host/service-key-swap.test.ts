import { HoldallError, HolderClient, signTrustList, trustListEntry, verifyTrustList } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, signCompactJws, unwrapAsGrantee } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { approvals, ask, grantWraps, recordingFetch, swapRequestAgreementKey } from './operator-keys.js'

/*
 * Attack 1: the operator swaps a service's X25519 agreement key in a pending request for its own.
 * An honest holder's client binds the key to the organisation (the trust list pins it; for an
 * unlisted service, the document at its client_id, fetched by the holder's own client) and
 * refuses before it signs, wraps or sends anything.
 */
describe('malicious host: service agreement key swap', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  async function holderWithMedicines() {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    return { holder, wire }
  }

  it('[TRUST-KEY-02] refuses a listed surgery whose agreement key is not the pinned one: nothing is wrapped or sent', async () => {
    const { holder, wire } = await holderWithMedicines()
    const { request } = await ask(holder, host.service(host.orgs.gp), ['medication_list'], 'Riverside 1001')
    await swapRequestAgreementKey(host, request.request_id)
    const [swapped] = await holder.pendingRequests()
    expect(swapped?.agreement_key.x).not.toBe(request.agreement_key.x)

    const refused = await holder.approve(swapped as typeof request, host.trust).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HoldallError)
    expect(refused).toMatchObject({ code: 'SERVICE_KEY_MISMATCH' })
    expect(approvals(wire.calls)).toEqual([])
    expect(await grantWraps(host, holder.vaultId)).toBe(0)
    const row = await host.db
      .selectFrom('auth_requests')
      .select('status')
      .where('id', '=', request.request_id)
      .executeTakeFirstOrThrow()
    expect(row.status).toBe('pending')
  })

  it('[TRUST-KEY-02] the honest path still works: the pinned key is used, and the surgery reads what it was given', async () => {
    const { holder } = await holderWithMedicines()
    const gp = host.service(host.orgs.gp)
    const { request, authReqId } = await ask(holder, gp, ['medication_list'], 'Riverside 1002')
    await holder.approve(request, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const [view] = await gp.records()
    const opened = await gp.readRecord(view as NonNullable<typeof view>, host.trusted)
    expect(opened.payload.recordType).toBe('medication_list')
  })

  it('[TRUST-KEY-02] what a holder that trusted the host would have done: the operator opens the record key', async () => {
    // The control: the same swap against a client that wraps to whatever key the host serves
    // shows the attack is real, so the refusal above is what stops it.
    const { holder } = await holderWithMedicines()
    const { request } = await ask(holder, host.service(host.orgs.gp), ['medication_list'], 'Riverside 1003')
    const operatorKey = await swapRequestAgreementKey(host, request.request_id)
    const [swapped] = await holder.pendingRequests()
    const gullible = {
      ...host.trust,
      trusted: verifyTrustList(gullibleList(swapped?.agreement_key.x ?? ''), op.publicKey),
    }
    const grant = await holder.approve(swapped as typeof request, gullible)
    const wrap = await host.db
      .selectFrom('key_wraps')
      .selectAll()
      .where('grant_id', '=', grant.grant_id)
      .executeTakeFirstOrThrow()
    const dek = await unwrapAsGrantee(Buffer.from(wrap.wrap, 'base64url'), operatorKey.secretKey, {
      grantId: Buffer.from(grant.grant_id, 'base64url'),
      vaultId: Buffer.from(holder.vaultId, 'base64url'),
      recordId: Buffer.from(wrap.record_id, 'base64url'),
      version: wrap.version,
    })
    expect(dek.length).toBe(32)
  })

  it('[TRUST-KEY-03] refuses an unlisted service whose key is not the one its own document publishes', async () => {
    const { holder, wire } = await holderWithMedicines()
    const employer = host.service(host.orgs.employer)
    const { request } = await ask(holder, employer, ['appointment'], 'Quick 1004')
    await swapRequestAgreementKey(host, request.request_id)
    const [swapped] = await holder.pendingRequests()
    await expect(holder.approve(swapped as typeof request, host.trust)).rejects.toMatchObject({
      name: 'HoldallError',
      code: 'SERVICE_KEY_UNBOUND',
    })
    expect(approvals(wire.calls)).toEqual([])
  })

  it('[TRUST-KEY-03] an unlisted service is bound through its own document, fetched by the holder, not the host', async () => {
    const { holder } = await holderWithMedicines()
    await holder.putRecord('appointment', appointment(), 'Induction')
    const employer = host.service(host.orgs.employer)
    const { request, authReqId } = await ask(holder, employer, ['appointment'], 'Quick 1005')
    const fetched: string[] = []
    const ownFetch: typeof fetch = async (input, init) => {
      fetched.push(String(input))
      return fetch(input, init)
    }
    await holder.approve(request, { trusted: host.trusted, fetchMetadata: ownFetch })
    expect(fetched).toEqual([host.orgs.employer.identity.clientId])
    await employer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    // A holder whose own connection cannot reach the document (the wallet) does not share.
    const second = await ask(holder, employer, ['appointment'], 'Quick 1006')
    const offline: typeof fetch = async () => {
      throw new TypeError('no other origins')
    }
    await expect(
      holder.approve(second.request, { trusted: host.trusted, fetchMetadata: offline }),
    ).rejects.toMatchObject({ code: 'SERVICE_KEY_UNBOUND' })
  })

  it('[TRUST-KEY-01] refuses a trust list of format 1, or one that pins no usable agreement key', () => {
    const operator = generateSigningKeyPair()
    const now = Math.floor(Date.now() / 1000)
    const entry = trustListEntry(host.orgs.gp.identity)
    const { agreement_key: _pinned, ...formatOneEntry } = entry
    // Signed as an operator signed a format 1 list: the same header, no `format`, no agreement key.
    const formatOne = signCompactJws(
      { typ: 'trust-list+jwt', alg: 'EdDSA' },
      { iss: 'old', iat: now, exp: now + 60, organisations: [formatOneEntry] },
      operator.secretKey,
    )
    expect(() => verifyTrustList(formatOne, operator.publicKey)).toThrow(
      expect.objectContaining({ code: 'TRUST_LIST_INVALID' }),
    )
    const lowOrder = signTrustList(
      {
        format: 2,
        iss: 'bad',
        iat: now,
        exp: now + 60,
        organisations: [{ ...entry, agreement_key: base64urlEncode(new Uint8Array(32)) }],
      },
      operator.secretKey,
    )
    expect(() => verifyTrustList(lowOrder, operator.publicKey)).toThrow(
      expect.objectContaining({ code: 'TRUST_LIST_INVALID' }),
    )
  })

  // A list pinning whatever key it is given: what "trusting the host" amounts to.
  const op = generateSigningKeyPair()
  function gullibleList(agreementKey: string): string {
    const now = Math.floor(Date.now() / 1000)
    const entry = { ...trustListEntry(host.orgs.gp.identity), agreement_key: agreementKey }
    return signTrustList({ format: 2, iss: 'gullible', iat: now, exp: now + 60, organisations: [entry] }, op.secretKey)
  }
})

function appointment() {
  return {
    recordType: 'appointment' as const,
    with: 'Quick Jobs Ltd',
    purpose: 'Induction',
    time: '2026-12-01T10:00:00Z',
    address: '1 Work Street',
  }
}
