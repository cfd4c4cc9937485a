/**
 * Writes Holdall's own test vectors to protocol-spec/vectors/holdall/. Every "random" input is
 * derived from a fixed label, so running this again gives byte-identical files; the tests in
 * packages/crypto/test/holdall-vectors.test.ts check the files both ways.
 *
 *   npx tsx scripts/generate-vectors.ts           (re)write the files
 *   npx tsx scripts/generate-vectors.ts --check   exit 1 if a file differs from what would be written
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, u32be, utf8 } from '../packages/crypto/src/bytes.js'
import { sealChunk } from '../packages/crypto/src/chunk.js'
import { CHUNK_SIZE, HEADER_LENGTH, LABELS, SEALED_CHUNK_SIZE } from '../packages/crypto/src/constants.js'
import {
  createDeviceChainGenesis,
  deviceChainSafetyCode,
  signDeviceChainEntry,
  verifyDeviceChain,
} from '../packages/crypto/src/device-chain.js'
import { sealEnvelopeWithSalt } from '../packages/crypto/src/envelope.js'
import { recordBinding } from '../packages/crypto/src/envelope-header.js'
import { deriveEnvelopeKeys } from '../packages/crypto/src/envelope-keys.js'
import {
  deriveInboxKeyPair,
  deriveKeyEncryptionKey,
  deriveVaultKeyCheck,
} from '../packages/crypto/src/key-hierarchy.js'
import { keyThumbprint, sign, signingPublicKey } from '../packages/crypto/src/keys.js'
import { manifestHash, NO_PREVIOUS_MANIFEST, signManifest } from '../packages/crypto/src/manifest.js'
import { signDeviceWrapStatement, signInboxKeyStatement } from '../packages/crypto/src/statements.js'
import { hpkeWrap, wrapToEpochWithNonce } from '../packages/crypto/src/wraps.js'
import { writeOfflineVectors } from './vectors/offline.js'
import { writeRecoveryVectors } from './vectors/recovery.js'
import { writeSettlingVectors } from './vectors/settling.js'
import { fixed, hex, pattern } from './vectors/support.js'

const out = join(import.meta.dirname, '..', 'protocol-spec', 'vectors', 'holdall')
const checkOnly = process.argv.includes('--check')
const stale: string[] = []
function write(name: string, value: unknown): void {
  const path = join(out, name)
  const text = `${JSON.stringify(value, null, 2)}\n`
  if (!checkOnly) writeFileSync(path, text)
  else if (readFileSync(path, 'utf8') !== text) stale.push(name)
}

const context = { vaultId: fixed('vault id', 16), recordId: fixed('record id', 16), version: 1, keyEpoch: 0 }
const toContext = (c: { vaultId: string; recordId: string; version: number; keyEpoch: number }) => ({
  ...c,
  vaultId: Uint8Array.from(Buffer.from(c.vaultId, 'hex')),
  recordId: Uint8Array.from(Buffer.from(c.recordId, 'hex')),
})
const contextJson = (c: typeof context) => ({
  vaultId: hex(c.vaultId),
  recordId: hex(c.recordId),
  version: c.version,
  keyEpoch: c.keyEpoch,
})

// ---- envelope -------------------------------------------------------------------------------
const metadata = utf8('{"contentType":"application/fhir+json","title":"Medicines on release"}')
const valid = [
  { name: 'empty plaintext', plaintext: new Uint8Array(0), literal: true },
  { name: 'one byte', plaintext: Uint8Array.of(0x2a), literal: true },
  { name: 'short text', plaintext: utf8('Sertraline 50 mg tablets, one daily'), literal: true },
  { name: 'exactly one chunk (final chunk empty)', plaintext: pattern(CHUNK_SIZE), literal: false },
  { name: 'two chunks and a short final chunk', plaintext: pattern(2 * CHUNK_SIZE + 1000), literal: false },
].map((entry, i) => {
  const dek = fixed(`envelope dek ${i}`)
  const salt = fixed(`envelope salt ${i}`)
  const c = { ...context, version: i + 1, keyEpoch: i % 2 }
  const meta = i === 0 ? new Uint8Array(0) : metadata
  const sealed = sealEnvelopeWithSalt({ dek, context: c, metadata: meta, plaintext: entry.plaintext }, salt)
  const keys = deriveEnvelopeKeys(dek, sealed.header.bytes, salt)
  const ct = sealed.ciphertext
  return {
    name: entry.name,
    dek: hex(dek),
    salt: hex(salt),
    context: contextJson(c),
    metadata: hex(meta),
    plaintext: entry.literal ? { hex: hex(entry.plaintext) } : { pattern: 'i mod 251', length: entry.plaintext.length },
    derived: {
      headerSha256: hex(sha256(sealed.header.bytes)),
      payloadKey: hex(keys.payloadKey),
      noncePrefix: hex(keys.noncePrefix),
      commitment: hex(keys.commitment),
      metadataKey: hex(keys.metadataKey),
      metadataNonce: hex(keys.metadataNonce),
    },
    header: hex(sealed.header.bytes),
    ciphertextLength: ct.length,
    ciphertextSha256: hex(sealed.ciphertextSha256),
    ...(entry.literal ? { ciphertext: hex(ct) } : {}),
  }
})

// Tampered envelopes, all built from the "short text" case (index 2).
const base = valid[2] as (typeof valid)[number]
const baseCt = Uint8Array.from(Buffer.from(base.ciphertext as string, 'hex'))
const preamble = HEADER_LENGTH + 32 + 256 + 16
const patched = (mutate: (b: Uint8Array) => void) => {
  const copy = baseCt.slice()
  mutate(copy)
  return copy
}
const xorAt = (offset: number, mask: number) =>
  patched((b) => {
    b[offset] = (b[offset] as number) ^ mask
  })
const setAt = (offset: number, value: number) =>
  patched((b) => {
    b[offset] = value
  })
const baseDek = Uint8Array.from(Buffer.from(base.dek, 'hex'))
const baseHeader = Uint8Array.from(Buffer.from(base.header, 'hex'))
const baseKeys = deriveEnvelopeKeys(baseDek, baseHeader, baseHeader.subarray(50, 82))
const invalid = [
  {
    name: 'bit flipped in salt',
    ciphertext: xorAt(60, 1),
    error: 'ENVELOPE_COMMITMENT_MISMATCH',
  },
  {
    name: 'bit flipped in commitment',
    ciphertext: xorAt(HEADER_LENGTH, 0x80),
    error: 'ENVELOPE_COMMITMENT_MISMATCH',
  },
  {
    name: 'bit flipped in sealed metadata',
    ciphertext: xorAt(HEADER_LENGTH + 40, 1),
    error: 'ENVELOPE_AUTH_FAILED',
  },
  {
    name: 'bit flipped in final chunk tag',
    ciphertext: xorAt(baseCt.length - 1, 1),
    error: 'ENVELOPE_AUTH_FAILED',
  },
  {
    name: 'record id changed in header',
    ciphertext: xorAt(24, 1),
    error: 'ENVELOPE_CONTEXT_MISMATCH',
  },
  { name: 'unknown format version', ciphertext: setAt(4, 2), error: 'ENVELOPE_UNSUPPORTED' },
  { name: 'suite 0', ciphertext: setAt(5, 0), error: 'ENVELOPE_UNSUPPORTED' },
  { name: 'chunk size 2^12', ciphertext: setAt(6, 12), error: 'ENVELOPE_UNSUPPORTED' },
  { name: 'reserved byte set', ciphertext: setAt(7, 1), error: 'ENVELOPE_MALFORMED' },
  {
    name: 'metadata length 65535',
    ciphertext: patched((b) => new DataView(b.buffer).setUint16(48, 0xffff)),
    error: 'ENVELOPE_MALFORMED',
  },
  { name: 'truncated inside header', ciphertext: baseCt.slice(0, 40), error: 'ENVELOPE_TRUNCATED' },
  { name: 'truncated to zero bytes', ciphertext: new Uint8Array(0), error: 'ENVELOPE_TRUNCATED' },
  { name: 'final chunk removed', ciphertext: baseCt.slice(0, preamble), error: 'ENVELOPE_TRUNCATED' },
  { name: 'one byte appended', ciphertext: concat(baseCt, Uint8Array.of(0)), error: 'ENVELOPE_AUTH_FAILED' },
  { name: 'last byte removed', ciphertext: baseCt.slice(0, -1), error: 'ENVELOPE_AUTH_FAILED' },
  {
    name: 'final chunk of exactly 65536 bytes flagged last',
    ciphertext: concat(
      baseCt.slice(0, preamble),
      sealChunk(baseKeys.payloadKey, baseKeys.noncePrefix, 0, true, pattern(CHUNK_SIZE)),
    ),
    error: 'ENVELOPE_TRUNCATED',
  },
  {
    name: 'final chunk sealed with last flag 0',
    ciphertext: concat(
      baseCt.slice(0, preamble),
      sealChunk(baseKeys.payloadKey, baseKeys.noncePrefix, 0, false, utf8('Sertraline 50 mg tablets, one daily')),
    ),
    error: 'ENVELOPE_AUTH_FAILED',
  },
].map((entry) => ({
  name: entry.name,
  dek: base.dek,
  expect: base.context,
  ciphertext: hex(entry.ciphertext),
  error: entry.error,
}))
invalid.push({
  name: 'wrong data key',
  dek: hex(fixed('some other dek')),
  expect: base.context,
  ciphertext: base.ciphertext as string,
  error: 'ENVELOPE_COMMITMENT_MISMATCH',
})
invalid.push({
  name: 'opened as a different version',
  dek: base.dek,
  expect: { ...base.context, version: base.context.version + 1 },
  ciphertext: base.ciphertext as string,
  error: 'ENVELOPE_CONTEXT_MISMATCH',
})
for (const [name, value] of [['header version 0', 0]] as const) {
  const copy = baseCt.slice()
  new DataView(copy.buffer).setUint32(40, value)
  invalid.push({ name, dek: base.dek, expect: base.context, ciphertext: hex(copy), error: 'ENVELOPE_MALFORMED' })
}
for (const length of [0, 255, 16_640]) {
  const copy = baseCt.slice()
  new DataView(copy.buffer).setUint16(48, length)
  invalid.push({
    name: `metadata length ${length}`,
    dek: base.dek,
    expect: base.context,
    ciphertext: hex(copy),
    error: 'ENVELOPE_MALFORMED',
  })
}
// A writer that padded its metadata wrongly: the tag is valid, the padding is not (step 8).
const badPadding = concat(
  baseCt.slice(0, HEADER_LENGTH + 32),
  xchacha20poly1305(baseKeys.metadataKey, baseKeys.metadataNonce).encrypt(new Uint8Array(256)),
  baseCt.slice(preamble),
)
invalid.push({
  name: 'metadata padding without 0x80, under a valid tag',
  dek: base.dek,
  expect: base.context,
  ciphertext: hex(badPadding),
  error: 'ENVELOPE_MALFORMED',
})
const withExpectations = [
  {
    name: 'envelope SHA-256 differs from the manifest',
    dek: base.dek,
    expect: base.context,
    expectedCiphertextSha256: hex(fixed('some other digest')),
    ciphertext: base.ciphertext as string,
    error: 'ENVELOPE_DIGEST_MISMATCH',
  },
  {
    // What a host could make: its own DEK, the right context, and (not shown) its own grant wrap.
    name: 'envelope under another DEK, refused by the manifest commitment',
    dek: hex(fixed('host-chosen dek')),
    expect: base.context,
    expectedCommitment: base.derived.commitment,
    ciphertext: hex(
      sealEnvelopeWithSalt(
        {
          dek: fixed('host-chosen dek'),
          context: toContext(base.context),
          metadata: new Uint8Array(0),
          plaintext: utf8('forged'),
        },
        fixed('host salt'),
      ).ciphertext,
    ),
    error: 'ENVELOPE_COMMITMENT_MISMATCH',
  },
]
write('envelope.json', {
  description:
    'Holdall envelope, suite 1 (see protocol-spec/spec/03-cryptography.md). Hex throughout. "pattern i mod 251" means byte i of the plaintext is i mod 251. For valid cases, sealing with the given dek, salt, context and metadata reproduces the ciphertext (or its SHA-256) exactly; opening gives back the plaintext and metadata. Invalid cases must be refused with the given error class, and must release no plaintext.',
  chunkSize: CHUNK_SIZE,
  sealedChunkSize: SEALED_CHUNK_SIZE,
  valid,
  invalid: [...invalid, ...withExpectations],
})

// ---- key hierarchy --------------------------------------------------------------------------
const vrk = fixed('vault root key')
const deviceSeed = fixed('device signing seed')
const devicePublic = signingPublicKey(deviceSeed)
write('keys.json', {
  description: 'Holdall key hierarchy (HKDF-SHA256, empty salt) and key identifiers. Hex throughout.',
  vaultRootKey: hex(vrk),
  vaultId: hex(context.vaultId),
  keyEncryptionKeys: [0, 1, 4_294_967_295].map((epoch) => ({
    epoch,
    kek: hex(deriveKeyEncryptionKey(vrk, context.vaultId, epoch)),
  })),
  vaultKeyCheck: hex(deriveVaultKeyCheck(vrk, context.vaultId)),
  inboxKeys: [0, 1].map((epoch) => {
    const pair = deriveInboxKeyPair(vrk, context.vaultId, epoch)
    return { epoch, secretKey: hex(pair.secretKey), publicKey: hex(pair.publicKey) }
  }),
  thumbprints: [
    { crv: 'Ed25519', publicKey: hex(devicePublic), thumbprint: hex(keyThumbprint(devicePublic, 'Ed25519')) },
    {
      crv: 'X25519',
      publicKey: hex(x25519.getPublicKey(fixed('device agreement key'))),
      thumbprint: hex(keyThumbprint(x25519.getPublicKey(fixed('device agreement key')), 'X25519')),
    },
  ],
})

// ---- wraps ----------------------------------------------------------------------------------
const dek = fixed('wrapped dek')
const kek = deriveKeyEncryptionKey(vrk, context.vaultId, 0)
const ownerNonce = fixed('owner wrap nonce', 24)
const recipientSecret = fixed('grantee agreement key')
const recipientPublic = x25519.getPublicKey(recipientSecret)
const grantId = fixed('grant id', 16)
const hpkeCases = [
  { purpose: 'grant', label: LABELS.grantWrap, aad: concat(grantId, recordBinding(context)), grantId: hex(grantId) },
  { purpose: 'inbox', label: LABELS.inboxWrap, aad: concat(recordBinding(context), u32be(0)), epoch: 0 },
  {
    purpose: 'device',
    label: LABELS.deviceWrap,
    aad: concat(context.vaultId, u32be(0)),
    epoch: 0,
    secret: 'vaultRootKey',
  },
]
const hpke = []
for (const [i, entry] of hpkeCases.entries()) {
  const ikmE = fixed(`hpke ikmE ${i}`)
  const secret = entry.secret === 'vaultRootKey' ? vrk : dek
  const wrapped = await hpkeWrap(secret, recipientPublic, entry.label, entry.aad, ikmE)
  hpke.push({
    purpose: entry.purpose,
    info: hex(utf8(entry.label)),
    aad: hex(entry.aad),
    ...(entry.grantId === undefined ? {} : { grantId: entry.grantId }),
    ...(entry.epoch === undefined ? {} : { epoch: entry.epoch }),
    plaintext: hex(secret),
    ikmE: hex(ikmE),
    recipientSecretKey: hex(recipientSecret),
    recipientPublicKey: hex(recipientPublic),
    wrap: hex(wrapped),
  })
}
write('wraps.json', {
  description:
    'Holdall key wraps. Owner wraps: XChaCha20-Poly1305 under the epoch KEK. HPKE wraps: RFC 9180 Base mode, suite (0x0020, 0x0001, 0x0003); ikmE is the DeriveKeyPair input of the ephemeral key, so SetupBaseS with it reproduces the wrap. Hex throughout.',
  context: contextJson(context),
  owner: {
    kek: hex(kek),
    dek: hex(dek),
    nonce: hex(ownerNonce),
    aad: hex(concat(utf8(LABELS.ownerWrap), recordBinding(context), u32be(0))),
    epoch: 0,
    wrap: hex(wrapToEpochWithNonce(dek, kek, { ...context, epoch: 0 }, ownerNonce)),
  },
  hpke,
})

// ---- manifests ------------------------------------------------------------------------------
const v1Fields = {
  ...context,
  recordTypeCode: 1, // medication_list
  commitment: fixed('envelope commitment 1'),
  ciphertextSha256: fixed('ciphertext digest 1'),
  ciphertextLength: 402,
  previousManifestSha256: NO_PREVIOUS_MANIFEST,
  authorKeyId: keyThumbprint(devicePublic, 'Ed25519'),
  createdAt: 1_795_430_400_000,
}
const v1 = signManifest(v1Fields, deviceSeed)
const v2 = signManifest(
  {
    ...v1Fields,
    version: 2,
    commitment: fixed('envelope commitment 2'),
    ciphertextSha256: fixed('ciphertext digest 2'),
    ciphertextLength: 66_000,
    previousManifestSha256: manifestHash(v1),
    createdAt: 1_795_516_800_000,
  },
  deviceSeed,
)
const L = 2n ** 252n + 27742317777372353535851937790883648493n
function withNonCanonicalS(manifest: Uint8Array): Uint8Array {
  const copy = manifest.slice()
  let s = 0n
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(copy[224 + i] as number)
  s += L
  for (let i = 0; i < 32; i++, s >>= 8n) copy[224 + i] = Number(s & 0xffn)
  return copy
}
const flipped = v1.bytes.slice()
flipped[60] = (flipped[60] as number) ^ 1
/** A body changed by `edit`, then signed again by the same key: only the edit is wrong. */
function resigned(manifest: Uint8Array, edit: (body: Uint8Array) => void): Uint8Array {
  const body = manifest.slice(0, 192)
  edit(body)
  return concat(body, sign(concat(utf8(LABELS.manifest), Uint8Array.of(0), body), deviceSeed))
}
/** What a host relabelling a record would need: another type code under the author's old signature. */
const relabelled = v1.bytes.slice()
relabelled[7] = 3 // victim_protective_conditions <-> medication_list
write('manifest.json', {
  description:
    'Holdall signed manifests (Ed25519, pure, strict). The signature is over "holdall/v1/manifest" 0x00 body. manifestHash and previousManifestHash are manifest_hash (spec 3.7.1): SHA-256 of the 192-byte body only, never of the whole 256-byte manifest. More negative cases (check order, chain) are in error-classes.json. Hex throughout.',
  signer: { seed: hex(deviceSeed), publicKey: hex(devicePublic), keyId: hex(keyThumbprint(devicePublic, 'Ed25519')) },
  valid: [v1, v2].map((m) => ({
    fields: {
      ...contextJson(m),
      recordTypeCode: m.recordTypeCode,
      commitment: hex(m.commitment),
      ciphertextSha256: hex(m.ciphertextSha256),
      ciphertextLength: m.ciphertextLength,
      previousManifestHash: hex(m.previousManifestSha256),
      authorKeyId: hex(m.authorKeyId),
      createdAt: m.createdAt,
    },
    manifest: hex(m.bytes),
    manifestHash: hex(manifestHash(m)),
  })),
  invalid: [
    {
      name: 'signature S not reduced (S + L)',
      manifest: hex(withNonCanonicalS(v1.bytes)),
      error: 'MANIFEST_SIGNATURE_INVALID',
    },
    { name: 'bit flipped in body', manifest: hex(flipped), error: 'MANIFEST_SIGNATURE_INVALID' },
    { name: 'one byte short', manifest: hex(v1.bytes.slice(0, -1)), error: 'MANIFEST_MALFORMED' },
    {
      name: 'record type code changed, old signature kept',
      manifest: hex(relabelled),
      error: 'MANIFEST_SIGNATURE_INVALID',
    },
    {
      name: 'format 1 (no signed record type), correctly signed',
      manifest: hex(
        resigned(v1.bytes, (b) => {
          b[4] = 1
          b[6] = 0
          b[7] = 0
        }),
      ),
      error: 'MANIFEST_MALFORMED',
    },
    {
      name: 'record type code 0, correctly signed',
      manifest: hex(
        resigned(v1.bytes, (b) => {
          b[6] = 0
          b[7] = 0
        }),
      ),
      error: 'MANIFEST_MALFORMED',
    },
    {
      name: 'version 2 without a previous link',
      manifest: hex(concat(v2.bytes.slice(0, 120), new Uint8Array(32), v2.bytes.slice(152))),
      error: 'MANIFEST_MALFORMED',
    },
  ],
})
// ---- signed key statements --------------------------------------------------------------------
const inboxPublic = deriveInboxKeyPair(vrk, context.vaultId, 0).publicKey
const newDeviceAgreementSecret = fixed('second device agreement key')
const newDevicePublic = x25519.getPublicKey(newDeviceAgreementSecret)
const newDeviceSigningPublic = signingPublicKey(fixed('second device signing seed'))
// The recipient device key id is the device id (spec 2.2, 3.8): the thumbprint of its Ed25519 key.
const newDeviceKeyId = keyThumbprint(newDeviceSigningPublic, 'Ed25519')
const deviceWrap = await hpkeWrap(
  vrk,
  newDevicePublic,
  LABELS.deviceWrap,
  concat(context.vaultId, u32be(0)),
  fixed('device wrap ikmE'),
)
write('statements.json', {
  description:
    'Holdall signed key statements (spec 3.8): Ed25519 by a holder device over "holdall/v1/statement/<kind>" 0x00 fields. recipientDeviceKeyId is the RFC 7638 thumbprint of the recipient device\'s Ed25519 signing key (its device id), not of the X25519 key the VRK is wrapped to; the recipient\'s keys are given so the id and the wrap can be checked. Negative cases are in error-classes.json. Hex throughout.',
  signer: { seed: hex(deviceSeed), publicKey: hex(devicePublic) },
  inboxKey: {
    vaultId: hex(context.vaultId),
    epoch: 0,
    inboxPublicKey: hex(inboxPublic),
    signature: hex(
      signInboxKeyStatement({ vaultId: context.vaultId, epoch: 0, inboxPublicKey: inboxPublic }, deviceSeed),
    ),
  },
  deviceWrap: {
    vaultId: hex(context.vaultId),
    epoch: 0,
    recipientDeviceKeyId: hex(newDeviceKeyId),
    recipientSigningPublicKey: hex(newDeviceSigningPublic),
    recipientAgreementSecretKey: hex(newDeviceAgreementSecret),
    recipientAgreementPublicKey: hex(newDevicePublic),
    wrap: hex(deviceWrap),
    signature: hex(
      signDeviceWrapStatement(
        { vaultId: context.vaultId, epoch: 0, recipientDeviceKeyId: newDeviceKeyId, wrap: deviceWrap },
        deviceSeed,
      ),
    ),
  },
})

// ---- the device chain (spec 3.8.1) -------------------------------------------------------------
{
  const seedOf = (name: string) => fixed(`device chain ${name} signing seed`)
  const agreementOf = (name: string) => x25519.getPublicKey(fixed(`device chain ${name} agreement key`))
  const device = (name: string) => ({
    name,
    seed: seedOf(name),
    signing: signingPublicKey(seedOf(name)),
    agreement: agreementOf(name),
  })
  const [a, b, c, d, x] = ['A', 'B', 'C', 'D', 'X'].map(device) as [
    ReturnType<typeof device>,
    ReturnType<typeof device>,
    ReturnType<typeof device>,
    ReturnType<typeof device>,
    ReturnType<typeof device>,
  ]
  const vaultId = context.vaultId
  const entries: Uint8Array[] = [
    createDeviceChainGenesis(vaultId, { signingSecretKey: a.seed, agreementPublicKey: a.agreement }),
  ]
  const append = (
    list: Uint8Array[],
    signer: Uint8Array,
    operation: 'add' | 'remove',
    subject: ReturnType<typeof device>,
  ): Uint8Array => {
    const chain = verifyDeviceChain(list, { vaultId })
    return signDeviceChainEntry(
      {
        vaultId,
        seq: chain.head.seq + 1,
        previousHash: chain.head.hash,
        operation,
        subjectSigningKey: subject.signing,
        ...(operation === 'add' ? { subjectAgreementKey: subject.agreement } : {}),
      },
      signer,
    )
  }
  entries.push(append(entries, a.seed, 'add', b))
  entries.push(append(entries, b.seed, 'add', c))
  entries.push(append(entries, c.seed, 'remove', b))
  const chain = verifyDeviceChain(entries, { vaultId })
  const unchecked = (seq: number, previousHash: Uint8Array, signer: Uint8Array, subject: ReturnType<typeof device>) =>
    signDeviceChainEntry(
      {
        vaultId,
        seq,
        previousHash,
        operation: 'add',
        subjectSigningKey: subject.signing,
        subjectAgreementKey: subject.agreement,
      },
      signer,
    )
  const h = (i: number) => chain.entries[i]?.hash as Uint8Array
  const otherVault = fixed('another vault id', 16)
  const flippedSignature = (entries[1] as Uint8Array).slice()
  flippedSignature[200] = (flippedSignature[200] as number) ^ 1
  const nonCanonicalS = (entry: Uint8Array) => {
    const copy = entry.slice()
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(copy[182 + i] as number)
    s += L
    for (let i = 0; i < 32; i++, s >>= 8n) copy[182 + i] = Number(s & 0xffn)
    return copy
  }
  const invalid: { name: string; entries: Uint8Array[]; root?: Uint8Array; knownHead?: number; error: string }[] = [
    {
      name: 'broken link: entry 1 names a previous hash that is not entry 0',
      entries: [entries[0] as Uint8Array, unchecked(1, fixed('not the previous hash'), a.seed, b)],
      error: 'DEVICE_CHAIN_LINK_BROKEN',
    },
    {
      name: 'signature by a non-member: X adds itself after the root',
      entries: [entries[0] as Uint8Array, unchecked(1, h(0), x.seed, x)],
      error: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER',
    },
    {
      name: 'removed device signing: B, removed at seq 3, adds D',
      entries: [...entries, unchecked(4, h(3), b.seed, d)],
      error: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER',
    },
    {
      name: 'reordered entries: seq 2 before seq 1',
      entries: [entries[0], entries[2], entries[1], entries[3]] as Uint8Array[],
      error: 'DEVICE_CHAIN_LINK_BROKEN',
    },
    {
      name: 'replayed old entry: seq 1 appended again at the end',
      entries: [...entries, entries[1] as Uint8Array],
      error: 'DEVICE_CHAIN_LINK_BROKEN',
    },
    {
      name: 'truncated chain against a pinned head at seq 3',
      entries: entries.slice(0, 3),
      knownHead: 3,
      error: 'DEVICE_CHAIN_ROLLBACK',
    },
    {
      name: 'forked chain against a pinned head at seq 3: A adds X at seq 3 instead',
      entries: [...entries.slice(0, 3), unchecked(3, h(2), a.seed, x)],
      knownHead: 3,
      error: 'DEVICE_CHAIN_ROLLBACK',
    },
    {
      name: 'another root: a chain whose first entry X signed, against the pinned root',
      entries: [createDeviceChainGenesis(vaultId, { signingSecretKey: x.seed, agreementPublicKey: x.agreement })],
      root: chain.root,
      error: 'DEVICE_CHAIN_ROOT_MISMATCH',
    },
    {
      name: 'first entry adds A but is signed by X',
      entries: [unchecked(0, new Uint8Array(32), x.seed, a)],
      error: 'DEVICE_CHAIN_SIGNER_NOT_MEMBER',
    },
    {
      name: 're-adding a removed device: C adds B back',
      entries: [...entries, unchecked(4, h(3), c.seed, b)],
      error: 'DEVICE_CHAIN_MEMBERSHIP_INVALID',
    },
    {
      name: 'bit flipped in a signature',
      entries: [entries[0] as Uint8Array, flippedSignature],
      error: 'DEVICE_CHAIN_SIGNATURE_INVALID',
    },
    {
      name: 'signature S not reduced (S + L)',
      entries: [entries[0] as Uint8Array, nonCanonicalS(entries[1] as Uint8Array)],
      error: 'DEVICE_CHAIN_SIGNATURE_INVALID',
    },
    { name: 'one byte short', entries: [(entries[0] as Uint8Array).slice(0, -1)], error: 'DEVICE_CHAIN_MALFORMED' },
    {
      name: 'entry of another vault',
      entries: [createDeviceChainGenesis(otherVault, { signingSecretKey: a.seed, agreementPublicKey: a.agreement })],
      error: 'DEVICE_CHAIN_MALFORMED',
    },
    { name: 'empty chain', entries: [], error: 'DEVICE_CHAIN_MALFORMED' },
  ]
  write('device-chain.json', {
    description:
      'Holdall device chain (spec 3.8.1). Entry = body (150) ‖ Ed25519(signer, "holdall/v1/device-chain/entry" 0x00 body); entry hash = SHA-256("holdall/v1/device-chain/link" 0x00 entry); root = hash of entry 0; safety code = first 80 bits of the root in Crockford base32. Hex throughout.',
    vaultId: hex(vaultId),
    devices: [a, b, c, d, x].map((k) => ({
      name: k.name,
      seed: hex(k.seed),
      signingKey: hex(k.signing),
      agreementKey: hex(k.agreement),
    })),
    valid: {
      steps: ['A adds itself (root)', 'A adds B', 'B adds C', 'C removes B'],
      entries: entries.map(hex),
      hashes: chain.entries.map((e) => hex(e.hash)),
      root: hex(chain.root),
      safetyCode: deviceChainSafetyCode(chain.root),
      head: { seq: chain.head.seq, hash: hex(chain.head.hash) },
      members: chain.members.map((m) => hex(m.signingKey)),
    },
    invalid: invalid.map((v) => ({
      name: v.name,
      entries: v.entries.map(hex),
      ...(v.root === undefined ? {} : { root: hex(v.root) }),
      ...(v.knownHead === undefined ? {} : { knownHead: { seq: v.knownHead, hash: hex(h(v.knownHead)) } }),
      error: v.error,
    })),
  })
}

// ---- the vectors that settle the spec's open points (base64url, strict Ed25519, every error
// class, end to end): their own files, made by scripts/vectors/
await writeSettlingVectors(write)
// Offline shares (spec chapter 10): their own file, made by scripts/vectors/offline.ts
writeOfflineVectors(write)
// devices and recovery (chapter 9)
await writeRecoveryVectors(write)

if (stale.length > 0) {
  console.error(`stale vector files (run npx tsx scripts/generate-vectors.ts): ${stale.join(', ')}`)
  process.exitCode = 1
} else {
  console.log(checkOnly ? 'vector files are up to date' : `wrote vectors to ${out}`)
}
