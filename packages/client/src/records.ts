import {
  base64urlDecode,
  base64urlEncode,
  keyThumbprint,
  manifestHash,
  NO_PREVIOUS_MANIFEST,
  openEnvelope,
  openOptionsFromManifest,
  parseManifest,
  type SealedEnvelope,
  sealEnvelope,
  signManifest,
  type VerifiedManifest,
  verifyManifest,
  verifyManifestAsync,
} from '@holdall/crypto'
import {
  fileMatchesContentType,
  type HealthDocumentMetadata,
  healthDocumentMetadataSchema,
  MAX_FILE_RECORD_BYTES,
  RECORD_TYPES,
  type RecordPayload,
  type RecordType,
  type RecordVersionView,
  recordBody,
  recordPayloadSchema,
  recordTypeOfCode,
} from '@holdall/protocol'
import { HoldallError } from './errors.js'

/** Seals a record payload as JSON, with its manifest signed by `authorSecret`. */
export function sealRecord(options: {
  /** Signed into the manifest: readers take the type from here, not from the host's label. */
  readonly recordType: RecordType
  readonly dek: Uint8Array
  readonly vaultId: string
  readonly recordId: string
  readonly version: number
  readonly keyEpoch: number
  readonly payload: RecordPayload
  readonly title: string
  readonly authorSecretKey: Uint8Array
  readonly authorPublicKey: Uint8Array
  readonly previousManifest?: string
}): { sealed: SealedEnvelope; manifest: string } {
  const context = {
    vaultId: base64urlDecode(options.vaultId),
    recordId: base64urlDecode(options.recordId),
    version: options.version,
    keyEpoch: options.keyEpoch,
  }
  const sealed = sealEnvelope({
    dek: options.dek,
    context,
    metadata: new TextEncoder().encode(JSON.stringify({ contentType: 'application/json', title: options.title })),
    plaintext: new TextEncoder().encode(JSON.stringify(options.payload)),
  })
  const previous =
    options.previousManifest === undefined
      ? NO_PREVIOUS_MANIFEST
      : manifestHash({ bytes: base64urlDecode(options.previousManifest) })
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode: RECORD_TYPES[options.recordType].code,
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: previous,
      authorKeyId: keyThumbprint(options.authorPublicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    options.authorSecretKey,
  )
  return { sealed, manifest: base64urlEncode(manifest.bytes) }
}

/**
 * Verifies a record version's manifest under its author's key and returns the record type the
 * author signed, checking that the manifest names this very record version and that the host's
 * clear label agrees with it ([CRY-MAN-07]). Called before any key is unwrapped or wrapped.
 */
export function verifySignedType(
  view: RecordVersionView,
  authorPublicKey: Uint8Array,
  vaultId?: string,
): { manifest: VerifiedManifest; recordType: RecordType } {
  let manifest: VerifiedManifest
  try {
    manifest = verifyManifest(base64urlDecode(view.manifest), authorPublicKey)
  } catch (cause) {
    throw new HoldallError('RECORD_UNVERIFIED', 'the record manifest does not verify under its author key', { cause })
  }
  return { manifest, recordType: signedTypeOf(view, manifest, vaultId) }
}

/**
 * {@link verifySignedType} with the same answers, on WebCrypto Ed25519 where the platform has it:
 * a browser approving a grant over many records checks every manifest natively.
 */
export async function verifySignedTypeAsync(
  view: RecordVersionView,
  authorPublicKey: Uint8Array,
  vaultId?: string,
): Promise<{ manifest: VerifiedManifest; recordType: RecordType }> {
  let manifest: VerifiedManifest
  try {
    manifest = await verifyManifestAsync(base64urlDecode(view.manifest), authorPublicKey)
  } catch (cause) {
    throw new HoldallError('RECORD_UNVERIFIED', 'the record manifest does not verify under its author key', { cause })
  }
  return { manifest, recordType: signedTypeOf(view, manifest, vaultId) }
}

function signedTypeOf(view: RecordVersionView, manifest: VerifiedManifest, vaultId: string | undefined): RecordType {
  const names =
    base64urlEncode(manifest.recordId) === view.record_id &&
    manifest.version === view.version &&
    (vaultId === undefined || base64urlEncode(manifest.vaultId) === vaultId)
  if (!names) throw new HoldallError('RECORD_UNVERIFIED', 'the manifest is for another record version')
  const recordType = recordTypeOfCode(manifest.recordTypeCode)
  if (recordType === undefined || recordType !== view.record_type) {
    throw new HoldallError('RECORD_TYPE_MISMATCH', 'the record is not the type the host labels it')
  }
  return recordType
}

/** The RFC 7638 key id of a manifest's author, read without verifying (to find the key to verify with). */
export function manifestAuthorKeyId(view: Pick<RecordVersionView, 'manifest'>): string {
  return base64urlEncode(parseManifest(base64urlDecode(view.manifest)).authorKeyId)
}

export interface OpenedRecord<T extends RecordPayload = RecordPayload> {
  readonly payload: T
  readonly title: string | undefined
  /** RFC 7638 thumbprint of the key that signed the manifest: who wrote this version. */
  readonly authorKeyId: string
  readonly signedAt: Date
}

/**
 * Opens a record version: verifies the manifest under the author's key first, then opens exactly
 * the envelope the author signed (context, commitment and SHA-256 from the manifest), then
 * checks the payload against the record schemas.
 */
export function openRecord(
  view: RecordVersionView,
  ciphertext: Uint8Array,
  dek: Uint8Array,
  authorPublicKey: Uint8Array,
): OpenedRecord {
  const { manifest } = verifySignedType(view, authorPublicKey)
  const opened = openEnvelope(ciphertext, openOptionsFromManifest(manifest, dek))
  const metadata = JSON.parse(new TextDecoder().decode(opened.metadata)) as { title?: string }
  const payload = recordPayloadSchema.parse(JSON.parse(new TextDecoder().decode(opened.plaintext)))
  if (payload.recordType !== view.record_type)
    throw new HoldallError('RECORD_TYPE_MISMATCH', 'the record payload does not match its signed type')
  return {
    payload,
    title: metadata.title,
    authorKeyId: base64urlEncode(manifest.authorKeyId),
    signedAt: new Date(manifest.createdAt),
  }
}

/**
 * Seals a document kept as a file (a record type whose `body` is `file`, spec 4.2.1): the file
 * is the envelope's plaintext, and its description (`healthDocumentMetadataSchema`) is the
 * envelope's metadata block. Refuses a description that does not parse or a file whose first
 * bytes are not its content type, before anything is signed ([REC-TYPE-04]).
 */
export function sealFileRecord(options: {
  readonly recordType: RecordType
  readonly dek: Uint8Array
  readonly vaultId: string
  readonly recordId: string
  readonly version: number
  readonly keyEpoch: number
  readonly metadata: HealthDocumentMetadata
  readonly file: Uint8Array
  readonly authorSecretKey: Uint8Array
  readonly authorPublicKey: Uint8Array
}): { sealed: SealedEnvelope; manifest: string } {
  checkFile(options.recordType, options.metadata, options.file)
  const context = {
    vaultId: base64urlDecode(options.vaultId),
    recordId: base64urlDecode(options.recordId),
    version: options.version,
    keyEpoch: options.keyEpoch,
  }
  const sealed = sealEnvelope({
    dek: options.dek,
    context,
    metadata: new TextEncoder().encode(JSON.stringify(options.metadata)),
    plaintext: options.file,
  })
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode: RECORD_TYPES[options.recordType].code,
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(options.authorPublicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    options.authorSecretKey,
  )
  return { sealed, manifest: base64urlEncode(manifest.bytes) }
}

export interface OpenedFileRecord {
  readonly metadata: HealthDocumentMetadata
  readonly file: Uint8Array
  readonly authorKeyId: string
  readonly signedAt: Date
}

/**
 * Opens a file record version ([REC-TYPE-04]): the manifest is verified first, then the metadata
 * block must parse under the type's metadata schema with `recordType` equal to the signed type,
 * and the file's first bytes must be those of its content type. Anything else is refused
 * (`RECORD_UNVERIFIED`) and no byte of the file is returned.
 */
export function openFileRecord(
  view: RecordVersionView,
  ciphertext: Uint8Array,
  dek: Uint8Array,
  authorPublicKey: Uint8Array,
): OpenedFileRecord {
  const { manifest, recordType } = verifySignedType(view, authorPublicKey)
  if (recordBody(recordType) !== 'file')
    throw new HoldallError('RECORD_TYPE_MISMATCH', 'this record type is not kept as a file')
  const opened = openEnvelope(ciphertext, openOptionsFromManifest(manifest, dek))
  let metadata: HealthDocumentMetadata
  try {
    metadata = healthDocumentMetadataSchema.parse(JSON.parse(new TextDecoder().decode(opened.metadata)))
  } catch (cause) {
    throw new HoldallError('RECORD_UNVERIFIED', 'the file description does not parse', { cause })
  }
  checkFile(recordType, metadata, opened.plaintext)
  return {
    metadata,
    file: opened.plaintext,
    authorKeyId: base64urlEncode(manifest.authorKeyId),
    signedAt: new Date(manifest.createdAt),
  }
}

/** The writer's and reader's checks of a file record ([REC-TYPE-04], [REC-TYPE-05]). */
export function checkFile(recordType: RecordType, metadata: HealthDocumentMetadata, file: Uint8Array): void {
  // [REC-TYPE-05] Checked before anything is sealed, signed or sent.
  if (file.length > MAX_FILE_RECORD_BYTES)
    throw new HoldallError('FILE_TOO_LARGE', `a file record is at most ${MAX_FILE_RECORD_BYTES} bytes`)
  if (recordBody(recordType) !== 'file' || metadata.recordType !== recordType)
    throw new HoldallError('RECORD_TYPE_MISMATCH', 'the file description names another record type')
  if (!fileMatchesContentType(metadata.contentType, file.subarray(0, 8)))
    throw new HoldallError('RECORD_UNVERIFIED', `the file is not the ${metadata.contentType} its description says`)
}

/**
 * The record a payload says it replaces (spec 4.4, [SUP-VER-01]): read from the signed payload,
 * so a host can neither invent nor hide the link. Undefined for a payload that replaces nothing.
 */
export function signedSupersedes(payload: RecordPayload): string | undefined {
  return 'supersedes' in payload && typeof payload.supersedes === 'string' ? payload.supersedes : undefined
}

/**
 * Which of a set of opened records are replaced, by the signed links among them ([SUP-VER-01]):
 * record id → the id of the record that replaced it. A reader shows a replaced record as "old
 * version" and the newer one as "updated", whatever the host's `superseded_by` hint says.
 */
export function supersededAmong(records: readonly { recordId: string; payload: RecordPayload }[]): Map<string, string> {
  const ids = new Set(records.map((r) => r.recordId))
  const replaced = new Map<string, string>()
  for (const record of records) {
    const old = signedSupersedes(record.payload)
    if (old !== undefined && ids.has(old) && old !== record.recordId) replaced.set(old, record.recordId)
  }
  return replaced
}
