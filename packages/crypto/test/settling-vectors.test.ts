import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode } from '../src/base64url.js'
import { concat, u32be } from '../src/bytes.js'
import { LABELS } from '../src/constants.js'
import { openEnvelope, sealEnvelopeWithSalt } from '../src/envelope.js'
import { recordBinding } from '../src/envelope-header.js'
import type { CryptoErrorCode } from '../src/errors.js'
import { deriveInboxKeyPair, deriveKeyEncryptionKey } from '../src/key-hierarchy.js'
import {
  assertAgreementPublicKey,
  assertSigningPublicKey,
  fromPublicJwk,
  keyThumbprint,
  type OkpPublicJwk,
  verifySignature,
} from '../src/keys.js'
import { assertManifestSuccessor, openOptionsFromManifest, verifyManifest } from '../src/manifest.js'
import { verifyDeviceWrapStatement, verifyInboxKeyStatement } from '../src/statements.js'
import {
  hpkeWrap,
  unwrapAsDevice,
  unwrapAsGrantee,
  unwrapFromEpoch,
  unwrapFromInbox,
  wrapToEpochWithNonce,
} from '../src/wraps.js'
import { expectSameBytes, fromHex, hex } from './helpers.js'
import { loadVectors } from './vectors.js'

/*
 * The vectors that settle the spec's open points: protocol-spec/vectors/holdall/base64url.json,
 * strict-ed25519.json, error-classes.json and end-to-end.json (scripts/vectors/ writes them).
 */

async function errorOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run()
  } catch (error) {
    return (error as { code?: string }).code ?? 'not a HoldallCryptoError'
  }
  return undefined
}

describe('[CRY-ENC-01][CRY-ENC-02] base64url vectors', () => {
  const v = loadVectors<{
    valid: { bytes: string; text: string }[]
    invalid: { text: string; why: string; error: string }[]
  }>('holdall/base64url.json')

  it('encodes and decodes each valid case to its one spelling', () => {
    for (const c of v.valid) {
      expect(base64urlEncode(fromHex(c.bytes))).toBe(c.text)
      expect(hex(base64urlDecode(c.text))).toBe(c.bytes)
    }
  })

  for (const c of v.invalid) {
    it(`refuses ${JSON.stringify(c.text)}: ${c.why}`, async () => {
      expect(await errorOf(() => base64urlDecode(c.text))).toBe(c.error)
    })
  }
})

describe('[CRY-SIG-01][CRY-KEY-03] strict Ed25519 vectors', () => {
  const v = loadVectors<{
    valid: { name: string; publicKey: string; message: string; signature: string }[]
    invalid: { name: string; publicKey: string; message: string; signature: string; zip215Accepts: boolean }[]
  }>('holdall/strict-ed25519.json')

  it('verifies the honest signature', () => {
    for (const c of v.valid)
      expect(verifySignature(fromHex(c.signature), fromHex(c.message), fromHex(c.publicKey))).toBe(true)
  })

  it('has cases a ZIP-215 verifier accepts, so the file catches lenient verifiers', () => {
    expect(v.invalid.filter((c) => c.zip215Accepts).length).toBeGreaterThanOrEqual(6)
  })

  for (const c of v.invalid) {
    it(`refuses: ${c.name}`, () => {
      const [signature, message, publicKey] = [fromHex(c.signature), fromHex(c.message), fromHex(c.publicKey)]
      expect(verifySignature(signature, message, publicKey)).toBe(false)
      // The file's informative flag is true to the lenient rule it names.
      let lenient = false
      try {
        lenient = ed25519.verify(signature, message, publicKey, { zip215: true })
      } catch {}
      expect(lenient).toBe(c.zip215Accepts)
    })
  }
})

interface ErrorCase {
  name: string
  operation: string
  input: Record<string, unknown>
  error: string
}

const h = (value: unknown) => fromHex(value as string)
const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
  'base64url-decode': (i) => base64urlDecode(i.text as string),
  'x25519-recipient-key': (i) => assertAgreementPublicKey(h(i.publicKey)),
  'ed25519-verification-key': (i) => assertSigningPublicKey(h(i.publicKey)),
  'public-jwk': (i) => fromPublicJwk(i.jwk as OkpPublicJwk, i.crv as OkpPublicJwk['crv']),
  'open-owner-wrap': (i) =>
    unwrapFromEpoch(h(i.wrap), h(i.kek), {
      vaultId: h(i.vaultId),
      recordId: h(i.recordId),
      version: i.version as number,
      epoch: i.epoch as number,
    }),
  'open-hpke-wrap': (i) => {
    const secret = h(i.recipientSecretKey)
    if (i.purpose === 'grant') {
      const context = {
        grantId: h(i.grantId),
        vaultId: h(i.vaultId),
        recordId: h(i.recordId),
        version: i.version as number,
      }
      return unwrapAsGrantee(h(i.wrap), secret, context)
    }
    if (i.purpose === 'inbox') {
      const context = {
        vaultId: h(i.vaultId),
        recordId: h(i.recordId),
        version: i.version as number,
        epoch: i.epoch as number,
      }
      return unwrapFromInbox(h(i.wrap), secret, context)
    }
    return unwrapAsDevice(h(i.wrap), secret, { vaultId: h(i.vaultId), epoch: i.epoch as number })
  },
  'verify-inbox-key-statement': (i) =>
    verifyInboxKeyStatement(
      { vaultId: h(i.vaultId), epoch: i.epoch as number, inboxPublicKey: h(i.inboxPublicKey) },
      h(i.signature),
      h(i.signerPublicKey),
    ),
  'verify-device-wrap-statement': (i) =>
    verifyDeviceWrapStatement(
      {
        vaultId: h(i.vaultId),
        epoch: i.epoch as number,
        recipientDeviceKeyId: h(i.recipientDeviceKeyId),
        wrap: h(i.wrap),
      },
      h(i.signature),
      h(i.signerPublicKey),
    ),
  'verify-manifest': (i) => verifyManifest(h(i.manifest), h(i.publicKey)),
  'manifest-successor': (i) => {
    const key = h(i.signerPublicKey)
    // Both verify on their own: what is refused is the succession.
    assertManifestSuccessor(verifyManifest(h(i.newestSeen), key), verifyManifest(h(i.next), key))
  },
  'seal-envelope': (i) => {
    const c = i.context as { vaultId: string; recordId: string; version: number; keyEpoch: number }
    const meta = i.metadata as { length: number }
    return sealEnvelopeWithSalt(
      {
        dek: h(i.dek),
        context: { ...c, vaultId: fromHex(c.vaultId), recordId: fromHex(c.recordId) },
        metadata: Uint8Array.from({ length: meta.length }, (_, n) => n % 251),
        plaintext: fromHex((i.plaintext as { hex: string }).hex),
      },
      h(i.salt),
    )
  },
}

describe('error class vectors (spec 3.10)', () => {
  const v = loadVectors<{ cases: ErrorCase[] }>('holdall/error-classes.json')

  for (const c of v.cases) {
    it(`${c.operation} refuses with ${c.error}: ${c.name}`, async () => {
      const run = operations[c.operation]
      expect(run, `unknown operation ${c.operation}`).toBeDefined()
      expect(await errorOf(() => (run as (i: Record<string, unknown>) => unknown)(c.input))).toBe(c.error)
    })
  }

  it("[CRY-MAN-10] checks a manifest's format, then the key, then the signature", async () => {
    const order = v.cases.filter((c) => c.operation === 'verify-manifest')
    expect(order.map((c) => c.error)).toEqual([
      'MANIFEST_MALFORMED',
      'MANIFEST_MALFORMED',
      'KEY_INVALID',
      'MANIFEST_SIGNATURE_INVALID',
    ])
    for (const c of order) expect(await errorOf(() => operations['verify-manifest']?.(c.input)), c.name).toBe(c.error)
  })

  it('[CRY-KEY-01] refuses a JWK with a private member, another kty or curve, or extra members in a protocol structure', async () => {
    const jwkCases = v.cases.filter((c) => c.operation === 'public-jwk' && c.error === 'KEY_INVALID')
    expect(jwkCases.length).toBeGreaterThanOrEqual(4)
    for (const c of jwkCases)
      expect(await errorOf(() => operations['public-jwk']?.(c.input)), c.name).toBe('KEY_INVALID')
  })

  it('[CRY-VEC-01] every error class of 3.10 has at least one negative vector', () => {
    const envelope = loadVectors<{ invalid: { error: string }[] }>('holdall/envelope.json')
    const manifest = loadVectors<{ invalid: { error: string }[] }>('holdall/manifest.json')
    const e2e = loadVectors<{ forgeries: { error: string }[] }>('holdall/end-to-end.json')
    const covered = new Set(
      [...v.cases, ...envelope.invalid, ...manifest.invalid, ...e2e.forgeries].map((c) => c.error),
    )
    // The classes of spec 3.10; SIGNATURE_INVALID is the JWS class of chapter 5, not of chapter 3.
    const classes: CryptoErrorCode[] = [
      'ENCODING_INVALID',
      'KEY_INVALID',
      'ENVELOPE_MALFORMED',
      'ENVELOPE_UNSUPPORTED',
      'ENVELOPE_CONTEXT_MISMATCH',
      'ENVELOPE_COMMITMENT_MISMATCH',
      'ENVELOPE_TRUNCATED',
      'ENVELOPE_AUTH_FAILED',
      'ENVELOPE_DIGEST_MISMATCH',
      'ENVELOPE_TOO_LARGE',
      'WRAP_MALFORMED',
      'WRAP_OPEN_FAILED',
      'MANIFEST_MALFORMED',
      'MANIFEST_SIGNATURE_INVALID',
      'MANIFEST_CHAIN_BROKEN',
      'STATEMENT_INVALID',
    ]
    expect(classes.filter((c) => !covered.has(c))).toEqual([])
  })
})

describe('end-to-end vector: deposit, acceptance, sharing', () => {
  const v = loadVectors<{
    vault: { vaultRootKey: string; vaultId: string; epoch: number }
    holderDevice: { seed: string; publicKey: string }
    inbox: { secretKey: string; publicKey: string; statement: string }
    issuer: { seed: string; publicKey: string }
    record: Record<
      'recordId' | 'dek' | 'salt' | 'metadata' | 'plaintext' | 'envelope' | 'manifest' | 'manifestHash',
      string
    > & {
      version: number
    }
    inboxWrap: { ikmE: string; aad: string; wrap: string }
    ownerWrap: { kek: string; nonce: string; wrap: string }
    service: {
      secretKey: string
      publicKey: string
      grantId: string
      grantWrap: { ikmE: string; aad: string; wrap: string }
    }
    forgeries: { name: string; envelope: string; inboxWrap: string; error: string }[]
  }>('holdall/end-to-end.json')
  const vrk = fromHex(v.vault.vaultRootKey)
  const vaultId = fromHex(v.vault.vaultId)
  const recordId = fromHex(v.record.recordId)

  /** What a holder does with a deposit: the manifest first, then everything it says. */
  async function acceptDeposit(envelope: Uint8Array, inboxWrap: Uint8Array) {
    const manifest = verifyManifest(fromHex(v.record.manifest), fromHex(v.issuer.publicKey))
    const inbox = deriveInboxKeyPair(vrk, vaultId, manifest.keyEpoch)
    const dek = await unwrapFromInbox(inboxWrap, inbox.secretKey, {
      vaultId,
      recordId,
      version: manifest.version,
      epoch: manifest.keyEpoch,
    })
    return { dek, opened: openEnvelope(envelope, openOptionsFromManifest(manifest, dek)) }
  }

  it('[CRY-WRAP-06][CRY-STMT-01][CRY-MAN-03] reproduces every byte and opens the record as holder and as service', async () => {
    const inbox = deriveInboxKeyPair(vrk, vaultId, v.vault.epoch)
    expect(hex(inbox.publicKey)).toBe(v.inbox.publicKey)
    verifyInboxKeyStatement(
      { vaultId, epoch: v.vault.epoch, inboxPublicKey: inbox.publicKey },
      fromHex(v.inbox.statement),
      fromHex(v.holderDevice.publicKey),
    )
    const context = { vaultId, recordId, version: v.record.version, keyEpoch: v.vault.epoch }
    const sealed = sealEnvelopeWithSalt(
      {
        dek: fromHex(v.record.dek),
        context,
        metadata: fromHex(v.record.metadata),
        plaintext: fromHex(v.record.plaintext),
      },
      fromHex(v.record.salt),
    )
    expect(hex(sealed.ciphertext)).toBe(v.record.envelope)
    // The inbox binding names the inbox key's epoch, which is also the sealing epoch.
    expect(hex(concat(recordBinding(context), u32be(v.vault.epoch)))).toBe(v.inboxWrap.aad)
    const inboxWrap = await hpkeWrap(
      fromHex(v.record.dek),
      inbox.publicKey,
      LABELS.inboxWrap,
      fromHex(v.inboxWrap.aad),
      fromHex(v.inboxWrap.ikmE),
    )
    expect(hex(inboxWrap)).toBe(v.inboxWrap.wrap)

    const { dek, opened } = await acceptDeposit(fromHex(v.record.envelope), inboxWrap)
    expect(hex(opened.plaintext)).toBe(v.record.plaintext)
    expect(hex(opened.metadata)).toBe(v.record.metadata)
    const kek = deriveKeyEncryptionKey(vrk, vaultId, v.vault.epoch)
    expect(hex(kek)).toBe(v.ownerWrap.kek)
    const owner = { vaultId, recordId, version: v.record.version, epoch: v.vault.epoch }
    expect(hex(wrapToEpochWithNonce(dek, kek, owner, fromHex(v.ownerWrap.nonce)))).toBe(v.ownerWrap.wrap)

    const grantWrap = await hpkeWrap(
      dek,
      fromHex(v.service.publicKey),
      LABELS.grantWrap,
      fromHex(v.service.grantWrap.aad),
      fromHex(v.service.grantWrap.ikmE),
    )
    expect(hex(grantWrap)).toBe(v.service.grantWrap.wrap)
    const serviceDek = await unwrapAsGrantee(grantWrap, fromHex(v.service.secretKey), {
      grantId: fromHex(v.service.grantId),
      vaultId,
      recordId,
      version: v.record.version,
    })
    const manifest = verifyManifest(fromHex(v.record.manifest), fromHex(v.issuer.publicKey))
    expectSameBytes(
      openEnvelope(fromHex(v.record.envelope), openOptionsFromManifest(manifest, serviceDek)).plaintext,
      fromHex(v.record.plaintext),
    )
    expect(hex(keyThumbprint(fromHex(v.issuer.publicKey), 'Ed25519'))).toBe(hex(manifest.authorKeyId))
  })

  for (const f of v.forgeries) {
    it(`[CRY-ENV-09] refuses, releasing nothing: ${f.name}`, async () => {
      expect(await errorOf(() => acceptDeposit(fromHex(f.envelope), fromHex(f.inboxWrap)))).toBe(f.error)
    })
  }
})
