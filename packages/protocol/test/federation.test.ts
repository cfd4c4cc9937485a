import { describe, expect, it } from 'vitest'
import {
  formatPairingQr,
  formatTypedPairingCode,
  parsePairingQr,
  parseTypedPairingCode,
  trustListSchema,
} from '../src/index.js'

const root = Buffer.alloc(32, 7).toString('base64url')
const list = (hosts: unknown) => ({ format: 2, iss: 'x', iat: 1, exp: 2, organisations: [], hosts })

describe('federation wire formats (spec chapter 11)', () => {
  it('[FED-HOST-01] a host registry: numbers 1-9999 and origins, each unique; optional', () => {
    expect(trustListSchema.safeParse({ format: 2, iss: 'x', iat: 1, exp: 2, organisations: [] }).success).toBe(true)
    const a = { number: 1, url: 'https://a.example.org', name: 'A' }
    const b = { number: 2, url: 'https://b.example.org', name: 'B' }
    expect(trustListSchema.safeParse(list([a, b])).success).toBe(true)
    expect(trustListSchema.safeParse(list([a, { ...b, number: 1 }])).success).toBe(false)
    expect(trustListSchema.safeParse(list([a, { ...b, url: a.url }])).success).toBe(false)
    expect(trustListSchema.safeParse(list([{ ...a, number: 0 }])).success).toBe(false)
    expect(trustListSchema.safeParse(list([{ ...a, number: 10_000 }])).success).toBe(false)
    expect(trustListSchema.safeParse(list([{ ...a, url: 'https://a.example.org/' }])).success).toBe(false)
  })

  it('[FED-PAIR-01] the QR text and the typed code carry the host number, and read back', () => {
    const qr = formatPairingQr({ code: 'ABCD2345', rootFingerprint: root, hostNumber: 12 })
    expect(qr).toBe(`HOLDALL-PAIR:ABCD2345:${root}:12`)
    expect(parsePairingQr(qr)).toEqual({ code: 'ABCD2345', rootFingerprint: root, hostNumber: 12 })
    // A code without a number (an older wallet's) still reads.
    expect(parsePairingQr(`HOLDALL-PAIR:ABCD2345:${root}`)).toEqual({ code: 'ABCD2345', rootFingerprint: root })
    expect(parsePairingQr(`HOLDALL-PAIR:ABCD2345:${root}:0`)).toBeUndefined()
    expect(parsePairingQr(`HOLDALL-PAIR:ABCD2345:${root}:12:3`)).toBeUndefined()
    expect(formatTypedPairingCode('ABCD2345', 2)).toBe('2-ABCD 2345')
    expect(parseTypedPairingCode('2-abcd 2345')).toEqual({ code: 'ABCD2345', hostNumber: 2 })
    expect(parseTypedPairingCode('ABCD-2345')).toEqual({ code: 'ABCD2345' })
    expect(parseTypedPairingCode('12345 ABCD2345')).toBeUndefined()
    expect(parseTypedPairingCode('ABCD234')).toBeUndefined()
  })
})
