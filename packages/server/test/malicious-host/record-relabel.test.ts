import { HoldallError, HolderClient } from '@holdall/client'
import type { AuthorizationDetail } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { licenceConditions, medicationList, victimConditions } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { approvals, ask, grantWraps, recordingFetch, relabelRecord } from './operator-keys.js'

/*
 * Attack 3: the operator relabels a record in clear. A justice-only record (victim-protective
 * conditions, T5) labelled `medication_list` must never reach a GP: the holder's client checks the
 * type its author signed into the manifest before wrapping a key, and the service SDK refuses a
 * record whose signed type its grant does not cover.
 */
describe('malicious host: record type relabelling', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  it('[CRY-MAN-08] a T5 record relabelled as medicines is refused by the holder before any key is wrapped', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const victim = await holder.putRecord('victim_protective_conditions', victimConditions(), 'Protects others')
    await relabelRecord(host, holder.vaultId, victim.record_id, 'medication_list')
    const labels = (await holder.listRecords()).map((r) => r.record_type)
    expect(labels).toEqual(['medication_list', 'medication_list'])

    const { request } = await ask(holder, host.service(host.orgs.gp), ['medication_list'], 'Riverside 2001')
    const refused = await holder.approve(request, host.trust).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(HoldallError)
    expect(refused).toMatchObject({ code: 'RECORD_TYPE_MISMATCH' })
    expect(approvals(wire.calls)).toEqual([])
    expect(await grantWraps(host, holder.vaultId)).toBe(0)
  })

  it('[CRY-MAN-08] a manifest moved from another record is refused: it names another record', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    const medicines = await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const victim = await holder.putRecord('victim_protective_conditions', victimConditions(), 'Protects others')
    await relabelRecord(host, holder.vaultId, victim.record_id, 'medication_list')
    // The operator pairs the T5 record with the medicines' genuine, correctly signed manifest.
    await host.db
      .updateTable('record_versions')
      .set({ manifest: medicines.manifest })
      .where('vault_id', '=', holder.vaultId)
      .where('record_id', '=', victim.record_id)
      .execute()
    const { request } = await ask(holder, host.service(host.orgs.gp), ['medication_list'], 'Riverside 2002')
    await expect(holder.approve(request, host.trust)).rejects.toMatchObject({ code: 'RECORD_UNVERIFIED' })
    expect(approvals(wire.calls)).toEqual([])
  })

  it('[CRY-MAN-09] the service SDK refuses a record whose signed type its grant does not cover', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('licence_conditions', licenceConditions(), 'Licence')
    // The GP holds two grants: licence conditions (allowed to a GP) and, later, medicines only.
    const first = host.service(host.orgs.gp)
    const a = await ask(holder, first, ['licence_conditions'], 'Riverside 2003')
    const grantA = await holder.approve(a.request, host.trust)
    await first.waitForDecision(a.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const second = host.service(host.orgs.gp)
    const b = await ask(holder, second, ['medication_list'], 'Riverside 2004')
    const grantB = await holder.approve(b.request, host.trust)
    await second.waitForDecision(b.authReqId, { intervalMs: 50, timeoutMs: 5000 })

    // The operator widens grant B in its rows and hands it grant A's wrap of the licence.
    const wrapA = await host.db
      .selectFrom('key_wraps')
      .selectAll()
      .where('grant_id', '=', grantA.grant_id)
      .executeTakeFirstOrThrow()
    await host.db
      .insertInto('key_wraps')
      .values({
        vault_id: wrapA.vault_id,
        record_id: wrapA.record_id,
        version: wrapA.version,
        kind: 'grant',
        grant_id: grantB.grant_id,
        key_epoch: null,
        wrap: wrapA.wrap,
      })
      .execute()
    const widened: AuthorizationDetail[] = grantB.authorization_details.map((d) => ({
      ...d,
      record_types: [...d.record_types, 'licence_conditions'],
    }))
    await host.db
      .updateTable('grants')
      .set({ authorization_details: JSON.stringify(widened) })
      .where('id', '=', grantB.grant_id)
      .execute()

    const served = await second.records()
    const licence = served.find((r) => r.record_type === 'licence_conditions')
    expect(licence).toBeDefined()
    await expect(second.readRecord(licence as NonNullable<typeof licence>, host.trusted)).rejects.toMatchObject({
      name: 'HoldallError',
      code: 'RECORD_TYPE_NOT_GRANTED',
    })
  })

  it('[CRY-MAN-07] the service SDK refuses a shared record relabelled in clear', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const gp = host.service(host.orgs.gp)
    const { request, authReqId } = await ask(holder, gp, ['medication_list', 'appointment'], 'Riverside 2005')
    await holder.approve(request, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const [view] = await gp.records()
    await relabelRecord(host, holder.vaultId, view?.record_id ?? '', 'appointment')
    const [relabelled] = await gp.records()
    expect(relabelled?.record_type).toBe('appointment')
    await expect(gp.readRecord(relabelled as NonNullable<typeof relabelled>, host.trusted)).rejects.toMatchObject({
      code: 'RECORD_TYPE_MISMATCH',
    })
  })
})
