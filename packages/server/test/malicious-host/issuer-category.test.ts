import { checkDeposit, HoldallApiError, HoldallError, HolderClient } from '@holdall/client'
import { mayIssue } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import {
  approvals,
  ask,
  forgeDeposit,
  grantWraps,
  markAccepted,
  plantGrantWrap,
  recordingFetch,
} from './operator-keys.js'

/*
 * Attack 4 (first half): who may issue what. A listed ID scheme may issue identity documents, not
 * a medication list. The host refuses such a deposit; when the operator slips one in past its own
 * check, the holder's client and the GP's SDK treat it as unverified and refuse it, whatever the
 * host says.
 */
describe('malicious host: issuer category', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  it('[ISS-01] names, per record type, the categories that may issue it', () => {
    expect(mayIssue('medication_list', 'prison_healthcare')).toBe(true)
    expect(mayIssue('medication_list', 'gp_surgery')).toBe(true)
    expect(mayIssue('medication_list', 'id_scheme')).toBe(false)
    expect(mayIssue('licence_conditions', 'probation')).toBe(true)
    expect(mayIssue('licence_conditions', 'prison_healthcare')).toBe(false)
    expect(mayIssue('victim_protective_conditions', 'gp_surgery')).toBe(false)
    expect(mayIssue('identity_document', 'id_scheme')).toBe(true)
    expect(mayIssue('identity_document', 'employer')).toBe(false)
  })

  it('[API-DEP-02] the host refuses a deposit from a category that may not issue its type, and stores nothing', async () => {
    const holder = await HolderClient.createVault(host.url)
    const scheme = host.issuer(host.orgs.idScheme)
    const { request, authReqId } = await ask(holder, scheme, ['medication_list'], 'IDS 3001', ['deposit'])
    await holder.approve(request, host.trust)
    await scheme.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const refused = await scheme
      .deposit('medication_list', medicationList(), 'Medicines')
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HoldallApiError)
    expect(refused).toMatchObject({ status: 403, code: 'issuer_not_allowed' })
    expect(await holder.inbox()).toEqual([])
  })

  it('[ISS-02] a deposit the operator slips in is not checked, and the holder refuses to keep it', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    await forgeDeposit(host, holder, host.orgs.idScheme.identity, 'medication_list', medicationList())
    const [deposit] = await holder.inbox()
    expect(deposit?.record_type).toBe('medication_list')
    expect(checkDeposit(deposit as NonNullable<typeof deposit>, host.trusted, holder.vaultId)).toEqual({
      name: 'ID Check Scheme',
      checked: false,
    })
    const refused = await holder
      .acceptDeposit(deposit as NonNullable<typeof deposit>, host.trust)
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HoldallError)
    expect(refused).toMatchObject({ code: 'ISSUER_NOT_ALLOWED' })
    expect(wire.calls.filter((c) => c.endsWith('/accept'))).toEqual([])
  })

  it('[ISS-02] marked as kept by the operator, it is still never wrapped to anyone', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    const { recordId } = await forgeDeposit(
      host,
      holder,
      host.orgs.idScheme.identity,
      'medication_list',
      medicationList(),
    )
    await markAccepted(host, holder.vaultId, recordId)
    const { request } = await ask(holder, host.service(host.orgs.gp), ['medication_list'], 'Riverside 3002')
    await expect(holder.approve(request, host.trust)).rejects.toMatchObject({ code: 'ISSUER_NOT_ALLOWED' })
    expect(approvals(wire.calls)).toEqual([])
    expect(await grantWraps(host, holder.vaultId)).toBe(0)
  })

  it('[ISS-03] the GP SDK refuses it as unverified, even with a working key wrap for it', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const gp = host.service(host.orgs.gp)
    const { request, authReqId } = await ask(holder, gp, ['medication_list'], 'Riverside 3003')
    const grant = await holder.approve(request, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    // The ID scheme and the operator collude: a "medication list" by the scheme, wrapped to the GP.
    const forged = await forgeDeposit(host, holder, host.orgs.idScheme.identity, 'medication_list', medicationList())
    await markAccepted(host, holder.vaultId, forged.recordId)
    await plantGrantWrap(host, grant, forged.recordId, forged.dek, host.orgs.gp.identity)
    const view = (await gp.records()).find((r) => r.record_id === forged.recordId)
    expect(view).toBeDefined()
    await expect(gp.readRecord(view as NonNullable<typeof view>, host.trusted)).rejects.toMatchObject({
      name: 'HoldallError',
      code: 'ISSUER_NOT_ALLOWED',
    })
  })
})
