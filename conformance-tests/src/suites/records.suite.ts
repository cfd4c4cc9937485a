import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { type HolderClient, sealRecord } from '@holdall/client'
import { base64urlEncode, generateDataKey, generateId, randomBytes } from '@holdall/crypto'
import { hostMetadataSchema, type RecordVersionView } from '@holdall/protocol'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'
import { medicationList } from '../payloads.js'

const ctx = conformance()

describe('records and versions (chapters 4 and 5.6)', () => {
  let holder: HolderClient
  let token: string
  let record: RecordVersionView
  before(async () => {
    holder = await ctx.newHolder()
    record = await holder.putRecord('medication_list', medicationList(), 'Medicines')
    token = await ctx.accessToken(holder)
  })
  const key = () => holder.deviceKeys.signing
  const blobPath = (sha: string) => `/vaults/${holder.vaultId}/blobs/${sha}`
  const putBlob = (sha: string, body: Uint8Array) =>
    ctx.send('PUT', blobPath(sha), {
      key: key(),
      token,
      headers: { 'content-type': 'application/octet-stream' },
      body: body as Uint8Array<ArrayBuffer>,
    })

  /** A sealed version 1 of a new record, whose envelope is not uploaded yet. */
  function newVersion() {
    const recordId = base64urlEncode(generateId())
    const { sealed, manifest } = sealRecord({
      recordType: 'medication_list',
      dek: generateDataKey(),
      vaultId: holder.vaultId,
      recordId,
      version: 1,
      keyEpoch: 0,
      payload: medicationList(),
      title: 'A new record',
      authorSecretKey: holder.deviceKeys.signing.secretKey,
      authorPublicKey: holder.deviceKeys.signing.publicKey,
    })
    const body = {
      record_type: 'medication_list',
      key_epoch: 0,
      ciphertext_sha256: base64urlEncode(sealed.ciphertextSha256),
      ciphertext_length: sealed.ciphertextLength,
      manifest,
      owner_wrap: record.wrap,
    }
    return { recordId, sealed, body }
  }
  const putNewVersion = (recordId: string, json: unknown) =>
    ctx.connection(key()).send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/records/${recordId}/versions/1`,
      json,
      accessToken: token,
    })

  it('[API-REC-01] refuses an envelope stored at the wrong address, and keeps nothing of it', async () => {
    const { recordId, sealed, body } = newVersion()
    // The right bytes at another address: refused, and stored under neither.
    await assertProblem(
      await putBlob(base64urlEncode(new Uint8Array(32).fill(7)), sealed.ciphertext),
      'envelope_invalid',
    )
    // A version naming the envelope's real digest is refused, because no such envelope was kept.
    await assertProblem(await putNewVersion(recordId, body), 'conflict')
    // Uploaded properly, the same version is accepted.
    assert.equal((await putBlob(body.ciphertext_sha256, sealed.ciphertext)).status, 204)
    assert.ok([200, 201].includes((await putNewVersion(recordId, body)).status))
  })

  it('[API-DEP-02] refuses a record version stored under a type other than the one its manifest signs', async () => {
    const { recordId, sealed, body } = newVersion()
    assert.equal((await putBlob(body.ciphertext_sha256, sealed.ciphertext)).status, 204)
    // Signed as a medication list, labelled as an appointment: the label must be the signed type.
    await assertProblem(await putNewVersion(recordId, { ...body, record_type: 'appointment' }), 'manifest_invalid')
    assert.ok([200, 201].includes((await putNewVersion(recordId, body)).status))
  })

  it('[API-REC-01] refuses an envelope larger than max_record_bytes with 413', async () => {
    const metadata = hostMetadataSchema.parse(await (await fetch(ctx.url('/.well-known/holdall'))).json())
    const body = new Uint8Array(metadata.max_record_bytes + 1)
    const address = base64urlEncode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>)),
    )
    await assertProblem(await putBlob(address, body), 'payload_too_large')
  })

  it('[API-REC-01] serves the envelope of a record version, and no envelope that no version names', async () => {
    const back = await ctx.send('GET', blobPath(record.ciphertext_sha256), { key: key(), token })
    assert.equal(back.status, 200)
    assert.equal(back.headers.get('cache-control'), 'no-store')
    assert.equal((await back.arrayBuffer()).byteLength, record.ciphertext_length)
    const body = randomBytes(3000)
    const address = base64urlEncode(
      new Uint8Array(await crypto.subtle.digest('SHA-256', body as Uint8Array<ArrayBuffer>)),
    )
    assert.equal((await putBlob(address, body)).status, 204)
    await assertProblem(await ctx.send('GET', blobPath(address), { key: key(), token }), 'not_found')
  })

  const versionBody = () => ({
    record_type: record.record_type,
    key_epoch: record.key_epoch,
    ciphertext_sha256: record.ciphertext_sha256,
    ciphertext_length: record.ciphertext_length,
    manifest: record.manifest,
    owner_wrap: record.wrap,
  })
  const putVersion = (version: number, json: unknown) =>
    ctx.connection(key()).send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/records/${record.record_id}/versions/${version}`,
      json,
      accessToken: token,
    })

  it('[API-REC-02] answers the same version again with 200 (a safe retry)', async () => {
    assert.equal((await putVersion(1, versionBody())).status, 200)
  })

  it('[API-REC-02] refuses a version that skips one, with conflict', async () => {
    const { sealed, manifest } = sealRecord({
      recordType: 'medication_list',
      dek: generateDataKey(),
      vaultId: holder.vaultId,
      recordId: record.record_id,
      version: 3,
      keyEpoch: 0,
      payload: medicationList(),
      title: 'Version 3 with no version 2',
      authorSecretKey: holder.deviceKeys.signing.secretKey,
      authorPublicKey: holder.deviceKeys.signing.publicKey,
      previousManifest: record.manifest,
    })
    const sha = base64urlEncode(sealed.ciphertextSha256)
    assert.equal((await putBlob(sha, sealed.ciphertext)).status, 204)
    const gap = { ...versionBody(), ciphertext_sha256: sha, ciphertext_length: sealed.ciphertextLength, manifest }
    await assertProblem(await putVersion(3, gap), 'conflict')
  })

  it('[API-REC-02] refuses a different body for an existing version, with conflict', async () => {
    const { sealed, manifest } = sealRecord({
      recordType: 'medication_list',
      dek: generateDataKey(),
      vaultId: holder.vaultId,
      recordId: record.record_id,
      version: 1,
      keyEpoch: 0,
      payload: medicationList(),
      title: 'Another version 1',
      authorSecretKey: holder.deviceKeys.signing.secretKey,
      authorPublicKey: holder.deviceKeys.signing.publicKey,
    })
    const sha = base64urlEncode(sealed.ciphertextSha256)
    assert.equal((await putBlob(sha, sealed.ciphertext)).status, 204)
    const changed = { ...versionBody(), ciphertext_sha256: sha, ciphertext_length: sealed.ciphertextLength, manifest }
    await assertProblem(await putVersion(1, changed), 'conflict')
  })

  it('[API-REC-02] refuses a manifest that describes another record, with manifest_invalid', async () => {
    const stranger = await holder.putRecord('medication_list', medicationList(), 'Another list')
    const body = {
      ...versionBody(),
      manifest: stranger.manifest,
      ciphertext_sha256: stranger.ciphertext_sha256,
      ciphertext_length: stranger.ciphertext_length,
    }
    await assertProblem(await putVersion(2, body), 'manifest_invalid')
    const listed = await holder.listRecords()
    assert.equal(listed.find((r) => r.record_id === record.record_id)?.version, 1, 'the record was changed')
  })

  it('[API-CACHE-01] serves the vault and its records with Cache-Control: no-store', async () => {
    for (const path of [`/vaults/${holder.vaultId}`, `/vaults/${holder.vaultId}/records`]) {
      const response = await ctx.send('GET', path, { key: key(), token })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('cache-control'), 'no-store')
    }
  })
})
