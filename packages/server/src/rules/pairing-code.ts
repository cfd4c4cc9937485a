import { randomBytes } from 'node:crypto'

const PAIRING_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ'.replace(/[IO]/g, '')
export const PAIRING_LIFETIME_MS = 10 * 60_000

/**
 * 8 characters from a 34-symbol alphabet: 40.7 bits, single use, 10 minutes, attempts limited.
 * Uniform over the alphabet: bytes from 238 up are dropped (238 = 7 x 34), so no symbol is favoured.
 */
export function randomPairingCode(length = 8): string {
  let code = ''
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 238 && code.length < length) code += PAIRING_ALPHABET[byte % PAIRING_ALPHABET.length]
    }
  }
  return code
}

/** A code as a person may type it (lower case, spaces, hyphens) in its canonical form, if it has that form. */
export function normalisePairingCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '')
  return /^[0-9A-Z]{8}$/.test(code) ? code : undefined
}
