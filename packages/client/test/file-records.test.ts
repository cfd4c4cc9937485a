import {
  base64urlEncode,
  generateDataKey,
  generateDeviceKeys,
  generateId,
  keyThumbprint,
  NO_PREVIOUS_MANIFEST,
  sealEnvelope,
  signManifest,
} from '@holdall/crypto'
import { type HealthDocumentMetadata, RECORD_TYPES, type RecordType, type RecordVersionView } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import { openFileRecord, sealFileRecord } from '../src/index.js'

/*
 * Issue 21: documents kept as files (spec 4.2.1). The reader checks the description and the
 * file's first bytes before it hands a single byte to a viewer ([REC-TYPE-04]).
 */
const vaultId = base64urlEncode(generateId())
const recordId = base64urlEncode(generateId())
const author = generateDeviceKeys().signing
const pdf = new TextEncoder().encode('%PDF-1.7\n% a discharge summary\n%%EOF\n')
const describeAs: HealthDocumentMetadata = {
  contentType: 'application/pdf',
  title: 'Discharge summary',
  fileName: 'discharge.pdf',
  recordType: 'health_document',
  documentKind: 'discharge_summary',
  documentDate: '2026-11-20',
}

function view(recordType: RecordType, manifest: string, ciphertextLength: number): RecordVersionView {
  return {
    record_id: recordId,
    record_type: recordType,
    version: 1,
    key_epoch: 0,
    ciphertext_sha256: '',
    ciphertext_length: ciphertextLength,
    manifest,
    wrap: '',
  } as unknown as RecordVersionView
}

/** What a careless or hostile writer could seal, skipping sealFileRecord's checks. */
function sealRaw(metadata: unknown, file: Uint8Array, recordType: RecordType = 'health_document') {
  const dek = generateDataKey()
  const context = { vaultId: generateIdFrom(vaultId), recordId: generateIdFrom(recordId), version: 1, keyEpoch: 0 }
  const sealed = sealEnvelope({
    dek,
    context,
    metadata: new TextEncoder().encode(JSON.stringify(metadata)),
    plaintext: file,
  })
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode: RECORD_TYPES[recordType].code,
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(author.publicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    author.secretKey,
  )
  return { view: view(recordType, base64urlEncode(manifest.bytes), sealed.ciphertextLength), sealed, dek }
}

function generateIdFrom(id: string): Uint8Array {
  return Uint8Array.from(Buffer.from(id, 'base64url'))
}

describe('file record types (spec 4.2.1)', () => {
  it('[REC-TYPE-04] seals and opens a PDF health document, its description in the metadata block', () => {
    const dek = generateDataKey()
    const { sealed, manifest } = sealFileRecord({
      recordType: 'health_document',
      dek,
      vaultId,
      recordId,
      version: 1,
      keyEpoch: 0,
      metadata: describeAs,
      file: pdf,
      authorSecretKey: author.secretKey,
      authorPublicKey: author.publicKey,
    })
    const opened = openFileRecord(
      view('health_document', manifest, sealed.ciphertextLength),
      sealed.ciphertext,
      dek,
      author.publicKey,
    )
    expect(opened.metadata).toEqual(describeAs)
    expect(opened.file).toEqual(pdf)
  })

  it('[REC-TYPE-04] the writer refuses a file whose bytes are not its content type', () => {
    const png = { ...describeAs, contentType: 'image/png' as const }
    expect(() =>
      sealFileRecord({
        recordType: 'health_document',
        dek: generateDataKey(),
        vaultId,
        recordId,
        version: 1,
        keyEpoch: 0,
        metadata: png,
        file: pdf,
        authorSecretKey: author.secretKey,
        authorPublicKey: author.publicKey,
      }),
    ).toThrow(expect.objectContaining({ code: 'RECORD_UNVERIFIED' }))
  })

  it('[REC-TYPE-04] the reader refuses an HTML page dressed as a PDF, and a description that does not parse', () => {
    const html = new TextEncoder().encode('<html><script>steal()</script></html>')
    const disguised = sealRaw(describeAs, html)
    expect(() => openFileRecord(disguised.view, disguised.sealed.ciphertext, disguised.dek, author.publicKey)).toThrow(
      expect.objectContaining({ code: 'RECORD_UNVERIFIED' }),
    )
    const unparsable = sealRaw({ ...describeAs, contentType: 'text/html' }, html)
    expect(() =>
      openFileRecord(unparsable.view, unparsable.sealed.ciphertext, unparsable.dek, author.publicKey),
    ).toThrow(expect.objectContaining({ code: 'RECORD_UNVERIFIED' }))
    const otherType = sealRaw({ ...describeAs, recordType: 'medication_list' }, pdf)
    expect(() => openFileRecord(otherType.view, otherType.sealed.ciphertext, otherType.dek, author.publicKey)).toThrow()
    // The same bytes, honestly described, open.
    const honest = sealRaw(describeAs, pdf)
    expect(openFileRecord(honest.view, honest.sealed.ciphertext, honest.dek, author.publicKey).file).toEqual(pdf)
  })

  it('[REC-TYPE-04] a JSON record type is never opened as a file', () => {
    const json = sealRaw(describeAs, pdf, 'appointment')
    expect(() => openFileRecord(json.view, json.sealed.ciphertext, json.dek, author.publicKey)).toThrow(
      expect.objectContaining({ code: 'RECORD_TYPE_MISMATCH' }),
    )
  })
})
