/**
 * end-to-end.json: one record's whole life in bytes (spec 3.4 to 3.8 together): an issuer
 * deposits a record in epoch 1, the holder accepts it and re-wraps it, and shares it with a
 * service. Every value is reproducible from the fixed inputs, and three forgeries show which
 * check catches what.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { concat, u32be, utf8 } from '../../packages/crypto/src/bytes.js'
import { LABELS } from '../../packages/crypto/src/constants.js'
import { sealEnvelopeWithSalt } from '../../packages/crypto/src/envelope.js'
import { recordBinding } from '../../packages/crypto/src/envelope-header.js'
import { deriveEnvelopeKeys } from '../../packages/crypto/src/envelope-keys.js'
import { deriveInboxKeyPair, deriveKeyEncryptionKey } from '../../packages/crypto/src/key-hierarchy.js'
import { keyThumbprint, signingPublicKey } from '../../packages/crypto/src/keys.js'
import { manifestHash, NO_PREVIOUS_MANIFEST, signManifest } from '../../packages/crypto/src/manifest.js'
import { signInboxKeyStatement } from '../../packages/crypto/src/statements.js'
import { hpkeWrap, wrapToEpochWithNonce } from '../../packages/crypto/src/wraps.js'
import { fixed, hex, type VectorWriter } from './support.js'

export async function writeEndToEndVectors(write: VectorWriter): Promise<void> {
  const vrk = fixed('vault root key')
  const vaultId = fixed('vault id', 16)
  const epoch = 1
  const holderSeed = fixed('device signing seed')
  const issuerSeed = fixed('end to end: issuer signing seed')
  const serviceSecret = fixed('end to end: service agreement key')
  const recordId = fixed('end to end: record id', 16)
  const grantId = fixed('end to end: grant id', 16)
  const dek = fixed('end to end: dek')
  const salt = fixed('end to end: salt')
  const context = { vaultId, recordId, version: 1, keyEpoch: epoch }
  const metadata = utf8('{"contentType":"application/json","title":"Medicines on release"}')
  const plaintext = utf8('{"note":"Sertraline 50 mg tablets, one each morning; 28 supplied on release"}')

  // The holder's device vouches for the epoch-1 inbox key; the issuer checks that first.
  const inbox = deriveInboxKeyPair(vrk, vaultId, epoch)
  const inboxStatement = signInboxKeyStatement({ vaultId, epoch, inboxPublicKey: inbox.publicKey }, holderSeed)
  // The issuer seals in the inbox key's epoch, signs the manifest, and wraps the DEK to the inbox key.
  const sealed = sealEnvelopeWithSalt({ dek, context, metadata, plaintext }, salt)
  const keys = deriveEnvelopeKeys(dek, sealed.header.bytes, salt)
  const issuerPublic = signingPublicKey(issuerSeed)
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode: 1, // medication_list
      commitment: keys.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(issuerPublic, 'Ed25519'),
      createdAt: 1_795_430_400_000,
    },
    issuerSeed,
  )
  const inboxBinding = concat(recordBinding(context), u32be(epoch))
  const inboxWrap = await hpkeWrap(
    dek,
    inbox.publicKey,
    LABELS.inboxWrap,
    inboxBinding,
    fixed('end to end: inbox ikmE'),
  )
  // The holder accepts: re-wraps the DEK under KEK_1, then shares it with a service under a grant.
  const kek = deriveKeyEncryptionKey(vrk, vaultId, epoch)
  const ownerNonce = fixed('end to end: owner wrap nonce', 24)
  const ownerWrap = wrapToEpochWithNonce(dek, kek, { ...context, epoch }, ownerNonce)
  const servicePublic = x25519.getPublicKey(serviceSecret)
  const grantBinding = concat(grantId, recordBinding(context))
  const grantWrap = await hpkeWrap(dek, servicePublic, LABELS.grantWrap, grantBinding, fixed('end to end: grant ikmE'))

  // Forgeries. A host's own DEK, envelope and inbox wrap (anyone can wrap to a public key).
  const hostDek = fixed('end to end: host dek')
  const hostEnvelope = sealEnvelopeWithSalt(
    { dek: hostDek, context, metadata, plaintext: utf8('{"note":"forged"}') },
    fixed('end to end: host salt'),
  )
  const hostWrap = await hpkeWrap(
    hostDek,
    inbox.publicKey,
    LABELS.inboxWrap,
    inboxBinding,
    fixed('end to end: host ikmE'),
  )
  const lastByteChanged = sealed.ciphertext.slice()
  const last = lastByteChanged.length - 1
  lastByteChanged[last] = (lastByteChanged[last] as number) ^ 1
  const wrongEpochWrap = await hpkeWrap(
    dek,
    inbox.publicKey,
    LABELS.inboxWrap,
    concat(recordBinding(context), u32be(0)),
    fixed('end to end: wrong epoch ikmE'),
  )

  write('end-to-end.json', {
    description:
      "One record from deposit to sharing, tying keys, envelope, manifest and wraps together (spec 3.4-3.8). Steps: (1) the issuer verifies inboxStatement under holderDevice.publicKey ([CRY-STMT-01]); (2) it seals the envelope in the inbox key's epoch with dek and salt, signs the manifest with its seed, and makes inboxWrap to the epoch-1 inbox key with binding vault_id ‖ record_id ‖ u32(version) ‖ u32(e), e = 1 ([CRY-WRAP-06]); (3) the holder verifies the manifest under issuer.publicKey, derives inbox_e for e = the manifest's key_epoch, opens inboxWrap, and opens the envelope with the manifest's context, commitment and envelope SHA-256 ([CRY-MAN-03]), getting metadata and plaintext; (4) it re-wraps the DEK under KEK_1 (ownerWrap, nonce fixed); (5) it wraps the DEK to the service (grantWrap); the service opens it and the envelope the same way. Every wrap is reproduced from its ikmE or nonce. Each forgery must fail with its error, which the manifest decides: opened without the manifest's expectations, the changed last byte would be ENVELOPE_AUTH_FAILED instead. Hex throughout.",
    vault: { vaultRootKey: hex(vrk), vaultId: hex(vaultId), epoch },
    holderDevice: { seed: hex(holderSeed), publicKey: hex(signingPublicKey(holderSeed)) },
    inbox: { secretKey: hex(inbox.secretKey), publicKey: hex(inbox.publicKey), statement: hex(inboxStatement) },
    issuer: { seed: hex(issuerSeed), publicKey: hex(issuerPublic) },
    record: {
      recordId: hex(recordId),
      version: 1,
      dek: hex(dek),
      salt: hex(salt),
      metadata: hex(metadata),
      plaintext: hex(plaintext),
      envelope: hex(sealed.ciphertext),
      manifest: hex(manifest.bytes),
      manifestHash: hex(manifestHash(manifest)),
    },
    inboxWrap: { ikmE: hex(fixed('end to end: inbox ikmE')), aad: hex(inboxBinding), wrap: hex(inboxWrap) },
    ownerWrap: { kek: hex(kek), nonce: hex(ownerNonce), wrap: hex(ownerWrap) },
    service: {
      secretKey: hex(serviceSecret),
      publicKey: hex(servicePublic),
      grantId: hex(grantId),
      grantWrap: { ikmE: hex(fixed('end to end: grant ikmE')), aad: hex(grantBinding), wrap: hex(grantWrap) },
    },
    forgeries: [
      {
        name: "the host's own envelope under its own DEK, with an inbox wrap to match",
        envelope: hex(hostEnvelope.ciphertext),
        inboxWrap: hex(hostWrap),
        error: 'ENVELOPE_COMMITMENT_MISMATCH',
      },
      {
        name: 'the last byte of the envelope changed',
        envelope: hex(lastByteChanged),
        inboxWrap: hex(inboxWrap),
        error: 'ENVELOPE_DIGEST_MISMATCH',
      },
      {
        name: 'the inbox wrap bound to epoch 0 although made to the epoch-1 key',
        envelope: hex(sealed.ciphertext),
        inboxWrap: hex(wrongEpochWrap),
        error: 'WRAP_OPEN_FAILED',
      },
    ],
  })
}
