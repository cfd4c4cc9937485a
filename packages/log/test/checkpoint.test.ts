import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { base64Encode } from '../src/base64.js'
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, vaultLogOrigin } from '../src/checkpoint.js'
import { EMPTY_ROOT } from '../src/hashing.js'
import { noteVerifierKey, signNote } from '../src/signed-note.js'
import { codeOf, fromHex, utf8 } from './helpers.js'

const seed = sha256(utf8('checkpoint test log key'))
const signer = { name: 'holdall.example/log', secretKey: seed }
const key = noteVerifierKey(signer.name, ed25519.getPublicKey(seed))
const origin = vaultLogOrigin('https://holdall.example', 'Zk3n1T0ypbGqX2mQ0w8YbA')
const root8 = fromHex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328')

describe('[LOG-CKPT-01] checkpoint text', () => {
  it('is origin, size and standard base64 root, as C2SP tlog-checkpoint writes it', () => {
    expect(formatCheckpoint({ origin, size: 8, rootHash: root8 })).toBe(
      'holdall.example/vaults/Zk3n1T0ypbGqX2mQ0w8YbA\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n',
    )
    const note = signCheckpoint({ origin, size: 8, rootHash: root8 }, [signer])
    const { checkpoint } = openCheckpoint(note, { origin, keys: [key] })
    expect(checkpoint).toEqual({ origin, size: 8, rootHash: root8 })
  })

  it('refuses every other spelling', () => {
    const root = base64Encode(root8)
    const bad = [
      `${origin}\n8\n${root}`,
      `${origin}\n8\n${root}\nextension line\n`,
      `${origin}\n08\n${root}\n`,
      `${origin}\n+8\n${root}\n`,
      `${origin}\n8.0\n${root}\n`,
      `${origin}\n9007199254740992\n${root}\n`,
      `${origin}\n8\n${root.slice(0, -1)}\n`,
      `${origin}\n8\n${root.replace('=', 'A')}\n`,
      `${origin}\n8\n${base64Encode(root8.subarray(1))}\n`,
      `${origin}\n8\n${root.replaceAll('+', '-').replaceAll('/', '_')}\n`,
      `\n8\n${root}\n`,
      `with space\n8\n${root}\n`,
      `${origin}\n0\n${root}\n`,
    ]
    for (const text of bad)
      expect(
        codeOf(() => parseCheckpoint(text)),
        JSON.stringify(text),
      ).toBe('LOG_CHECKPOINT_MALFORMED')
    expect(parseCheckpoint(`${origin}\n0\n${base64Encode(EMPTY_ROOT)}\n`).size).toBe(0)
    expect(parseCheckpoint(`${origin}\n9007199254740991\n${root}\n`).size).toBe(2 ** 53 - 1)
  })

  it('refuses a signed note whose text is not a checkpoint', () => {
    const note = signNote(`${origin}\n8\n${base64Encode(root8)}\nextra\n`, [signer])
    expect(codeOf(() => openCheckpoint(note, { origin, keys: [key] }))).toBe('LOG_CHECKPOINT_MALFORMED')
  })
})

describe('[LOG-CKPT-02] the origin names the vault', () => {
  it('is the issuer without scheme or trailing slash, /vaults/, and the vault id', () => {
    expect(vaultLogOrigin('https://holdall.example/', 'abc')).toBe('holdall.example/vaults/abc')
    expect(vaultLogOrigin('https://host.example:8443/holdall', 'abc')).toBe('host.example:8443/holdall/vaults/abc')
    expect(vaultLogOrigin('http://127.0.0.1:3000', 'abc')).toBe('127.0.0.1:3000/vaults/abc')
    for (const [issuer, vault] of [
      ['ftp://x', 'abc'],
      ['https://a b', 'abc'],
      ['https://x', 'a/b'],
      ['https://x', ''],
    ] as const)
      expect(codeOf(() => vaultLogOrigin(issuer, vault))).toBe('LOG_CHECKPOINT_MALFORMED')
  })

  it("refuses another vault's checkpoint, signed by the same key", () => {
    const other = vaultLogOrigin('https://holdall.example', 'another-vault')
    const note = signCheckpoint({ origin: other, size: 8, rootHash: root8 }, [signer])
    expect(codeOf(() => openCheckpoint(note, { origin, keys: [key] }))).toBe('LOG_ORIGIN_MISMATCH')
  })

  it('[LOG-NOTE-03] refuses a checkpoint signed by a key the client was not configured with', () => {
    const impostor = { name: signer.name, secretKey: sha256(utf8('someone else')) }
    const note = signCheckpoint({ origin, size: 8, rootHash: root8 }, [impostor])
    expect(codeOf(() => openCheckpoint(note, { origin, keys: [key] }))).toBe('LOG_NOTE_UNVERIFIED')
    // During a key rotation the host signs with both: a client that knows either accepts.
    const both = signCheckpoint({ origin, size: 8, rootHash: root8 }, [impostor, signer])
    expect(openCheckpoint(both, { origin, keys: [key] }).checkpoint.size).toBe(8)
  })
})
