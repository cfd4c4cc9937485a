import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export function sha256Base64url(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url')
}

/** A 256-bit random secret as base64url: tokens and request ids that must not be guessed. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A 16-byte random identifier (vault, record, grant, request ids share this form). */
export function randomId(): string {
  return randomBytes(16).toString('base64url')
}

export function constantTimeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
