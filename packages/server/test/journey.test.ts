import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HoldallApiError, HoldallOAuthError, HolderClient } from '@holdall/client'
import { assertManifestSuccessor, base64urlDecode, generateDeviceKeys, verifyManifest } from '@holdall/crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CANARY, licenceConditions, medicationList, victimConditions } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * The repeat-prescription journey over real HTTP on 127.0.0.1, with real SQLite and real crypto:
 * prison healthcare deposits a signed medication list; the GP pairs and asks; the holder approves
 * narrowed to medicines for 14 days; the GP reads and verifies; the holder revokes.
 */
describe('the repeat-prescription journey', () => {
  let host: Host
  let holder: HolderClient

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
  })
  afterAll(async () => host?.close())

  it('[API-DEP-01][API-VAULT-02] prison healthcare deposits a signed medication list; the holder accepts it', async () => {
    const issuer = host.issuer(host.orgs.prisonHealthcare)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await issuer.requestAccess({
      pairingCode: code,
      bindingMessage: 'HMP Leeds 4821',
      details: [
        {
          type: 'holdall_records',
          actions: ['deposit'],
          record_types: ['medication_list'],
          purpose: 'Medicines on release',
          duration_days: 2,
        },
      ],
    })
    const [request] = await holder.waitForRequest(5000)
    expect(request?.client_name).toBe('HMP Leeds Healthcare')
    expect(request?.verified).toBe(true)
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await issuer.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    await issuer.deposit('medication_list', medicationList(), 'Medicines on release')

    const [deposit] = await holder.inbox()
    expect(deposit?.record_type).toBe('medication_list')
    const accepted = await holder.acceptDeposit(deposit as NonNullable<typeof deposit>, host.trust)
    expect(accepted.payload.recordType).toBe('medication_list')
    expect(await holder.inbox()).toEqual([])
  })

  let gpGrantId = ''
  const gp = () => host.service(host.orgs.gp)
  let gpClient: ReturnType<typeof gp>

  it('the GP pairs and asks; the holder sees it within seconds and approves medicines only, for 14 days', async () => {
    await holder.putRecord('licence_conditions', licenceConditions(), 'Licence conditions')
    gpClient = gp()
    const { qr: code } = await holder.createPairingCode()
    const waiting = holder.waitForRequest(10_000)
    const asked = Date.now()
    const { authReqId } = await gpClient.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list', 'licence_conditions'],
          purpose: 'Continue your repeat prescription',
          duration_days: 30,
        },
      ],
    })
    const [request] = await waiting
    expect(Date.now() - asked).toBeLessThan(5000)
    expect(request?.binding_message).toBe('Riverside 2231')
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust, {
      recordTypes: ['medication_list'],
      durationDays: 14,
    })
    gpGrantId = grant.grant_id
    expect(grant.authorization_details[0]?.record_types).toEqual(['medication_list'])
    expect(grant.expires_at - grant.created_at).toBeLessThanOrEqual(14 * 86_400_000 + 60_000)
    await gpClient.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
  })

  it('[API-GRANT-02][API-ACC-01] the GP reads the list and verifies that prison healthcare signed it', async () => {
    const records = await gpClient.records()
    expect(records.map((r) => r.record_type)).toEqual(['medication_list'])
    const opened = await gpClient.readRecord(records[0] as NonNullable<(typeof records)[0]>, host.trusted)
    expect(opened.issuer).toBe('HMP Leeds Healthcare')
    expect(opened.payload.recordType === 'medication_list' && opened.payload.medicines[0]?.runOutDate).toBe(
      '2026-12-18',
    )
  })

  it('[API-LOG-01][API-ACC-02] the holder reads a hash-chained log of what happened', async () => {
    const log = await holder.log()
    const events = log.map((e) => e.event)
    expect(events).toEqual(
      expect.arrayContaining([
        'vault_created',
        'deposit_received',
        'deposit_accepted',
        'request_approved',
        'key_served',
      ]),
    )
    for (let i = 1; i < log.length; i++) expect(log[i]?.prev_hash).toBe(log[i - 1]?.hash)
    const served = log.find((e) => e.event === 'key_served')
    expect(served?.actor).toBe(host.orgs.gp.identity.clientId)
  })

  it('[API-REV-01] the holder revokes, and the GP is refused at once', async () => {
    await holder.revoke(gpGrantId)
    await expect(gpClient.records()).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
    await expect(gpClient.refresh()).rejects.toBeInstanceOf(HoldallOAuthError)
  })

  it('zero plaintext: the database and blob files hold none of the canaries', async () => {
    if (host.kind === 'postgres') {
      // Every value of every table, blobs as their bytes, searched like the SQLite file is.
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = 'public'`.execute(host.db)
      const pieces: Buffer[] = []
      for (const { table_name } of tables.rows) {
        const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(host.db)
        for (const row of rows.rows)
          for (const value of Object.values(row))
            pieces.push(value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value)))
      }
      const stored = (await host.db.selectFrom('blobs').select('sha256').execute()).length
      expect(stored).toBeGreaterThanOrEqual(2)
      const bytes = Buffer.concat(pieces)
      for (const canary of Object.values(CANARY)) {
        expect(bytes.includes(Buffer.from(canary)), `${canary} in the database`).toBe(false)
        expect(bytes.includes(Buffer.from(canary, 'utf16le')), `${canary} (UTF-16) in the database`).toBe(false)
      }
      return
    }
    const files: string[] = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry)
        if (statSync(path).isDirectory()) walk(path)
        else files.push(path)
      }
    }
    walk(host.dataDir)
    expect(files.some((f) => f.includes('holdall.sqlite3'))).toBe(true)
    expect(files.filter((f) => f.includes('blobs')).length).toBeGreaterThanOrEqual(2)
    for (const file of files) {
      const bytes = readFileSync(file)
      for (const canary of Object.values(CANARY)) {
        expect(bytes.includes(Buffer.from(canary)), `${canary} in ${file}`).toBe(false)
        expect(bytes.includes(Buffer.from(canary, 'utf16le')), `${canary} (UTF-16) in ${file}`).toBe(false)
      }
    }
  })

  it('[API-REQ-01] a justice-only record is never offered to a GP, whatever the holder would tap', async () => {
    await holder.putRecord('victim_protective_conditions', victimConditions(), 'Conditions that protect other people')
    const { qr: code } = await holder.createPairingCode()
    await expect(
      gp().requestAccess({
        pairingCode: code,
        bindingMessage: 'Riverside 9000',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['victim_protective_conditions'],
            purpose: 'x',
            duration_days: 1,
          },
        ],
      }),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' })
  })

  it('probation may be granted the justice-only record', async () => {
    const probation = host.service(host.orgs.probation)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await probation.requestAccess({
      pairingCode: code,
      bindingMessage: 'Leeds PDU 7777',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['licence_conditions', 'victim_protective_conditions'],
          purpose: 'Supervision',
          duration_days: 7,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.client_id === host.orgs.probation.identity.clientId)
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await probation.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    const types = (await probation.records()).map((r) => r.record_type).sort()
    expect(types).toEqual(['licence_conditions', 'victim_protective_conditions'])
  })

  it('[API-TRUST-01][API-REQ-01] an organisation that is not on the trust list is shown as unverified and never gets justice records', async () => {
    const employer = host.service(host.orgs.employer)
    const { qr: code } = await holder.createPairingCode()
    await expect(
      employer.requestAccess({
        pairingCode: code,
        bindingMessage: 'Quick Jobs 1111',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['licence_conditions'],
            purpose: 'Job offer',
            duration_days: 1,
          },
        ],
      }),
    ).rejects.toMatchObject({ error: 'invalid_authorization_details' })
    const second = await holder.createPairingCode()
    await employer.requestAccess({
      pairingCode: second.code,
      bindingMessage: 'Quick Jobs 2222',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['identity_document'],
          purpose: 'Right to work',
          duration_days: 1,
        },
      ],
    })
    const pending = await holder.pendingRequests()
    const fromEmployer = pending.find((r) => r.client_id === host.orgs.employer.identity.clientId)
    expect(fromEmployer?.verified).toBe(false)
    await holder.deny(fromEmployer as NonNullable<typeof fromEmployer>)
  })

  it('the API is described in /openapi.json (OpenAPI 3.1, from the zod schemas) and /docs', async () => {
    const spec = (await (await fetch(`${host.url}/openapi.json`)).json()) as {
      openapi: string
      paths: Record<string, Record<string, { requestBody?: unknown; summary?: string }>>
    }
    expect(spec.openapi).toBe('3.1.0')
    expect(spec.paths['/vaults/{vaultId}/requests/{requestId}/approve']?.post?.requestBody).toBeDefined()
    expect(
      Object.values(spec.paths)
        .flatMap((ops) => Object.values(ops))
        .every((op) => typeof op.summary === 'string'),
    ).toBe(true)
    const docs = await fetch(`${host.url}/docs`)
    expect(docs.headers.get('content-type')).toContain('text/html')
    expect(await docs.text()).toContain('/grant/records')
    const discovery = await (await fetch(`${host.url}/.well-known/holdall`)).json()
    expect(discovery).toMatchObject({
      issuer: host.url,
      protocol_versions: [1],
      dpop_signing_alg_values_supported: ['Ed25519', 'EdDSA'],
    })
  })

  it('[API-ERR-01] errors are problem+json with stable codes', async () => {
    const response = await fetch(`${host.url}/vaults/not-a-vault-id/records`)
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
    expect(await response.json()).toMatchObject({ code: 'invalid_request', status: 400 })
    const missing = await fetch(`${host.url}/no/such/thing`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ code: 'not_found' })
    expect(HoldallApiError).toBeDefined()
  })
})

describe('more holder devices, and record versions', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost()
  })
  afterAll(async () => host?.close())

  it('[CRY-STMT-02][API-VAULT-03] a second device joins with a VRK the first device signed for it, and reads the vault', async () => {
    const phone = await HolderClient.createVault(host.url)
    const view = await phone.putRecord('medication_list', medicationList(), 'Medicines')
    const tablet = generateDeviceKeys()
    await phone.enrolDevice({ signing: tablet.signing.publicKey, agreement: tablet.agreement.publicKey })
    const joined = await HolderClient.joinVault(host.url, tablet, phone.vaultId, phone.deviceId)
    const opened = await joined.readRecord(view, phone.deviceKeys.signing.publicKey)
    expect(opened.payload.recordType).toBe('medication_list')
    // A device that expects another enroller refuses the VRK.
    await expect(HolderClient.joinVault(host.url, tablet, phone.vaultId, 'not-the-phone')).rejects.toThrow(
      /did not expect/,
    )
    expect((await phone.log()).map((e) => e.event)).toContain('device_added')
  })

  it('[API-REC-02] a new version gets a fresh key and links to the previous manifest', async () => {
    const phone = await HolderClient.createVault(host.url)
    const v1 = await phone.putRecord(
      'appointment',
      { recordType: 'appointment', with: 'GP', purpose: 'Review', time: '2026-12-01T09:00:00Z', address: 'Riverside' },
      'GP review',
    )
    const v2 = await phone.updateRecord(
      v1,
      { recordType: 'appointment', with: 'GP', purpose: 'Review', time: '2026-12-02T09:00:00Z', address: 'Riverside' },
      'GP review (moved)',
    )
    expect(v2.version).toBe(2)
    const [latest] = await phone.listRecords()
    expect(latest?.version).toBe(2)
    const opened = await phone.readRecord(latest as NonNullable<typeof latest>)
    expect(opened.payload.recordType === 'appointment' && opened.payload.time).toBe('2026-12-02T09:00:00Z')
    const m1 = verifyManifest(base64urlDecode(v1.manifest), phone.deviceKeys.signing.publicKey)
    const m2 = verifyManifest(base64urlDecode(v2.manifest), phone.deviceKeys.signing.publicKey)
    expect(() => assertManifestSuccessor(m1, m2)).not.toThrow()
  })
})
