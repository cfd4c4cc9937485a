/**
 * error-classes.json: at least one negative vector for each error class of spec 3.10 that the
 * envelope and manifest vectors do not already exercise, each naming the operation that must
 * fail and its inputs.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { base64urlEncode } from '../../packages/crypto/src/base64url.js'
import { concat, u32be, utf8 } from '../../packages/crypto/src/bytes.js'
import { LABELS } from '../../packages/crypto/src/constants.js'
import { recordBinding } from '../../packages/crypto/src/envelope-header.js'
import { deriveInboxKeyPair, deriveKeyEncryptionKey } from '../../packages/crypto/src/key-hierarchy.js'
import { keyThumbprint, sign, signingPublicKey } from '../../packages/crypto/src/keys.js'
import { manifestHash, NO_PREVIOUS_MANIFEST, signManifest } from '../../packages/crypto/src/manifest.js'
import { signDeviceWrapStatement, signInboxKeyStatement } from '../../packages/crypto/src/statements.js'
import { hpkeWrap, wrapToEpochWithNonce } from '../../packages/crypto/src/wraps.js'
import {
  base,
  challenge,
  encode,
  IDENTITY,
  IDENTITY_NEGATIVE_ZERO,
  IDENTITY_NON_CANONICAL,
  L,
  littleEndian,
  ORDER_8,
  secretScalar,
  signature,
} from './ed25519-math.js'
import { fixed, hex, type VectorWriter } from './support.js'

/** An X25519 point of order 8 (RFC 7748 section 6.1 lists the small-order points; Wycheproof too). */
const X25519_ORDER_8 = Uint8Array.from(
  Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
)
const P_BYTES = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff))

type Case = { name: string; operation: string; input: Record<string, unknown>; error: string }

export async function writeErrorClassVectors(write: VectorWriter): Promise<void> {
  const vrk = fixed('vault root key')
  const vaultId = fixed('vault id', 16)
  const recordId = fixed('record id', 16)
  const context = { vaultId, recordId, version: 1 }
  const deviceSeed = fixed('device signing seed')
  const devicePublic = signingPublicKey(deviceSeed)
  const otherSeed = fixed('errors: another device signing seed')
  const agreementSecret = fixed('grantee agreement key')
  const agreementPublic = x25519.getPublicKey(agreementSecret)
  const dek = fixed('wrapped dek')
  const cases: Case[] = []

  // ENCODING_INVALID: see base64url.json for the full set; one here so every class is in this file.
  cases.push({
    name: 'a 32-byte key written with padding',
    operation: 'base64url-decode',
    input: { text: `${base64urlEncode(agreementPublic)}=` },
    error: 'ENCODING_INVALID',
  })

  // KEY_INVALID: X25519 recipients ([CRY-KEY-02]).
  const highBit = agreementPublic.slice()
  highBit[31] = (highBit[31] as number) | 0x80
  for (const [name, publicKey] of [
    ['X25519 u = 0 (small order)', new Uint8Array(32)],
    ['X25519 u = 1 (small order)', IDENTITY],
    ['X25519 point of order 8', X25519_ORDER_8],
    ['X25519 u = p (non-canonical spelling of 0)', P_BYTES],
    ['X25519 key with bit 255 set (non-canonical spelling of a valid key)', highBit],
    ['X25519 key of 31 bytes', agreementPublic.slice(0, 31)],
  ] as const) {
    cases.push({ name, operation: 'x25519-recipient-key', input: { publicKey: hex(publicKey) }, error: 'KEY_INVALID' })
  }
  // KEY_INVALID: Ed25519 verification keys ([CRY-KEY-03]).
  for (const [name, publicKey] of [
    ['Ed25519 identity', IDENTITY],
    ['Ed25519 point of order 8', encode(ORDER_8)],
    ['Ed25519 mixed-order point (A + T8)', encode(base(secretScalar(deviceSeed)).add(ORDER_8))],
    ['Ed25519 identity with y = 1 + p (non-canonical)', IDENTITY_NON_CANONICAL],
    ['Ed25519 identity with the sign bit set (x = 0)', IDENTITY_NEGATIVE_ZERO],
    ['Ed25519 y = 2, which is not on the curve', Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0))],
    ['Ed25519 key of 33 bytes', concat(devicePublic, Uint8Array.of(0))],
  ] as const) {
    cases.push({
      name,
      operation: 'ed25519-verification-key',
      input: { publicKey: hex(publicKey) },
      error: 'KEY_INVALID',
    })
  }
  // KEY_INVALID: public JWKs in protocol structures ([CRY-KEY-01]).
  const x = base64urlEncode(devicePublic)
  for (const [name, jwk, crv] of [
    ['JWK with a private "d"', { kty: 'OKP', crv: 'Ed25519', x, d: base64urlEncode(deviceSeed) }, 'Ed25519'],
    [
      'device key JWK with a "kid" (only kty, crv, x in protocol structures)',
      { kty: 'OKP', crv: 'Ed25519', x, kid: 'a' },
      'Ed25519',
    ],
    [
      'X25519 JWK where an Ed25519 key is required',
      { kty: 'OKP', crv: 'X25519', x: base64urlEncode(agreementPublic) },
      'Ed25519',
    ],
    ['JWK with kty EC', { kty: 'EC', crv: 'Ed25519', x }, 'Ed25519'],
    [
      'JWK whose x is a canonical encoding of 31 bytes',
      { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(devicePublic.slice(0, 31)) },
      'Ed25519',
    ],
  ] as const) {
    cases.push({ name, operation: 'public-jwk', input: { jwk, crv }, error: 'KEY_INVALID' })
  }
  cases.push({
    name: 'JWK whose x is padded base64url (the text is refused before its length is looked at)',
    operation: 'public-jwk',
    input: { jwk: { kty: 'OKP', crv: 'Ed25519', x: `${x}=` }, crv: 'Ed25519' },
    error: 'ENCODING_INVALID',
  })

  // WRAP_MALFORMED and WRAP_OPEN_FAILED: owner wraps.
  const kek0 = deriveKeyEncryptionKey(vrk, vaultId, 0)
  const ownerWrap = wrapToEpochWithNonce(dek, kek0, { ...context, epoch: 0 }, fixed('owner wrap nonce', 24))
  const owner = (name: string, wrap: Uint8Array, epoch: number, error: string) =>
    cases.push({
      name,
      operation: 'open-owner-wrap',
      input: { kek: hex(kek0), vaultId: hex(vaultId), recordId: hex(recordId), version: 1, epoch, wrap: hex(wrap) },
      error,
    })
  owner('owner wrap one byte short (71 bytes)', ownerWrap.slice(0, 71), 0, 'WRAP_MALFORMED')
  owner('owner wrap one byte long (73 bytes)', concat(ownerWrap, Uint8Array.of(0)), 0, 'WRAP_MALFORMED')
  owner('owner wrap opened as epoch 1 (the binding names epoch 0)', ownerWrap, 1, 'WRAP_OPEN_FAILED')
  const flippedOwner = ownerWrap.slice()
  flippedOwner[40] = (flippedOwner[40] as number) ^ 1
  owner('owner wrap with a bit flipped in the ciphertext', flippedOwner, 0, 'WRAP_OPEN_FAILED')

  // WRAP_MALFORMED and WRAP_OPEN_FAILED: HPKE wraps.
  const grantId = fixed('grant id', 16)
  const grantWrap = await hpkeWrap(
    dek,
    agreementPublic,
    LABELS.grantWrap,
    concat(grantId, recordBinding(context)),
    fixed('hpke ikmE 0'),
  )
  const grantInput = {
    purpose: 'grant',
    recipientSecretKey: hex(agreementSecret),
    grantId: hex(grantId),
    vaultId: hex(vaultId),
    recordId: hex(recordId),
    version: 1,
  }
  const hpkeCase = (name: string, input: Record<string, unknown>, wrap: Uint8Array, error: string) =>
    cases.push({ name, operation: 'open-hpke-wrap', input: { ...input, wrap: hex(wrap) }, error })
  hpkeCase('grant wrap of 79 bytes', grantInput, grantWrap.slice(0, 79), 'WRAP_MALFORMED')
  hpkeCase('grant wrap of 81 bytes', grantInput, concat(grantWrap, Uint8Array.of(0)), 'WRAP_MALFORMED')
  hpkeCase('grant wrap opened for another record version', { ...grantInput, version: 2 }, grantWrap, 'WRAP_OPEN_FAILED')
  hpkeCase(
    'grant wrap opened for another grant',
    { ...grantInput, grantId: hex(fixed('another grant id', 16)) },
    grantWrap,
    'WRAP_OPEN_FAILED',
  )
  hpkeCase(
    'grant wrap whose enc is u = 0 (all-zero shared secret)',
    grantInput,
    concat(new Uint8Array(32), grantWrap.slice(32)),
    'WRAP_OPEN_FAILED',
  )
  hpkeCase(
    'grant wrap whose enc has order 8 (all-zero shared secret)',
    grantInput,
    concat(X25519_ORDER_8, grantWrap.slice(32)),
    'WRAP_OPEN_FAILED',
  )
  // An inbox wrap made to inbox key 1 but bound to epoch 0: the binding's e must be the key's epoch ([CRY-WRAP-06]).
  const inbox1 = deriveInboxKeyPair(vrk, vaultId, 1)
  const misbound = await hpkeWrap(
    dek,
    inbox1.publicKey,
    LABELS.inboxWrap,
    concat(recordBinding(context), u32be(0)),
    fixed('errors: misbound inbox ikmE'),
  )
  hpkeCase(
    'inbox wrap to the epoch-1 inbox key whose binding names epoch 0',
    {
      purpose: 'inbox',
      recipientSecretKey: hex(inbox1.secretKey),
      vaultId: hex(vaultId),
      recordId: hex(recordId),
      version: 1,
      epoch: 1,
    },
    misbound,
    'WRAP_OPEN_FAILED',
  )
  // A grant wrap presented as a device wrap: the label keeps purposes apart.
  hpkeCase(
    'grant wrap opened as a device wrap',
    { purpose: 'device', recipientSecretKey: hex(agreementSecret), vaultId: hex(vaultId), epoch: 0 },
    grantWrap,
    'WRAP_OPEN_FAILED',
  )

  // STATEMENT_INVALID.
  const inboxPublic0 = deriveInboxKeyPair(vrk, vaultId, 0).publicKey
  const inboxStatement = { vaultId, epoch: 0, inboxPublicKey: inboxPublic0 }
  const inboxSignature = signInboxKeyStatement(inboxStatement, deviceSeed)
  const inboxInput = { vaultId: hex(vaultId), epoch: 0, inboxPublicKey: hex(inboxPublic0) }
  const statement = (
    name: string,
    operation: string,
    input: Record<string, unknown>,
    signer: Uint8Array,
    sig: Uint8Array,
  ) =>
    cases.push({
      name,
      operation,
      input: { ...input, signerPublicKey: hex(signer), signature: hex(sig) },
      error: 'STATEMENT_INVALID',
    })
  statement(
    'inbox key statement checked under another device key',
    'verify-inbox-key-statement',
    inboxInput,
    signingPublicKey(otherSeed),
    inboxSignature,
  )
  statement(
    'inbox key statement for epoch 0 presented for epoch 1',
    'verify-inbox-key-statement',
    { ...inboxInput, epoch: 1 },
    devicePublic,
    inboxSignature,
  )
  statement(
    'inbox key statement for another inbox key',
    'verify-inbox-key-statement',
    { ...inboxInput, inboxPublicKey: hex(deriveInboxKeyPair(vrk, vaultId, 1).publicKey) },
    devicePublic,
    inboxSignature,
  )
  {
    // R with a small-order component: cofactored verifiers accept it (spec 3.9).
    const message = concat(utf8(LABELS.inboxKeyStatement), Uint8Array.of(0), vaultId, u32be(0), inboxPublic0)
    const a = secretScalar(deviceSeed)
    const r = littleEndian(fixed('errors: statement nonce')) % L
    const R = encode(base(r).add(ORDER_8))
    const k = challenge(R, devicePublic, message)
    statement(
      'inbox key statement whose R has a small-order component',
      'verify-inbox-key-statement',
      inboxInput,
      devicePublic,
      signature(R, (r + k * a) % L),
    )
  }
  const newDeviceSigning = signingPublicKey(fixed('second device signing seed'))
  const newDeviceAgreement = x25519.getPublicKey(fixed('second device agreement key'))
  const deviceWrap = await hpkeWrap(
    vrk,
    newDeviceAgreement,
    LABELS.deviceWrap,
    concat(vaultId, u32be(0)),
    fixed('device wrap ikmE'),
  )
  const deviceStatement = {
    vaultId,
    epoch: 0,
    recipientDeviceKeyId: keyThumbprint(newDeviceSigning, 'Ed25519'),
    wrap: deviceWrap,
  }
  const deviceSignature = signDeviceWrapStatement(deviceStatement, deviceSeed)
  const deviceInput = { vaultId: hex(vaultId), epoch: 0, wrap: hex(deviceWrap) }
  statement(
    "device wrap statement checked with the thumbprint of the recipient's X25519 key instead of its Ed25519 key",
    'verify-device-wrap-statement',
    { ...deviceInput, recipientDeviceKeyId: hex(keyThumbprint(newDeviceAgreement, 'X25519')) },
    devicePublic,
    deviceSignature,
  )
  statement(
    'device wrap statement presented with another wrap',
    'verify-device-wrap-statement',
    {
      ...deviceInput,
      recipientDeviceKeyId: hex(deviceStatement.recipientDeviceKeyId),
      wrap: hex(concat(deviceWrap.slice(0, 79), Uint8Array.of((deviceWrap[79] as number) ^ 1))),
    },
    devicePublic,
    deviceSignature,
  )

  // MANIFEST_CHAIN_BROKEN ([CRY-MAN-04]).
  const authorKeyId = keyThumbprint(devicePublic, 'Ed25519')
  const v1Fields = {
    ...context,
    recordTypeCode: 1, // medication_list
    keyEpoch: 0,
    commitment: fixed('envelope commitment 1'),
    ciphertextSha256: fixed('ciphertext digest 1'),
    ciphertextLength: 402,
    previousManifestSha256: NO_PREVIOUS_MANIFEST,
    authorKeyId,
    createdAt: 1_795_430_400_000,
  }
  const v1 = signManifest(v1Fields, deviceSeed)
  const v1Fork = signManifest(
    { ...v1Fields, commitment: fixed('errors: forked commitment'), createdAt: 1_795_430_460_000 },
    deviceSeed,
  )
  const v2Fields = {
    ...v1Fields,
    version: 2,
    commitment: fixed('envelope commitment 2'),
    ciphertextSha256: fixed('ciphertext digest 2'),
    ciphertextLength: 66_000,
    previousManifestSha256: manifestHash(v1),
    createdAt: 1_795_516_800_000,
  }
  const v2 = signManifest(v2Fields, deviceSeed)
  const v2OffFork = signManifest({ ...v2Fields, previousManifestSha256: manifestHash(v1Fork) }, deviceSeed)
  const v3 = signManifest(
    { ...v2Fields, version: 3, previousManifestSha256: manifestHash(v2), createdAt: 1_795_603_200_000 },
    deviceSeed,
  )
  const chain = (name: string, seen: { bytes: Uint8Array }, next: { bytes: Uint8Array }) =>
    cases.push({
      name,
      operation: 'manifest-successor',
      input: { signerPublicKey: hex(devicePublic), newestSeen: hex(seen.bytes), next: hex(next.bytes) },
      error: 'MANIFEST_CHAIN_BROKEN',
    })
  chain('an older version after version 2', v2, v1)
  chain('a different manifest with the same version', v1, v1Fork)
  chain('version 2 linking to a fork of version 1', v1, v2OffFork)
  chain('version 3 straight after version 1 (the reader must fetch version 2 and check each link)', v1, v3)

  // The order of the manifest checks ([CRY-MAN-10]): format, then the author key, then key id and signature.
  const signedBody = (body: Uint8Array) =>
    concat(body, sign(concat(utf8(LABELS.manifest), Uint8Array.of(0), body), deviceSeed))
  // Byte 5 is the signature algorithm (format 2 gave the old reserved bytes 6-7 to the record type).
  const unknownAlgorithm = v1.bytes.slice(0, 192)
  unknownAlgorithm[5] = 2
  const otherKeyId = v1.bytes.slice(0, 192)
  otherKeyId.set(keyThumbprint(signingPublicKey(otherSeed), 'Ed25519'), 152)
  const verify = (name: string, manifest: Uint8Array, publicKey: Uint8Array, error: string) =>
    cases.push({
      name,
      operation: 'verify-manifest',
      input: { publicKey: hex(publicKey), manifest: hex(manifest) },
      error,
    })
  verify(
    'unknown signature algorithm, and the signature is valid over that body',
    signedBody(unknownAlgorithm),
    devicePublic,
    'MANIFEST_MALFORMED',
  )
  verify(
    'unknown signature algorithm, and the signature is over the original body (format is checked first)',
    concat(unknownAlgorithm, v1.bytes.slice(192)),
    devicePublic,
    'MANIFEST_MALFORMED',
  )
  verify(
    'a valid manifest checked under a mixed-order key (the key is checked before the signature)',
    v1.bytes,
    encode(base(secretScalar(deviceSeed)).add(ORDER_8)),
    'KEY_INVALID',
  )
  verify(
    'author key id of another key, validly signed by this one',
    signedBody(otherKeyId),
    devicePublic,
    'MANIFEST_SIGNATURE_INVALID',
  )

  // ENVELOPE_TOO_LARGE: metadata of 16,384 bytes pads to 16,640, beyond the format's 16,384.
  cases.push({
    name: 'metadata of 16,384 bytes (the most is 16,383)',
    operation: 'seal-envelope',
    input: {
      dek: hex(dek),
      salt: hex(fixed('errors: salt')),
      context: { vaultId: hex(vaultId), recordId: hex(recordId), version: 1, keyEpoch: 0 },
      metadata: { pattern: 'i mod 251', length: 16_384 },
      plaintext: { hex: '' },
    },
    error: 'ENVELOPE_TOO_LARGE',
  })

  write('error-classes.json', {
    description:
      'Negative vectors for the error classes of spec 3.10 (envelope.json and manifest.json hold the envelope and manifest ones). Each case names an operation, its inputs (hex unless a member is a JWK or base64url text) and the error class it must fail with. Operations: "base64url-decode" (3.3); "x25519-recipient-key" ([CRY-KEY-02]); "ed25519-verification-key" ([CRY-KEY-03]); "public-jwk": read a public key from a JWK of a protocol structure, for the curve "crv" ([CRY-KEY-01]); "open-owner-wrap" (3.6.1, epoch = the wrapping epoch); "open-hpke-wrap" (3.6.2, with the binding of its purpose); "verify-inbox-key-statement" and "verify-device-wrap-statement" (3.8; recipientDeviceKeyId is the thumbprint of the recipient device\'s Ed25519 key); "manifest-successor": both manifests verify under signerPublicKey, and "next" must be refused as the newest version after "newestSeen" ([CRY-MAN-04]); "seal-envelope": a writer refuses to seal ("pattern i mod 251" means byte i is i mod 251).',
    cases,
  })
}
