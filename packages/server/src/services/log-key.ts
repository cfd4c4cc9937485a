import { createPrivateKey, randomBytes, sign } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { signingPublicKey } from '@holdall/crypto'
import {
  base64Decode,
  base64Encode,
  type NoteSigner,
  type NoteVerifierKey,
  noteKeyId,
  noteVerifierKey,
} from '@holdall/log'

/**
 * The host's log keys (spec 8.8): Ed25519 keys that sign every vault's checkpoints. The first is
 * the current key; any others are kept during a rotation, when checkpoints carry a signature by
 * each (LOG-HOST-05). They live in a file, one per line in Go's signed-note form
 * `PRIVATE+KEY+<name>+<key id, 8 hex digits>+<base64(0x01 ‖ seed)>`: HOLDALL_LOG_KEY_FILE, or
 * `log-key` in the data folder, written (mode 0600) with a new key on first start. Instances that
 * share a PostgreSQL database must be given the same file.
 */
export interface HostLogKeys {
  readonly signers: readonly NoteSigner[]
  readonly verifierKeys: readonly NoteVerifierKey[]
}

export function logKeysFrom(signers: readonly NoteSigner[]): HostLogKeys {
  if (signers.length === 0) throw new Error('the host needs at least one log key')
  const fast = signers.map(withNodeSigning)
  return {
    signers: fast,
    verifierKeys: fast.map((s) => noteVerifierKey(s.name, s.publicKey as Uint8Array)),
  }
}

/** The same signer, signing with node:crypto (OpenSSL): the same RFC 8032 signatures, faster. */
function withNodeSigning(signer: NoteSigner): NoteSigner {
  const publicKey = signingPublicKey(signer.secretKey)
  const key = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.from(signer.secretKey).toString('base64url'),
      x: Buffer.from(publicKey).toString('base64url'),
    },
    format: 'jwk',
  })
  return {
    name: signer.name,
    secretKey: signer.secretKey,
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, key)),
  }
}

/** The default key name: the host's public name, so a client can tell whose checkpoints it holds. */
export function defaultLogKeyName(publicUrl: string): string {
  return `${new URL(publicUrl).host}/log`
}

export function formatSignerKey(signer: NoteSigner): string {
  const publicKey = signingPublicKey(signer.secretKey)
  const typed = new Uint8Array(33)
  typed[0] = 0x01
  typed.set(signer.secretKey, 1)
  const id = noteKeyId(signer.name, publicKey).toString(16).padStart(8, '0')
  return `PRIVATE+KEY+${signer.name}+${id}+${base64Encode(typed)}`
}

export function parseSignerKey(line: string): NoteSigner {
  const match = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(line)
  const [, name, id, material] = match ?? []
  const typed = material === undefined ? undefined : base64Decode(material)
  if (name === undefined || id === undefined || typed === undefined || typed.length !== 33 || typed[0] !== 0x01)
    throw new Error('a log key line is PRIVATE+KEY+<name>+<key id>+<base64(0x01 ‖ 32-byte seed)>')
  const secretKey = typed.slice(1)
  if (noteKeyId(name, signingPublicKey(secretKey)) !== Number.parseInt(id, 16))
    throw new Error('a log key line has the wrong key id for its name and key')
  return { name, secretKey }
}

/** Reads the key file, or writes one with a new key if there is none (never overwrites one). */
export function loadLogKeys(options: { file?: string | undefined; dataDir: string; publicUrl: string }): HostLogKeys {
  const file = options.file ?? join(options.dataDir, 'log-key')
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    const signer = { name: defaultLogKeyName(options.publicUrl), secretKey: new Uint8Array(randomBytes(32)) }
    writeFileSync(file, `${formatSignerKey(signer)}\n`, { mode: 0o600, flag: 'wx' })
  }
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  return logKeysFrom(lines.map(parseSignerKey))
}
