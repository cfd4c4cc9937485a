import { HoldallApiError, HolderClient, type IssuerClient, supersededAmong } from '@holdall/client'
import { base64urlEncode, generateId } from '@holdall/crypto'
import type { LicenceConditions, RecordType } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { licenceConditions } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * Issue 21, scenario 16: a licence variation is a new signed record that names the one it
 * replaces inside its payload (spec 4.4). Grantees see "updated"; the old record is never shared
 * as current.
 */
describe('versions that supersede (scenario 16)', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  const pair = async (
    holder: HolderClient,
    service: { requestAccess: IssuerClient['requestAccess'] },
    types: RecordType[],
    actions: ('read' | 'deposit')[],
    binding: string,
    days = 28,
  ) => {
    const { qr } = await holder.createPairingCode()
    const { authReqId } = await service.requestAccess({
      pairingCode: qr,
      bindingMessage: binding,
      details: [{ type: 'holdall_records', actions, record_types: types, purpose: 'Licence', duration_days: days }],
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === binding)
    return { request: request as NonNullable<typeof request>, authReqId }
  }

  /** Probation deposits a licence and the holder keeps it; returns the kept record id. */
  const issueLicence = async (
    holder: HolderClient,
    probation: IssuerClient,
    payload: LicenceConditions,
    binding: string,
  ) => {
    const { request, authReqId } = await pair(holder, probation, ['licence_conditions'], ['deposit'], binding, 1)
    await holder.approve(request, host.trust)
    await probation.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const { recordId } = await probation.deposit('licence_conditions', payload, 'Licence')
    const deposit = (await holder.inbox()).find((d) => d.record_id === recordId)
    return { recordId, deposit: deposit as NonNullable<typeof deposit> }
  }

  it('[SUP-VER-01] [SUP-VER-02] a variation names the old licence in its signed payload; housing sees the old one marked superseded', async () => {
    const holder = await HolderClient.createVault(host.url)
    const probation = host.issuer(host.orgs.probation)
    const first = await issueLicence(holder, probation, licenceConditions() as LicenceConditions, 'VAR 0001')
    await holder.acceptDeposit(first.deposit, host.trust)

    const housing = host.service(host.orgs.housing)
    const { request, authReqId } = await pair(holder, housing, ['licence_conditions'], ['read'], 'HOU 1001')
    await holder.approve(request, host.trust)
    await housing.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    expect((await housing.records()).map((r) => r.superseded_by)).toEqual([undefined])

    const variation = {
      ...(licenceConditions() as LicenceConditions),
      standardConditions: [],
      supersedes: first.recordId,
      variationReason: 'Curfew removed',
    }
    const second = await issueLicence(holder, host.issuer(host.orgs.probation), variation, 'VAR 0002')
    const kept = await holder.acceptDeposit(second.deposit, host.trust)
    expect(kept.payload).toMatchObject({ supersedes: first.recordId })

    // The grantee with an active grant: its copy is now marked as replaced ("updated").
    const served = await housing.records()
    expect(served.map((r) => [r.record_id, r.superseded_by])).toEqual([[first.recordId, second.recordId]])
    // The holder's own list says the same, and the signed links agree.
    const mine = await holder.listRecords()
    expect(mine.find((r) => r.record_id === first.recordId)?.superseded_by).toBe(second.recordId)
    const opened = await Promise.all(
      mine.map(async (view) => ({
        recordId: view.record_id,
        payload: (await holder.readRecord(view, host.orgs.probation.identity.keys.signing.publicKey)).payload,
      })),
    )
    expect(supersededAmong(opened)).toEqual(new Map([[first.recordId, second.recordId]]))
    const log = await holder.log()
    expect(log.some((e) => e.event === 'deposit_accepted' && JSON.stringify(e.details).includes(first.recordId))).toBe(
      true,
    )
  })

  it('[SUP-VER-02] the host refuses a variation of a record that is not a current record of its type, and the deposit stays waiting', async () => {
    const holder = await HolderClient.createVault(host.url)
    const variation = { ...(licenceConditions() as LicenceConditions), supersedes: base64urlEncode(generateId()) }
    const second = await issueLicence(holder, host.issuer(host.orgs.probation), variation, 'VAR 0003')
    const refused = await holder.acceptDeposit(second.deposit, host.trust).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(HoldallApiError)
    expect(refused).toMatchObject({ status: 409, code: 'conflict' })
    expect((await holder.inbox()).map((d) => d.record_id)).toEqual([second.recordId])
    expect(await holder.listRecords()).toEqual([])
  })

  it('[SUP-VER-03] a replaced licence is never shared as current: the holder leaves it out, and the host refuses it', async () => {
    let restore: (() => Promise<void>) | undefined
    // The operator hides the mark while the holder lists its records, and restores it just before
    // the approval arrives: the holder then offers the old licence as current.
    const wire: typeof fetch = async (input, init) => {
      if (restore !== undefined && String(input).endsWith('/approve')) await restore()
      return fetch(input, init)
    }
    const holder = await HolderClient.createVault(host.url, wire)
    const first = await issueLicence(
      holder,
      host.issuer(host.orgs.probation),
      licenceConditions() as LicenceConditions,
      'VAR 0004',
    )
    await holder.acceptDeposit(first.deposit, host.trust)
    const variation = { ...(licenceConditions() as LicenceConditions), supersedes: first.recordId }
    const second = await issueLicence(holder, host.issuer(host.orgs.probation), variation, 'VAR 0005')
    await holder.acceptDeposit(second.deposit, host.trust)

    const housing = host.service(host.orgs.housing)
    const asked = await pair(holder, housing, ['licence_conditions'], ['read'], 'HOU 1002')
    await holder.approve(asked.request, host.trust)
    await housing.waitForDecision(asked.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    expect((await housing.records()).map((r) => r.record_id)).toEqual([second.recordId])

    const mark = (value: string | null) =>
      host.db.updateTable('records').set({ superseded_by: value }).where('record_id', '=', first.recordId).execute()
    const again = await pair(holder, host.service(host.orgs.housing), ['licence_conditions'], ['read'], 'HOU 1003')
    await mark(null)
    restore = async () => {
      await mark(second.recordId)
    }
    const refused = await holder.approve(again.request, host.trust).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(HoldallApiError)
    expect(refused).toMatchObject({ status: 409, code: 'superseded' })
    expect((await holder.grants()).length).toBe(3) // two deposit grants and the first housing grant
  })
})
