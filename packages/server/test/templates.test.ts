import { HoldallError, HoldallOAuthError, HolderClient, type ServiceClient } from '@holdall/client'
import { generateDeviceKeys, toPublicJwk } from '@holdall/crypto'
import {
  type GrantReceiptClaims,
  mayAskFor,
  mayIssue,
  mayReceive,
  needsCoolingOff,
  ORGANISATION_CATEGORIES,
  outsideTemplate,
  RECORD_TYPES,
  REQUEST_TEMPLATES,
  type RecordType,
  requestTemplate,
} from '@holdall/protocol'
import { calculateJwkThumbprint } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkReceiptAgainstRequest } from '../src/rules/grant-receipt.js'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'
import { approvals, grantWraps, plantGrantWrap, recordingFetch } from './malicious-host/operator-keys.js'
import { cv, ostHandover } from './release-week-fixtures.js'

/*
 * Issue 21: the release-week record types (spec 4.2.1) and request templates per organisation
 * category (spec 5.8.1), on the host and in the holder's SDK. The malicious-host cases edit only
 * the host's database, as its operator could.
 */
describe('release-week record types and request templates', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  const ask = async (
    holder: HolderClient,
    org: keyof Host['orgs'] | ServiceClient,
    types: RecordType[],
    bindingMessage: string,
    durationDays = 1,
  ) => {
    const { qr } = await holder.createPairingCode()
    const service = typeof org === 'string' ? host.service(host.orgs[org]) : org
    return service.requestAccess({
      pairingCode: qr,
      bindingMessage,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: types,
          purpose: 'Care',
          duration_days: durationDays,
        },
      ],
    })
  }
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    )

  it('[REC-TYPE-01] registers each release-week type once, with a code never reused', () => {
    const codes = Object.values(RECORD_TYPES).map((info) => info.code)
    expect(new Set(codes).size).toBe(codes.length)
    expect(RECORD_TYPES.ost_handover.code).toBe(6)
    expect(RECORD_TYPES.health_document.code).toBe(14)
    expect(RECORD_TYPES.health_document).toMatchObject({ body: 'file', tier: 'T3' })
    expect(RECORD_TYPES.release_letter.tier).toBe('T2')
    expect(RECORD_TYPES.birth_certificate.code).not.toBe(RECORD_TYPES.proof_of_address.code)
  })

  it('[REC-TYPE-02] no organisation may issue a CV or a disclosure statement', () => {
    for (const category of ORGANISATION_CATEGORIES) {
      expect(mayIssue('cv', category)).toBe(false)
      expect(mayIssue('disclosure_statement', category)).toBe(false)
    }
    expect(mayIssue('qualification_certificate', 'education_provider')).toBe(true)
    expect(mayIssue('national_insurance_number', 'jobcentre')).toBe(true)
    expect(mayIssue('proof_of_address', 'id_scheme')).toBe(false)
  })

  it('[REC-TYPE-03] the host refuses an OST handover request from anyone but health services; it starts off on the consent screen', async () => {
    expect(RECORD_TYPES.ost_handover).toMatchObject({ tier: 'T3+', sensitive: true })
    for (const category of ['housing', 'employer', 'jobcentre', 'bank', 'probation', 'supporter'] as const) {
      expect(mayReceive('ost_handover', category)).toBe(false)
    }
    const holder = await HolderClient.createVault(host.url)
    const refused = await refusal(ask(holder, 'housing', ['ost_handover'], 'OST 0001', 28))
    expect(refused).toBeInstanceOf(HoldallOAuthError)
    expect(refused).toMatchObject({ error: 'invalid_authorization_details' })
    expect(await holder.pendingRequests()).toEqual([])
  })

  it('[TPL-01] a pharmacy may ask for the OST handover for a day; anything else, or longer, is outside_template', async () => {
    const holder = await HolderClient.createVault(host.url)
    // Receivable by a pharmacy (any organisation may receive ID), but not in its template.
    const notInTemplate = await refusal(ask(holder, 'pharmacy', ['ost_handover', 'identity_document'], 'PHA 0001'))
    expect(notInTemplate).toBeInstanceOf(HoldallOAuthError)
    expect(notInTemplate).toMatchObject({ status: 400, error: 'outside_template' })
    const tooLong = await refusal(ask(holder, 'pharmacy', ['ost_handover'], 'PHA 0002', 2))
    expect(tooLong).toMatchObject({ status: 400, error: 'outside_template' })
    expect(await holder.pendingRequests()).toEqual([])
    await ask(holder, 'pharmacy', ['ost_handover'], 'PHA 0003', 1)
    expect((await holder.pendingRequests()).map((r) => r.binding_message)).toEqual(['PHA 0003'])
  })

  it('[TPL-01] scenario 12: an employer may not ask for health at all, nor licence detail', async () => {
    const holder = await HolderClient.createVault(host.url)
    const health = await refusal(ask(holder, 'listedEmployer', ['cv', 'medication_list'], 'EMP 0001', 7))
    expect(health).toMatchObject({ error: 'outside_template' })
    const licence = await refusal(ask(holder, 'listedEmployer', ['licence_conditions'], 'EMP 0002', 7))
    expect(licence).toMatchObject({ error: 'invalid_authorization_details' })
    for (const type of Object.keys(RECORD_TYPES) as RecordType[]) {
      if (['T3', 'T3+', 'T5'].includes(RECORD_TYPES[type].tier) || type === 'licence_conditions') {
        expect(mayAskFor(type, 'employer'), type).toBe(false)
      }
    }
    expect(needsCoolingOff('employer')).toBe(true)
    expect(needsCoolingOff('pharmacy')).toBe(false)
    expect(needsCoolingOff('gp_surgery')).toBe(false)
  })

  it('[TPL-01] scenario 11: housing may ask for licence conditions, never victim-protective detail', async () => {
    expect(mayAskFor('licence_conditions', 'housing')).toBe(true)
    expect(mayAskFor('victim_protective_conditions', 'housing')).toBe(false)
    const holder = await HolderClient.createVault(host.url)
    const t5 = await refusal(
      ask(holder, 'housing', ['licence_conditions', 'victim_protective_conditions'], 'HOU 0001', 28),
    )
    expect(t5).toMatchObject({ error: 'invalid_authorization_details' })
    expect(await holder.pendingRequests()).toEqual([])
  })

  it('[TPL-02] the host refuses a receipt outside the grantee template (a stale request), and creates nothing', async () => {
    const keys = generateDeviceKeys()
    const signing = toPublicJwk(keys.signing.publicKey, 'Ed25519')
    const agreement = toPublicJwk(keys.agreement.publicKey, 'X25519')
    const now = Date.now()
    const details = (types: RecordType[]) => [
      {
        type: 'holdall_records' as const,
        actions: ['read' as const],
        record_types: types,
        purpose: 'Job',
        duration_days: 7,
      },
    ]
    // A request stored before the rules changed: it names the medicines, which employers may not ask for.
    const request = {
      id: 'request-1',
      client_id: 'https://employer.example/meta',
      client_category: 'employer',
      binding_message: 'EMP 9999',
      authorization_details: JSON.stringify(details(['cv', 'medication_list'])),
      client_keys: JSON.stringify({ signing, agreement }),
    }
    const claims = async (types: RecordType[]): Promise<GrantReceiptClaims> => ({
      iss: 'device-1',
      sub: 'vault-1',
      aud: host.url,
      jti: 'grant-1',
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 3600,
      request_id: 'request-1',
      client_id: request.client_id,
      client_signing_key_id: await calculateJwkThumbprint(signing, 'sha256'),
      client_agreement_key_id: await calculateJwkThumbprint(agreement, 'sha256'),
      authorization_details: details(types),
      binding_message: 'EMP 9999',
    })
    const context = { deviceId: 'device-1', vaultId: 'vault-1', audience: host.url, now }
    expect(outsideTemplate('employer', details(['cv', 'medication_list']))).toMatch(/medication_list/)
    expect(outsideTemplate('employer', details(['cv']))).toBeUndefined()
    // Inside the template, every other claim matching: accepted.
    expect(await checkReceiptAgainstRequest(await claims(['cv']), context, request as never)).toEqual(new Set(['cv']))
    const refused = await refusal(
      checkReceiptAgainstRequest(await claims(['cv', 'medication_list']), context, request as never),
    )
    expect(refused).toMatchObject({ code: 'outside_template' })
  })

  it('[TPL-02] a grantee is served only record types inside its template, whatever its grant row says', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.putRecord('cv', cv(), 'My CV')
    const medicines = await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const employer = host.service(host.orgs.listedEmployer)
    const { authReqId } = await ask(holder, employer, ['cv'], 'EMP 0003', 7)
    const [request] = await holder.pendingRequests()
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust)
    await employer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    // The operator widens the grant row and files a wrap of the medicines under it.
    const widened = [
      {
        type: 'holdall_records',
        actions: ['read'],
        record_types: ['cv', 'medication_list'],
        purpose: 'Care',
        duration_days: 7,
      },
    ]
    await host.db
      .updateTable('grants')
      .set({ authorization_details: JSON.stringify(widened) })
      .where('id', '=', grant.grant_id)
      .execute()
    await plantGrantWrap(host, grant, medicines.record_id, new Uint8Array(32), host.orgs.listedEmployer.identity)
    const served = await employer.records()
    expect(served.map((r) => r.record_type)).toEqual(['cv'])
  })

  it('[TPL-03] the holder applies the template of the listed category, not what the host relays, and signs nothing', async () => {
    const wire = recordingFetch()
    const holder = await HolderClient.createVault(host.url, wire.fetch)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await ask(holder, 'listedEmployer', ['cv'], 'EMP 0004', 7)
    const [pending] = await holder.pendingRequests()
    const request = pending as NonNullable<typeof pending>
    // The operator adds the medicines and dresses the employer up as a GP surgery.
    const forged = {
      ...request,
      category: 'gp_surgery',
      authorization_details: [{ ...request.authorization_details[0], record_types: ['cv', 'medication_list'] }],
    } as typeof request
    const refused = await refusal(holder.approve(forged, host.trust))
    expect(refused).toBeInstanceOf(HoldallError)
    expect(refused).toMatchObject({ code: 'OUTSIDE_TEMPLATE' })
    // Longer than the template allows, too.
    const tooLong = {
      ...request,
      authorization_details: [{ ...request.authorization_details[0], duration_days: 60 }],
    } as typeof request
    expect(await refusal(holder.approve(tooLong, host.trust))).toMatchObject({ code: 'OUTSIDE_TEMPLATE' })
    expect(approvals(wire.calls)).toEqual([])
    expect(await grantWraps(host, holder.vaultId)).toBe(0)
  })

  it('[TPL-03] templates are keyed by category only, and never widen what a category may receive', () => {
    for (const [category, template] of Object.entries(REQUEST_TEMPLATES)) {
      for (const type of template.recordTypes) {
        expect(mayReceive(type, category as never), `${category} ${type}`).toBe(true)
      }
      expect(template.defaultDurationDays).toBeLessThanOrEqual(template.maxDurationDays)
    }
    expect(requestTemplate('unverified')).toBeUndefined()
    expect(REQUEST_TEMPLATES.pharmacy).toMatchObject({ defaultDurationDays: 1, mode: 'view_once' })
    expect(mayAskFor('ost_handover', 'pharmacy')).toBe(true)
    expect(mayAskFor('ost_handover', 'unverified')).toBe(false)
  })

  it('[REC-TYPE-01] an issuer deposits an OST handover; the host labels and checks its signed type', async () => {
    const holder = await HolderClient.createVault(host.url)
    const healthcare = host.issuer(host.orgs.prisonHealthcare)
    const { qr } = await holder.createPairingCode()
    const { authReqId } = await healthcare.requestAccess({
      pairingCode: qr,
      bindingMessage: 'OST 0002',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['ost_handover'],
          purpose: 'Release',
          duration_days: 1,
        },
      ],
    })
    const [request] = await holder.pendingRequests()
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await healthcare.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    await healthcare.deposit('ost_handover', ostHandover(), 'Methadone handover')
    const [deposit] = await holder.inbox()
    expect(deposit?.record_type).toBe('ost_handover')
    await holder.acceptDeposit(deposit as NonNullable<typeof deposit>, host.trust)
    const [kept] = await holder.listRecords()
    const opened = await holder.readRecord(
      kept as NonNullable<typeof kept>,
      host.orgs.prisonHealthcare.identity.keys.signing.publicKey,
    )
    expect(opened.payload).toMatchObject({ recordType: 'ost_handover', dailyDose: { value: 60 } })
  })
})
