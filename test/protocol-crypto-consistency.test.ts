import * as crypto from '@holdall/crypto'
import * as protocol from '@holdall/protocol'
import { describe, expect, it } from 'vitest'

/*
 * @holdall/protocol and @holdall/crypto may not import each other (ARCHITECTURE.md), so the few
 * numbers both need are written twice. This test keeps the two copies equal, and checks that
 * what crypto produces parses with protocol's schemas.
 */
describe('protocol and crypto agree', () => {
  it('on format numbers and lengths', () => {
    const c = crypto.constants
    expect(protocol.ENVELOPE_FORMAT_VERSION).toBe(c.ENVELOPE_FORMAT_VERSION)
    expect(protocol.ENVELOPE_SUITE).toBe(c.ENVELOPE_SUITE)
    expect(protocol.ENVELOPE_CHUNK_SIZE).toBe(c.CHUNK_SIZE)
    expect(protocol.OWNER_WRAP_LENGTH).toBe(c.OWNER_WRAP_LENGTH)
    expect(protocol.HPKE_WRAP_LENGTH).toBe(c.HPKE_WRAP_LENGTH)
    expect(protocol.MANIFEST_LENGTH).toBe(c.MANIFEST_LENGTH)
    expect(protocol.DEVICE_CHAIN_ENTRY_LENGTH).toBe(c.DEVICE_CHAIN_ENTRY_LENGTH)
    expect(protocol.DEVICE_CHAIN_MAX_ENTRIES).toBe(c.DEVICE_CHAIN_MAX_ENTRIES)
    expect(protocol.ID_LENGTH).toBe(c.ID_LENGTH)
  })

  it('on the wire form of what crypto makes', async () => {
    const device = crypto.generateDeviceKeys()
    const keys = {
      signing: crypto.toPublicJwk(device.signing.publicKey, 'Ed25519'),
      agreement: crypto.toPublicJwk(device.agreement.publicKey, 'X25519'),
    }
    expect(protocol.publicKeySetSchema.parse(keys)).toEqual(keys)

    const context = { vaultId: crypto.generateId(), recordId: crypto.generateId(), version: 1, keyEpoch: 0 }
    const sealed = crypto.sealEnvelope({
      dek: crypto.generateDataKey(),
      context,
      metadata: new TextEncoder().encode('{"contentType":"text/plain"}'),
      plaintext: new Uint8Array(10),
    })
    const manifest = crypto.signManifest(
      {
        ...context,
        recordTypeCode: protocol.RECORD_TYPES.medication_list.code,
        commitment: sealed.commitment,
        ciphertextSha256: sealed.ciphertextSha256,
        ciphertextLength: sealed.ciphertextLength,
        previousManifestSha256: crypto.NO_PREVIOUS_MANIFEST,
        authorKeyId: crypto.keyThumbprint(device.signing.publicKey, 'Ed25519'),
        createdAt: Date.now(),
      },
      device.signing.secretKey,
    )
    const b64 = crypto.base64urlEncode
    const descriptor = {
      format: 1,
      suite: 1,
      chunkSize: 65_536,
      vaultId: b64(context.vaultId),
      recordId: b64(context.recordId),
      version: 1,
      keyEpoch: 0,
      ciphertextLength: sealed.ciphertextLength,
      ciphertextSha256: b64(sealed.ciphertextSha256),
      manifest: b64(manifest.bytes),
    }
    expect(protocol.envelopeDescriptorSchema.safeParse(descriptor).success).toBe(true)
    const grant = await crypto.wrapToGrantee(crypto.generateDataKey(), device.agreement.publicKey, {
      grantId: crypto.generateId(),
      ...context,
    })
    const wire = {
      kind: 'grant',
      grantId: b64(crypto.generateId()),
      recordId: b64(context.recordId),
      version: 1,
      recipientKeyId: b64(crypto.keyThumbprint(device.agreement.publicKey, 'X25519')),
      wrap: b64(grant),
    }
    expect(protocol.wrappedKeySchema.safeParse(wire).success).toBe(true)
  })
})
