import { HolderClient, type IssuerClient } from '@holdall/client'
import { type HealthDocumentMetadata, MAX_FILE_RECORD_BYTES, type RecordType } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from './harness.js'

/*
 * Health documents as files (spec 4.2.1, record type 14) written through the issuer SDK: prison
 * healthcare deposits a discharge summary (envelope upload, then deposit); the holder accepts it
 * and reads it; a GP granted health letters reads it; size limits hold on the writer and the host.
 * Runs on SQLite and on PostgreSQL.
 */
const DESCRIPTION: HealthDocumentMetadata = {
  contentType: 'application/pdf',
  title: 'Discharge summary',
  fileName: 'discharge.pdf',
  recordType: 'health_document',
  documentKind: 'discharge_summary',
  documentDate: '2026-11-20',
}

function pdf(size: number): Uint8Array {
  const file = new Uint8Array(size).fill(0x20)
  file.set(new TextEncoder().encode('%PDF-1.7\n'), 0)
  return file
}

async function depositGrant(host: Host, holder: HolderClient, types: RecordType[]): Promise<IssuerClient> {
  const healthcare = host.issuer(host.orgs.prisonHealthcare)
  const { authReqId } = await healthcare.requestAccess({
    pairingCode: (await holder.createPairingCode()).qr,
    bindingMessage: `Letters ${Math.floor(Math.random() * 9000) + 1000}`,
    details: [
      { type: 'holdall_records', actions: ['deposit'], record_types: types, purpose: 'Release', duration_days: 1 },
    ],
  })
  const [request] = await holder.pendingRequests()
  await holder.approve(request as NonNullable<typeof request>, host.trust)
  await healthcare.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
  return healthcare
}

describe('health documents as files', () => {
  let host: Host
  let holder: HolderClient
  let healthcare: IssuerClient

  beforeAll(async () => {
    host = await startHost({ maxRecordBytes: 2 * 1024 * 1024 })
    holder = await HolderClient.createVault(host.url)
    healthcare = await depositGrant(host, holder, ['health_document'])
  }, 60_000)
  afterAll(async () => host?.close())

  it('[REC-TYPE-04] an issuer writes a discharge summary as a file; the holder and a granted GP read the same bytes', async () => {
    const file = pdf(300_000)
    await healthcare.depositFile('health_document', DESCRIPTION, file)
    const [deposit] = await holder.inbox()
    expect(deposit?.record_type).toBe('health_document')
    const accepted = await holder.acceptFileDeposit(deposit as NonNullable<typeof deposit>, host.trust)
    expect(accepted.issuer.name).toBe('HMP Leeds Healthcare')
    expect(accepted.metadata).toEqual(DESCRIPTION)
    const [kept] = await holder.listRecords()
    const mine = await holder.readFileRecord(
      kept as NonNullable<typeof kept>,
      host.orgs.prisonHealthcare.identity.keys.signing.publicKey,
    )
    expect(Buffer.from(mine.file).equals(Buffer.from(file))).toBe(true)

    const gp = host.service(host.orgs.gp)
    const { authReqId } = await gp.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Riverside 5151',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['health_document'],
          purpose: 'Continue your care',
          duration_days: 14,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find((r) => r.binding_message === 'Riverside 5151')
    await holder.approve(request as NonNullable<typeof request>, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const [served] = await gp.records()
    const read = await gp.readFileRecord(served as NonNullable<typeof served>, host.trusted)
    expect(read.issuer).toBe('HMP Leeds Healthcare')
    expect(read.metadata.documentKind).toBe('discharge_summary')
    expect(Buffer.from(read.file).equals(Buffer.from(file))).toBe(true)
    // The same record through the JSON path is refused, not shown as something else.
    await expect(gp.readRecord(served as NonNullable<typeof served>, host.trusted)).rejects.toBeDefined()
  })

  it('[REC-TYPE-05] a file over the size limit is refused by the writer before anything is sent; over the host limit by the host', async () => {
    const before = (await holder.inbox()).length
    await expect(
      healthcare.depositFile('health_document', DESCRIPTION, pdf(MAX_FILE_RECORD_BYTES + 1)),
    ).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' })
    // Under the writer's limit but over this host's 2 MiB: the upload is refused with 413.
    await expect(healthcare.depositFile('health_document', DESCRIPTION, pdf(3 * 1024 * 1024))).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
    })
    // A file whose bytes are not its content type is refused before anything is signed.
    const notPdf = new TextEncoder().encode('<html>not a pdf</html>')
    await expect(healthcare.depositFile('health_document', DESCRIPTION, notPdf)).rejects.toMatchObject({
      code: 'RECORD_UNVERIFIED',
    })
    expect((await holder.inbox()).length).toBe(before)
  })

  it('[REC-TYPE-04] a file record type is never written through the JSON path by the holder SDK, nor a JSON type as a file', async () => {
    await expect(healthcare.depositFile('medication_list' as RecordType, DESCRIPTION, pdf(1000))).rejects.toMatchObject(
      { code: 'RECORD_TYPE_MISMATCH' },
    )
  })
})
