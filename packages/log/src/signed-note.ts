import { assertSigningPublicKey, verifySignature } from '@holdall/crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64Decode, base64Encode } from './base64.js'
import { HoldallLogError } from './errors.js'

/*
 * C2SP signed notes (c2sp.org/signed-note), Ed25519 only (signature type 0x01):
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> base64(key ID (4 bytes, big-endian) ‖ signature)
 *
 * key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. Verification follows the spec's
 * rules: signatures by unknown keys (name and ID not both matching) are ignored; a signature by a
 * known key must verify, strictly (spec 3.9), or the whole note is refused; at least one must.
 */

export const ED25519_SIGNATURE_TYPE = 0x01
/** Longer notes, or notes with more signatures, are refused before any parsing or verifying. */
export const MAX_NOTE_LENGTH = 16_384
export const MAX_NOTE_SIGNATURES = 32

const SIGNATURE_PREFIX = '\u2014 '
const encoder = new TextEncoder()

export interface NoteSigner {
  readonly name: string
  /** The 32-byte Ed25519 seed (RFC 8032). */
  readonly secretKey: Uint8Array
  /** The public key of `secretKey`, if the caller has it (saves deriving it on every note). */
  readonly publicKey?: Uint8Array
  /**
   * RFC 8032 Ed25519 signing by `secretKey` with a faster implementation (a host: node:crypto).
   * Ed25519 is deterministic, so the note is the same byte for byte.
   */
  readonly sign?: (message: Uint8Array) => Uint8Array
}

/** A key a verifier trusts: its name, its key ID and the Ed25519 public key. */
export interface NoteVerifierKey {
  readonly name: string
  readonly keyId: number
  readonly publicKey: Uint8Array
}

export interface NoteSignature {
  readonly name: string
  readonly keyId: number
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array
}

export interface ParsedNote {
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

export interface OpenedNote {
  readonly text: string
  /** The known keys whose signatures verified. */
  readonly verifiedBy: readonly NoteVerifierKey[]
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] as a big-endian uint32. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const nameBytes = encoder.encode(name)
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length)
  input.set(nameBytes, 0)
  input[nameBytes.length] = 0x0a
  input[nameBytes.length + 1] = ED25519_SIGNATURE_TYPE
  input.set(publicKey, nameBytes.length + 2)
  const digest = sha256(input)
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0)
}

/** A verifier key for an Ed25519 public key, refusing bad names and weak or malformed keys. */
export function noteVerifierKey(name: string, publicKey: Uint8Array): NoteVerifierKey {
  if (!isValidKeyName(name))
    throw new HoldallLogError('LOG_KEY_INVALID', 'a key name is non-empty, with no spaces or +')
  try {
    assertSigningPublicKey(publicKey)
  } catch (cause) {
    throw new HoldallLogError('LOG_KEY_INVALID', 'not an Ed25519 public key of prime order', { cause })
  }
  return { name, keyId: noteKeyId(name, publicKey), publicKey: publicKey.slice() }
}

/** The C2SP text form: `<name>+<key ID, 8 hex digits>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(key: NoteVerifierKey): string {
  const typed = new Uint8Array(1 + key.publicKey.length)
  typed[0] = ED25519_SIGNATURE_TYPE
  typed.set(key.publicKey, 1)
  return `${key.name}+${key.keyId.toString(16).padStart(8, '0')}+${base64Encode(typed)}`
}

/** Reads a verifier key's text form; the key ID must be the one its name and key give. */
export function parseVerifierKey(text: string): NoteVerifierKey {
  // Names hold no '+', so the first two separate the fields; the base64 key may hold more.
  const match = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(text)
  const [, name, id, material] = match ?? []
  if (name === undefined || id === undefined || material === undefined)
    throw new HoldallLogError('LOG_KEY_INVALID', 'a verifier key is name+keyid+key')
  const typed = base64Decode(material)
  if (typed === undefined || typed.length !== 33 || typed[0] !== ED25519_SIGNATURE_TYPE)
    throw new HoldallLogError('LOG_KEY_INVALID', 'only 32-byte Ed25519 verifier keys (type 0x01) are supported')
  const key = noteVerifierKey(name, typed.subarray(1))
  if (key.keyId !== Number.parseInt(id, 16))
    throw new HoldallLogError('LOG_KEY_INVALID', 'the key ID does not match the key name and public key')
  return key
}

/** Signs a note text with one or more keys (RFC 8032 Ed25519, deterministic). */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  assertNoteText(text)
  if (signers.length === 0 || signers.length > MAX_NOTE_SIGNATURES)
    throw new HoldallLogError('LOG_NOTE_MALFORMED', `a note carries 1 to ${MAX_NOTE_SIGNATURES} signatures`)
  const message = encoder.encode(text)
  let note = `${text}\n`
  for (const signer of signers) {
    if (!isValidKeyName(signer.name))
      throw new HoldallLogError('LOG_KEY_INVALID', 'a key name is non-empty, with no spaces or +')
    const publicKey = signer.publicKey ?? ed25519.getPublicKey(signer.secretKey)
    const signed = new Uint8Array(4 + 64)
    new DataView(signed.buffer).setUint32(0, noteKeyId(signer.name, publicKey))
    signed.set(signer.sign?.(message) ?? ed25519.sign(message, signer.secretKey), 4)
    note += `${SIGNATURE_PREFIX}${signer.name} ${base64Encode(signed)}\n`
  }
  if (note.length > MAX_NOTE_LENGTH) throw new HoldallLogError('LOG_NOTE_MALFORMED', 'the note is too long')
  return note
}

/** Splits a note into its text and signature lines, checking the syntax only. */
export function parseNote(note: string): ParsedNote {
  if (typeof note !== 'string' || note.length > MAX_NOTE_LENGTH)
    throw new HoldallLogError('LOG_NOTE_MALFORMED', 'a note is a string of at most 16 KiB')
  if (CONTROL_CHARACTER.test(note) || LONE_SURROGATE.test(note))
    throw new HoldallLogError(
      'LOG_NOTE_MALFORMED',
      'a note is UTF-8 text without control characters other than newline',
    )
  const split = note.lastIndexOf('\n\n')
  if (split < 0) throw new HoldallLogError('LOG_NOTE_MALFORMED', 'a note has a blank line before its signatures')
  const text = note.slice(0, split + 1)
  const block = note.slice(split + 2)
  if (!block.endsWith('\n')) throw new HoldallLogError('LOG_NOTE_MALFORMED', 'every signature line ends in a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_NOTE_SIGNATURES)
    throw new HoldallLogError('LOG_NOTE_MALFORMED', `a note carries at most ${MAX_NOTE_SIGNATURES} signatures`)
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX))
      throw new HoldallLogError('LOG_NOTE_MALFORMED', 'a signature line starts with an em dash and a space')
    const fields = line.slice(SIGNATURE_PREFIX.length).split(' ')
    const [name, encoded] = fields
    if (fields.length !== 2 || name === undefined || encoded === undefined || !isValidKeyName(name))
      throw new HoldallLogError('LOG_NOTE_MALFORMED', 'a signature line is a key name and a base64 signature')
    const bytes = base64Decode(encoded)
    if (bytes === undefined || bytes.length < 5)
      throw new HoldallLogError('LOG_NOTE_MALFORMED', 'a signature is canonical base64 of a key ID and signature bytes')
    return {
      name,
      keyId: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0),
      signature: bytes.slice(4),
    }
  })
  return { text, signatures }
}

/**
 * Verifies a note against the keys the caller trusts (never keys the note or the host names).
 * Returns the text only if at least one known key's signature verifies and none fails.
 */
export function openNote(note: string, known: readonly NoteVerifierKey[]): OpenedNote {
  assertDistinct(known)
  const { text, signatures } = parseNote(note)
  const message = encoder.encode(text)
  const verifiedBy: NoteVerifierKey[] = []
  for (const signature of signatures) {
    const key = known.find((k) => k.name === signature.name && k.keyId === signature.keyId)
    if (key === undefined) continue // unknown key, even if it shares a name or an ID with a known one
    if (!verifySignature(signature.signature, message, key.publicKey))
      throw new HoldallLogError('LOG_NOTE_UNVERIFIED', `the signature by ${key.name} does not verify`)
    if (!verifiedBy.includes(key)) verifiedBy.push(key)
  }
  if (verifiedBy.length === 0) throw new HoldallLogError('LOG_NOTE_UNVERIFIED', 'no signature by a known key')
  return { text, verifiedBy }
}

function assertNoteText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n') || CONTROL_CHARACTER.test(text) || LONE_SURROGATE.test(text))
    throw new HoldallLogError(
      'LOG_NOTE_MALFORMED',
      'a note text is UTF-8, ends in a newline, and has no control characters',
    )
}

function assertDistinct(known: readonly NoteVerifierKey[]): void {
  const seen = new Set<string>()
  for (const key of known) {
    const id = `${key.name}+${key.keyId}`
    if (seen.has(id)) throw new HoldallLogError('LOG_KEY_INVALID', `two known keys share the name and ID ${id}`)
    seen.add(id)
  }
}

/** Non-empty, no Unicode space (or other white space) and no plus. */
function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !CONTROL_CHARACTER.test(name)
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
