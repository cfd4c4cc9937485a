import { z } from 'zod'

/*
 * What a holder's phone shows at a desk (spec 5.8): the pairing code, and the vault's device chain
 * root fingerprint that the service or issuer pins (spec 3.8.1). The QR code carries both; a
 * person typing the code also types, or compares, the safety code (the first 80 bits of the root).
 *
 * Federation (spec 11.3, [FED-PAIR-01]): the QR code and the typed code may also name the host the
 * vault lives on, by its number in the operator's signed host registry (the trust list). The
 * wallet, not the host, writes the QR text; a service looks the number up in its own pinned copy
 * of the trust list, so no host can point it elsewhere.
 *
 *   QR text    = "HOLDALL-PAIR:" ‖ code (8) ‖ ":" ‖ base64url(root fingerprint) (43) [‖ ":" ‖ host number]
 *   typed code = [host number ‖ "-"] ‖ code, e.g. "2-ABCD 2345" (a code is always 8 characters)
 */

export const PAIRING_QR_PREFIX = 'HOLDALL-PAIR:'
export const pairingCodeTextSchema = z.string().regex(/^[0-9A-HJ-NP-Z]{8}$/)
export const rootFingerprintSchema = z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/)
/** A host's number in the trust list's host registry, as a QR code or a person writes it. */
export const hostNumberTextSchema = z.string().regex(/^[1-9][0-9]{0,3}$/)

export interface PairingQr {
  readonly code: string
  /** base64url of the 32-byte root fingerprint. */
  readonly rootFingerprint: string
  /** The number of the vault's host in the operator's host registry, when the wallet knows it. */
  readonly hostNumber?: number | undefined
}

export function formatPairingQr(value: PairingQr): string {
  const base = `${PAIRING_QR_PREFIX}${pairingCodeTextSchema.parse(value.code)}:${rootFingerprintSchema.parse(value.rootFingerprint)}`
  return value.hostNumber === undefined ? base : `${base}:${hostNumberTextSchema.parse(String(value.hostNumber))}`
}

/** The code, root and host number of a scanned QR text, or undefined if it is not one. */
export function parsePairingQr(text: string): PairingQr | undefined {
  const trimmed = text.trim()
  if (!trimmed.toUpperCase().startsWith(PAIRING_QR_PREFIX)) return undefined
  const [code, root, host, ...rest] = trimmed.slice(PAIRING_QR_PREFIX.length).split(':')
  if (rest.length > 0) return undefined
  const parsedCode = pairingCodeTextSchema.safeParse(code)
  const parsedRoot = rootFingerprintSchema.safeParse(root)
  if (!parsedCode.success || !parsedRoot.success) return undefined
  if (host === undefined) return { code: parsedCode.data, rootFingerprint: parsedRoot.data }
  if (!hostNumberTextSchema.safeParse(host).success) return undefined
  return { code: parsedCode.data, rootFingerprint: parsedRoot.data, hostNumber: Number(host) }
}

/** A typed pairing code as its host number (if the person typed one) and the 8-character code. */
export function parseTypedPairingCode(typed: string): { code: string; hostNumber?: number } | undefined {
  const compact = typed.toUpperCase().replace(/[\s-]/g, '')
  const match = /^([1-9][0-9]{0,3})?([0-9A-HJ-NP-Z]{8})$/.exec(compact)
  if (match === null) return undefined
  const code = match[2] as string
  return match[1] === undefined ? { code } : { code, hostNumber: Number(match[1]) }
}

/** How a wallet shows a typed code with its host number: "2-ABCD 2345". */
export function formatTypedPairingCode(code: string, hostNumber?: number): string {
  const grouped = `${code.slice(0, 4)} ${code.slice(4)}`
  return hostNumber === undefined ? grouped : `${hostNumber}-${grouped}`
}
