import {
  base64urlEncode,
  generateDataKey,
  generateDeviceKeys,
  generateId,
  generateSigningKeyPair,
} from '@holdall/crypto'
import { PROTOCOL_VERSION_HEADER, type RecordPayload, type RecordVersionView } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import { HostConnection, openRecord, sealRecord } from '../src/index.js'

/*
 * The client-side rules of chapters 4 and 6, checked without a host: what a reader refuses, and
 * what every request carries.
 */
const vaultId = base64urlEncode(generateId())
const recordId = base64urlEncode(generateId())
const author = generateDeviceKeys().signing

function sealed(
  payload: unknown,
  recordType: RecordVersionView['record_type'] = 'appointment',
  signedType: RecordVersionView['record_type'] = recordType,
) {
  const dek = generateDataKey()
  const { sealed, manifest } = sealRecord({
    recordType: signedType,
    dek,
    vaultId,
    recordId,
    version: 1,
    keyEpoch: 0,
    payload: payload as RecordPayload,
    title: 'Test',
    authorSecretKey: author.secretKey,
    authorPublicKey: author.publicKey,
  })
  const view = {
    record_id: recordId,
    record_type: recordType,
    version: 1,
    key_epoch: 0,
    ciphertext_sha256: '',
    ciphertext_length: sealed.ciphertextLength,
    manifest,
    wrap: '',
  } as unknown as RecordVersionView
  return { view, ciphertext: sealed.ciphertext, dek }
}

const appointment = {
  recordType: 'appointment',
  with: 'GP',
  purpose: 'Check',
  time: '2026-11-23T10:00:00Z',
  address: 'Here',
}

describe('readers and requests (chapters 4 and 6)', () => {
  it('[REC-01] opens a payload that fits its schema and its declared type', () => {
    const { view, ciphertext, dek } = sealed(appointment)
    expect(openRecord(view, ciphertext, dek, author.publicKey).payload).toEqual(appointment)
  })

  it('[REC-01] refuses a payload with a member its schema does not define', () => {
    const { view, ciphertext, dek } = sealed({ ...appointment, note: 'smuggled' })
    expect(() => openRecord(view, ciphertext, dek, author.publicKey)).toThrow()
  })

  it('[REC-01] refuses a payload whose recordType is not the record type', () => {
    const { view, ciphertext, dek } = sealed(appointment, 'medication_list')
    expect(() => openRecord(view, ciphertext, dek, author.publicKey)).toThrow(/does not match/)
  })

  it('[CRY-MAN-07] refuses a record whose signed type is not the type the host labels it, before decrypting', () => {
    const { view, ciphertext, dek } = sealed(appointment, 'appointment', 'victim_protective_conditions')
    expect(() => openRecord(view, ciphertext, dek, author.publicKey)).toThrow(
      expect.objectContaining({ name: 'HoldallError', code: 'RECORD_TYPE_MISMATCH' }),
    )
  })

  it('[REC-02] refuses a record whose manifest is not signed by the key it is checked against', () => {
    const { view, ciphertext, dek } = sealed(appointment)
    expect(() => openRecord(view, ciphertext, dek, generateSigningKeyPair().publicKey)).toThrow()
  })

  it('[VER-03] names protocol version 1 on every request', async () => {
    const seen: Headers[] = []
    const fake: typeof fetch = async (_url, init) => {
      seen.push(new Headers(init?.headers))
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
    }
    const connection = new HostConnection('https://host.example', generateSigningKeyPair(), fake)
    await connection.json({ method: 'GET', path: '/vaults/x' })
    await connection.json({ method: 'POST', path: '/oauth/token', form: { a: 'b' } })
    expect(seen.map((h) => h.get(PROTOCOL_VERSION_HEADER))).toEqual(['1', '1'])
  })

  it('[VER-04] ignores response members it does not know, and reads an unknown error code by its status', async () => {
    const answers = [
      new Response(JSON.stringify({ status: 'ok', added_in_a_later_revision: true }), { status: 200 }),
      new Response(JSON.stringify({ code: 'a_code_from_the_future', status: 400, title: 'New' }), { status: 400 }),
    ]
    const fake: typeof fetch = async () => answers.shift() as Response
    const connection = new HostConnection('https://host.example', generateSigningKeyPair(), fake)
    await expect(connection.json<{ status: string }>({ method: 'GET', path: '/healthz' })).resolves.toMatchObject({
      status: 'ok',
    })
    await expect(connection.json({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({
      status: 400,
      code: 'a_code_from_the_future',
    })
  })

  it('[API-ERR-05] reads problem details from an OAuth endpoint as well as OAuth errors', async () => {
    const answers = [
      new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'no' }), { status: 400 }),
      new Response(JSON.stringify({ code: 'unsupported_version', status: 400, title: 'Unsupported' }), { status: 400 }),
    ]
    const fake: typeof fetch = async () => answers.shift() as Response
    const connection = new HostConnection('https://host.example', generateSigningKeyPair(), fake)
    const call = () => connection.json({ method: 'POST', path: '/oauth/token', form: { grant_type: 'x' } })
    await expect(call()).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(call()).rejects.toMatchObject({ code: 'unsupported_version', status: 400 })
  })
})
