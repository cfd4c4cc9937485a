import { z } from 'zod'

/*
 * What a holder's phone shows at a desk (spec 5.8): the pairing code, and the vault's device chain
 * root fingerprint that the service or issuer pins (spec 3.8.1). The QR code carries both; a
 * person typing the code also types, or compares, the safety code (the first 80 bits of the root).
 *
 *   QR text = "HOLDALL-PAIR:" ‖ code (8) ‖ ":" ‖ base64url(root fingerprint) (43)
 */

export const PAIRING_QR_PREFIX = 'HOLDALL-PAIR:'
export const pairingCodeTextSchema = z.string().regex(/^[0-9A-HJ-NP-Z]{8}$/)
export const rootFingerprintSchema = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/)

export interface PairingQr {
  readonly code: string
  /** base64url of the 32-byte root fingerprint. */
  readonly rootFingerprint: string
}

export function formatPairingQr(value: PairingQr): string {
  return `${PAIRING_QR_PREFIX}${pairingCodeTextSchema.parse(value.code)}:${rootFingerprintSchema.parse(value.rootFingerprint)}`
}

/** The code and root of a scanned QR text, or undefined if it is not one. */
export function parsePairingQr(text: string): PairingQr | undefined {
  const trimmed = text.trim()
  if (!trimmed.toUpperCase().startsWith(PAIRING_QR_PREFIX)) return undefined
  const [code, root, ...rest] = trimmed.slice(PAIRING_QR_PREFIX.length).split(':')
  if (rest.length > 0) return undefined
  const parsedCode = pairingCodeTextSchema.safeParse(code)
  const parsedRoot = rootFingerprintSchema.safeParse(root)
  if (!parsedCode.success || !parsedRoot.success) return undefined
  return { code: parsedCode.data, rootFingerprint: parsedRoot.data }
}
