import { openCheckpoint } from './checkpoint.js'
import type { LogTrust } from './log-verifier.js'
import { type NoteVerifierKey, parseNote } from './signed-note.js'

/**
 * A host's new log key, taken up safely (spec 8.8, [LOG-CLIENT-06]): of the keys `offered` (the
 * host's discovery document lists them, so the host alone chooses them), those that signed
 * `note`, a checkpoint that also verifies under a key the client already trusts. A key the host
 * merely lists, or one that signs only checkpoints no trusted key signed, is never taken: a
 * rotation is the old key vouching for the new one, checkpoint by checkpoint, during the overlap.
 * Throws as `openCheckpoint` does if `note` does not verify under `trust`.
 */
export function rotatedKeys(note: string, trust: LogTrust, offered: readonly NoteVerifierKey[]): NoteVerifierKey[] {
  openCheckpoint(note, trust)
  const known = (k: NoteVerifierKey) => trust.keys.some((t) => t.name === k.name && t.keyId === k.keyId)
  const signedBy = new Set(parseNote(note).signatures.map((s) => `${s.name}+${s.keyId}`))
  return offered.filter((key) => {
    if (known(key) || !signedBy.has(`${key.name}+${key.keyId}`)) return false
    try {
      openCheckpoint(note, { origin: trust.origin, keys: [key] })
      return true
    } catch {
      return false
    }
  })
}

/** Key ids of signatures on `note` by keys the client does not trust yet: a hint that the host is rotating. */
export function unknownSigners(note: string, keys: readonly NoteVerifierKey[]): boolean {
  return parseNote(note).signatures.some((s) => !keys.some((k) => k.name === s.name && k.keyId === s.keyId))
}
