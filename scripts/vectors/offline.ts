/**
 * protocol-spec/vectors/holdall/offline-qr.json: offline shares (spec chapter 10) a reader must
 * accept or refuse, with the trust list and the reader's clock to judge them by. Every key, salt and
 * nonce is fixed, so the file is byte-identical on every run.
 */
import { base45Decode, base45Encode } from '../../packages/crypto/src/base45.js'
import { utf8 } from '../../packages/crypto/src/bytes.js'
import { OFFLINE_SHARE_PREFIX } from '../../packages/crypto/src/constants.js'
import { sealEnvelopeWithSalt } from '../../packages/crypto/src/envelope.js'
import { signCompactJws } from '../../packages/crypto/src/jws.js'
import { agreementPublicKey, keyThumbprint, sign, signingPublicKey } from '../../packages/crypto/src/keys.js'
import { NO_PREVIOUS_MANIFEST, signManifest } from '../../packages/crypto/src/manifest.js'
import {
  encodeOfflineShareText,
  type OfflineShareFields,
  signOfflineShare,
} from '../../packages/crypto/src/offline-share.js'
import { fixed, hex, type VectorWriter } from './support.js'

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

export const OFFLINE_VECTOR_TIME = Date.UTC(2026, 10, 20, 15, 0, 0)

function organisation(slug: string, name: string, category: string, registryCode: string) {
  const secretKey = fixed(`offline ${slug} signing`)
  const publicKey = signingPublicKey(secretKey)
  return {
    secretKey,
    entry: {
      client_id: `https://${slug}.example/holdall`,
      name,
      category,
      registry_code: registryCode,
      signing_key: b64u(publicKey),
      signing_key_id: b64u(keyThumbprint(publicKey, 'Ed25519')),
      agreement_key: b64u(agreementPublicKey(fixed(`offline ${slug} agreement`))),
    },
  }
}

const probation = organisation('probation', 'Leeds Probation Delivery Unit', 'probation', 'N53')
const pharmacy = organisation('pharmacy', 'Park Row Pharmacy', 'pharmacy', 'FQ123')
const stranger = organisation('stranger', 'Not On The List Ltd', 'probation', 'X00')

const licence = {
  recordType: 'licence_conditions',
  licenceKind: 'CRD',
  licenceStartDate: '2026-11-20',
  licenceExpiryDate: '2027-05-20',
  supervisingOfficer: { name: 'Sam Patel', phone: '0113 000 0000' },
  initialAppointment: {
    person: 'Duty officer',
    time: '2026-11-20T15:00:00Z',
    address: 'Leeds PDU, 1 Park Row',
    phone: '0113 000 0001',
  },
  standardConditions: [{ code: 'std-1', text: 'Be of good behaviour and do not commit any offence.' }],
  additionalConditions: [],
  bespokeConditions: [],
  policyVersion: '4.0',
}

function record(label: string, authorSecret: Uint8Array, recordTypeCode = 2, payload: unknown = licence) {
  const dataKey = fixed(`offline ${label} data key`)
  const context = {
    vaultId: fixed('offline vault id', 16),
    recordId: fixed(`offline ${label} record`, 16),
    version: 1,
    keyEpoch: 0,
  }
  const sealed = sealEnvelopeWithSalt(
    {
      dek: dataKey,
      context,
      metadata: utf8(JSON.stringify({ contentType: 'application/json', title: 'My licence' })),
      plaintext: utf8(JSON.stringify(payload)),
    },
    fixed(`offline ${label} salt`),
  )
  const authorPublicKey = signingPublicKey(authorSecret)
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode,
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(authorPublicKey, 'Ed25519'),
      createdAt: Date.UTC(2026, 10, 19, 9, 30, 0),
    },
    authorSecret,
  )
  return { manifest: manifest.bytes, envelope: sealed.ciphertext, dataKey }
}

const holderSecret = fixed('offline holder device signing')
const issuedAt = OFFLINE_VECTOR_TIME - 60_000

function share(label: string, parts: ReturnType<typeof record>, edit: Partial<OfflineShareFields> = {}): string {
  const fields: OfflineShareFields = {
    mode: 'inline',
    hostTime: true,
    nonce: fixed(`offline ${label} nonce`, 16),
    issuedAt,
    expiresAt: issuedAt + 5 * 60_000,
    syncedAt: issuedAt - 26 * 3_600_000,
    manifest: parts.manifest,
    dataKey: parts.dataKey,
    envelope: parts.envelope,
    ...edit,
  }
  return encodeOfflineShareText(signOfflineShare(fields, holderSecret))
}

export function writeOfflineVectors(write: VectorWriter): void {
  const operatorSecret = fixed('offline trust list operator')
  const trustList = signCompactJws(
    { typ: 'trust-list+jwt', alg: 'EdDSA' },
    {
      format: 2,
      iss: 'https://trust.example/holdall',
      iat: Math.floor(OFFLINE_VECTOR_TIME / 1000) - 86_400,
      exp: Math.floor(OFFLINE_VECTOR_TIME / 1000) + 30 * 86_400,
      organisations: [probation.entry, pharmacy.entry],
    },
    operatorSecret,
  )
  const good = record('licence', probation.secretKey)
  const valid = share('valid', good)

  // Altered: one byte of the envelope changed after the phone signed (the holder signature fails).
  const alteredBytes = Buffer.from(base45Decode(valid.slice(OFFLINE_SHARE_PREFIX.length)))
  alteredBytes[400] = (alteredBytes[400] as number) ^ 1
  const altered = OFFLINE_SHARE_PREFIX + base45Encode(alteredBytes)

  // A manifest naming probation's key but signed by another: re-signed by the phone, so only the issuer check fails.
  const forged = record('forged', probation.secretKey)
  const forgedManifest = forged.manifest.slice()
  forgedManifest.set(sign(new Uint8Array([0]), stranger.secretKey), 192)
  const otherRecord = record('other', probation.secretKey, 2, { ...licence, licenceExpiryDate: '2028-01-01' })

  write('offline-qr.json', {
    description:
      'Offline shares (protocol-spec/spec/10-offline-supporter.md). A reader verifies each text with the trust list below (verified with the operator key), its own clock at readerTime, and an empty nonce memory unless seenBefore is true; it must give the outcome shown.',
    base45: [
      { bytes: hex(utf8('AB')), text: 'BB8' },
      { bytes: hex(utf8('Hello!!')), text: '%69 VD92EX0' },
      { bytes: hex(utf8('base-45')), text: 'UJCLQE7W581' },
      { bytes: hex(utf8('ietf!')), text: 'QED8WEX0' },
    ],
    base45Invalid: ['GGW', 'A', 'ZZZZ', 'abc'],
    operatorPublicKey: b64u(signingPublicKey(operatorSecret)),
    trustList,
    readerTime: OFFLINE_VECTOR_TIME,
    holderPublicKey: b64u(signingPublicKey(holderSecret)),
    valid: [
      {
        name: 'a licence signed by probation, made a minute ago, valid five minutes',
        text: valid,
        recordType: 'licence_conditions',
        issuer: probation.entry.client_id,
        vaultId: b64u(fixed('offline vault id', 16)),
        nonce: b64u(fixed('offline valid nonce', 16)),
      },
      {
        name: 'made by a phone that never saw its host (own clock, flag 0, never synced)',
        text: share('own clock', good, { hostTime: false, syncedAt: 0 }),
        recordType: 'licence_conditions',
        issuer: probation.entry.client_id,
        vaultId: b64u(fixed('offline vault id', 16)),
        nonce: b64u(fixed('offline own clock nonce', 16)),
      },
    ],
    invalid: [
      { name: 'a second viewing of the valid share', text: valid, seenBefore: true, refusal: 'REPLAYED' },
      {
        name: 'expired: the reader is past expiry plus two minutes of skew',
        text: share('expired', good, { issuedAt: issuedAt - 10 * 60_000, expiresAt: issuedAt - 5 * 60_000 - 1 }),
        refusal: 'EXPIRED',
      },
      {
        name: 'made more than two minutes in the reader’s future',
        text: share('future', good, {
          issuedAt: OFFLINE_VECTOR_TIME + 3 * 60_000,
          expiresAt: OFFLINE_VECTOR_TIME + 8 * 60_000,
          syncedAt: 0,
        }),
        refusal: 'NOT_YET_VALID',
      },
      { name: 'one byte changed after signing', text: altered, refusal: 'ALTERED' },
      {
        name: 'signed by an issuer not on the trust list',
        text: share('stranger', record('stranger', stranger.secretKey)),
        refusal: 'ISSUER_UNKNOWN',
      },
      {
        name: 'manifest names probation but the signature is another key’s',
        text: share('forged', { ...forged, manifest: forgedManifest }),
        refusal: 'WRONG_SIGNATURE',
      },
      {
        name: 'a pharmacy signed a licence',
        text: share('pharmacy', record('pharmacy', pharmacy.secretKey)),
        refusal: 'ISSUER_NOT_ALLOWED',
      },
      {
        name: 'the envelope of another record, under this record’s manifest',
        text: share('swapped', { ...good, envelope: otherRecord.envelope }),
        refusal: 'RECORD_ALTERED',
      },
      {
        name: 'valid for longer than ten minutes',
        text: `${OFFLINE_SHARE_PREFIX}${base45Encode(lifetimeTooLong(good))}`,
        refusal: 'NOT_A_SHARE',
      },
      { name: 'another prefix', text: valid.replace('HLD1:', 'HLD2:'), refusal: 'NOT_A_SHARE' },
      { name: 'cut short by a scanner', text: valid.slice(0, -30), refusal: 'NOT_A_SHARE' },
    ],
  })
}

/** A share whose lifetime is 11 minutes, signed (the signer refuses to make one, so it is built by hand). */
function lifetimeTooLong(parts: ReturnType<typeof record>): Uint8Array {
  const ok = base45Decode(share('long', parts).slice(OFFLINE_SHARE_PREFIX.length))
  const bytes = ok.slice(0, ok.length - 64)
  new DataView(bytes.buffer).setBigUint64(27, BigInt(issuedAt + 11 * 60_000))
  const signature = sign(Buffer.concat([Buffer.from('holdall/v1/offline-share\0'), bytes]), holderSecret)
  return Buffer.concat([bytes, signature])
}
