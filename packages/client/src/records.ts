import {
  base64urlDecode,
  base64urlEncode,
  keyThumbprint,
  manifestHash,
  NO_PREVIOUS_MANIFEST,
  openEnvelope,
  openOptionsFromManifest,
  type SealedEnvelope,
  sealEnvelope,
  signManifest,
  verifyManifest,
} from '@holdall/crypto'
import { type RecordPayload, type RecordVersionView, recordPayloadSchema } from '@holdall/protocol'

/** Seals a record payload as JSON, with its manifest signed by `authorSecret`. */
export function sealRecord(options: {
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
  const manifest = verifyManifest(base64urlDecode(view.manifest), authorPublicKey)
  const opened = openEnvelope(ciphertext, openOptionsFromManifest(manifest, dek))
  const metadata = JSON.parse(new TextDecoder().decode(opened.metadata)) as { title?: string }
  const payload = recordPayloadSchema.parse(JSON.parse(new TextDecoder().decode(opened.plaintext)))
  if (payload.recordType !== view.record_type) throw new Error('the record payload does not match its declared type')
  return {
    payload,
    title: metadata.title,
    authorKeyId: base64urlEncode(manifest.authorKeyId),
    signedAt: new Date(manifest.createdAt),
  }
}
