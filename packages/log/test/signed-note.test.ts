import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64Decode, base64Encode } from '../src/base64.js'
import {
  formatVerifierKey,
  noteKeyId,
  noteVerifierKey,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../src/signed-note.js'
import { codeOf, utf8 } from './helpers.js'

/*
 * Published values, used as data: the keys and notes of Go's reference implementation of signed
 * notes (golang.org/x/mod/sumdb/note, note_test.go, BSD licence), which C2SP signed-note
 * describes. Ed25519 is deterministic, so signing the same text must give the same bytes.
 */
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n'

// The key material is the rest after four plus signs (its base64 may hold more).
const peterSeed = (base64Decode(PETER_SKEY.split('+').slice(4).join('+')) as Uint8Array).subarray(1)
const peter = parseVerifierKey(PETER_VKEY)
const enoch = parseVerifierKey(ENOCH_VKEY)

describe('[LOG-NOTE-02] key IDs and verifier keys match the reference implementation', () => {
  it('computes the published key IDs and round-trips the verifier keys', () => {
    expect(peter.name).toBe('PeterNeumann')
    expect(peter.keyId).toBe(0xc74f20a3)
    expect(noteKeyId('PeterNeumann', peter.publicKey)).toBe(0xc74f20a3)
    expect(enoch.keyId).toBe(0xaf0cfe78)
    expect(formatVerifierKey(peter)).toBe(PETER_VKEY)
    expect(ed25519.getPublicKey(peterSeed)).toEqual(peter.publicKey)
  })

  it('refuses every mangling of a verifier key', () => {
    const bad: string[] = []
    for (let i = 0; i <= PETER_VKEY.length; i++)
      for (let j = i + 1; j <= PETER_VKEY.length; j++)
        if (i !== 0 || j !== PETER_VKEY.length) bad.push(PETER_VKEY.slice(i, j))
    for (let i = 0; i < PETER_VKEY.length; i++)
      bad.push(PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1))
    bad.push('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')
    bad.push('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')
    for (const key of bad)
      expect(
        codeOf(() => parseVerifierKey(key)),
        key,
      ).toBe('LOG_KEY_INVALID')
  })

  it('refuses key names with spaces or plus, and weak public keys', () => {
    const publicKey = peter.publicKey
    for (const name of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u3000b', 'tab\tname'])
      expect(
        codeOf(() => noteVerifierKey(name, publicKey)),
        JSON.stringify(name),
      ).toBe('LOG_KEY_INVALID')
    const identity = new Uint8Array(32)
    identity[0] = 1
    expect(codeOf(() => noteVerifierKey('host.example/log', identity))).toBe('LOG_KEY_INVALID')
  })
})

describe('[LOG-NOTE-01] signed-note syntax', () => {
  it('signs exactly as the reference implementation', () => {
    expect(signNote(TEXT, [{ name: 'PeterNeumann', secretKey: peterSeed }])).toBe(`${TEXT}\n${PETER_SIG}`)
  })

  it('refuses the malformed notes of the reference tests, and more', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.replace('\u2014', '--')}`,
      `${TEXT}\n${PETER_SIG.replace('AM=', 'AM')}`,
      `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`,
      `${TEXT}\n\u2014 PeterNeumann x08g\n`,
      `${TEXT}\n${PETER_SIG.repeat(33)}`,
      `${TEXT.replace('problem', 'pro\ud800blem')}\n${PETER_SIG}`,
      `${TEXT}\r\n${PETER_SIG}`,
      `${'x'.repeat(16_384)}\n\n${PETER_SIG}`,
    ]
    for (const note of bad)
      expect(
        codeOf(() => openNote(note, [peter])),
        JSON.stringify(note.slice(-40)),
      ).toBe('LOG_NOTE_MALFORMED')
    expect(codeOf(() => signNote('no newline', [{ name: 'a', secretKey: peterSeed }]))).toBe('LOG_NOTE_MALFORMED')
    expect(codeOf(() => signNote(TEXT, [{ name: 'a b', secretKey: peterSeed }]))).toBe('LOG_KEY_INVALID')
  })

  it('separates text and signatures at the last blank line', () => {
    const text = 'first\n\nthird\n'
    const note = signNote(text, [{ name: 'PeterNeumann', secretKey: peterSeed }])
    expect(parseNote(note).text).toBe(text)
    expect(openNote(note, [peter]).text).toBe(text)
  })
})

describe('[LOG-NOTE-03] which signatures count', () => {
  it('verifies with the known key and ignores the unknown one (Go TestOpen)', () => {
    const opened = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter])
    expect(opened.text).toBe(TEXT)
    expect(opened.verifiedBy).toEqual([peter])
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]).verifiedBy).toEqual([peter, enoch])
  })

  it('refuses a note no known key signed', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []))).toBe('LOG_NOTE_UNVERIFIED')
    expect(codeOf(() => openNote(`${TEXT}\n${ENOCH_SIG}`, [peter]))).toBe('LOG_NOTE_UNVERIFIED')
  })

  it('ignores a signature that shares only the name, or only the key ID, with a known key', () => {
    const other = ed25519.utils.randomSecretKey()
    const sameName = signNote(TEXT, [{ name: 'PeterNeumann', secretKey: other }])
    expect(codeOf(() => openNote(sameName, [peter]))).toBe('LOG_NOTE_UNVERIFIED')
    expect(openNote(`${sameName}${PETER_SIG}`, [peter]).verifiedBy).toEqual([peter])
    // Peter's signature bytes under another name: same key ID, unknown name.
    const renamed = PETER_SIG.replace('PeterNeumann', 'PeterNeumann2')
    expect(codeOf(() => openNote(`${TEXT}\n${renamed}`, [peter]))).toBe('LOG_NOTE_UNVERIFIED')
    expect(openNote(`${TEXT}\n${renamed}${PETER_SIG}`, [peter]).verifiedBy).toEqual([peter])
  })

  it('refuses the whole note when a known key signature fails, even beside a valid one', () => {
    const broken = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`
    expect(codeOf(() => openNote(`${TEXT}\n${broken}`, [peter]))).toBe('LOG_NOTE_UNVERIFIED')
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}${broken}`, [peter]))).toBe('LOG_NOTE_UNVERIFIED')
    expect(codeOf(() => openNote(`${TEXT.replace('cryptography', 'cryptographY')}\n${PETER_SIG}`, [peter]))).toBe(
      'LOG_NOTE_UNVERIFIED',
    )
  })

  it('refuses two known keys with one name and ID (ambiguous)', () => {
    expect(codeOf(() => openNote(`${TEXT}\n${PETER_SIG}`, [peter, enoch, { ...peter }]))).toBe('LOG_KEY_INVALID')
  })
})

describe('[LOG-NOTE-04] [CRY-SIG-01] note signatures are strict Ed25519', () => {
  const L = ed25519.Point.Fn.ORDER
  const le = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
  const toLe = (x: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn))
  const { scalar } = ed25519.utils.getExtendedPublicKey(peterSeed)
  const message = utf8(TEXT)
  const line = (signature: Uint8Array) => {
    const bytes = new Uint8Array(68)
    new DataView(bytes.buffer).setUint32(0, peter.keyId)
    bytes.set(signature, 4)
    return `${TEXT}\n\u2014 PeterNeumann ${base64Encode(bytes)}\n`
  }
  /** A signature with a chosen R encoding, valid under the cofactored equation. */
  function signWithR(encodedR: Uint8Array, r: bigint): Uint8Array {
    const k = le(sha512(new Uint8Array([...encodedR, ...peter.publicKey, ...message]))) % L
    return new Uint8Array([...encodedR, ...toLe((r + k * scalar) % L)])
  }

  it('refuses S not reduced modulo L (S + L)', () => {
    const good = (base64Decode(PETER_SIG.slice(15, -1)) as Uint8Array).subarray(4)
    const s = le(good.subarray(32)) + L
    const malleated = new Uint8Array([...good.subarray(0, 32), ...toLe(s)])
    expect(codeOf(() => openNote(line(good), [peter]))).toBe('none')
    expect(codeOf(() => openNote(line(malleated), [peter]))).toBe('LOG_NOTE_UNVERIFIED')
  })

  it('refuses a non-canonical R, the Wycheproof tc 151 shape that lenient verifiers accept', () => {
    // R is the identity (y = 1) spelled with the sign bit of x set; r = 0 makes S = k·a.
    const nonCanonicalIdentity = new Uint8Array(32)
    nonCanonicalIdentity[0] = 1
    nonCanonicalIdentity[31] = 0x80
    const signature = signWithR(nonCanonicalIdentity, 0n)
    expect(ed25519.verify(signature, message, peter.publicKey, { zip215: true })).toBe(true)
    expect(codeOf(() => openNote(line(signature), [peter]))).toBe('LOG_NOTE_UNVERIFIED')
  })

  it('refuses an R with a small-order component, which cofactored verifiers accept', () => {
    const T8 = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
    const r = 123456789n
    const signature = signWithR(ed25519.Point.BASE.multiply(r).add(T8).toBytes(), r)
    expect(ed25519.verify(signature, message, peter.publicKey, { zip215: true })).toBe(true)
    expect(codeOf(() => openNote(line(signature), [peter]))).toBe('LOG_NOTE_UNVERIFIED')
  })
})
