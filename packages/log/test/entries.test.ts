import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeLogEntry, ENTRY_TYPES, encodeLogEntry, type LogEntry } from '../src/entries.js'
import { HoldallLogError } from '../src/errors.js'
import { codeOf, fromHex, hex, utf8 } from './helpers.js'

const id = (byte: number) => new Uint8Array(16).fill(byte)
const at = 1_795_430_400_000
const examples: LogEntry[] = [
  { type: 'device_added', at, deviceKeyId: new Uint8Array(32).fill(1), deviceListLink: Uint8Array.of(9, 9, 9) },
  { type: 'device_removed', at, deviceKeyId: new Uint8Array(32).fill(2), deviceListLink: new Uint8Array(1024) },
  { type: 'request_made', at, requestId: id(3), clientId: 'https://surgery.example/client-metadata.json' },
  { type: 'grant_approved', at, requestId: id(3), grantId: id(4), receipt: utf8('eyJhbGciOiJFZERTQSJ9.e30.c2ln') },
  { type: 'grant_denied', at, requestId: id(5) },
  { type: 'grant_revoked', at, grantId: id(4) },
  { type: 'key_served', at, grantId: id(4), recordId: id(6), version: 3 },
  { type: 'record_written', at, recordId: id(6), version: 4_294_967_295, manifestSha256: new Uint8Array(32).fill(7) },
  {
    type: 'deposit_received',
    at: 0,
    recordId: id(8),
    issuerClientId: 'https://healthcare.hmpps.example/ünïcode',
    manifestSha256: new Uint8Array(32).fill(8),
    details: new Uint8Array(100).fill(0xee),
  },
  { type: 'deposit_accepted', at, recordId: id(8) },
  { type: 'host_event', at, name: 'device_recovered' },
  {
    type: 'recovery_started',
    at,
    recoveryId: id(11),
    deviceKeyId: new Uint8Array(32).fill(12),
    readyAt: at + 1,
    withKit: false,
  },
  { type: 'recovery_cancelled', at, recoveryId: id(11), deviceKeyId: new Uint8Array(32).fill(13) },
  { type: 'recovery_share_released', at, recoveryId: id(11), holder: 2 },
  {
    type: 'recovery_completed',
    at,
    recoveryId: id(11),
    deviceKeyId: new Uint8Array(32).fill(12),
    deviceListLink: new Uint8Array(36).fill(14),
  },
  // Spec 12.5: the last entry on the host a vault leaves, the first on the host it reaches.
  { type: 'vault_moved', at, moveId: id(9), statementSha256: new Uint8Array(32).fill(9), host: 'https://b.example' },
  { type: 'vault_arrived', at, moveId: id(9), statementSha256: new Uint8Array(32).fill(9), host: 'https://a.example' },
]

describe('[LOG-ENTRY-01] the canonical entry encoding', () => {
  it('round-trips one entry of every type', () => {
    expect(new Set(examples.map((e) => e.type))).toEqual(new Set(Object.keys(ENTRY_TYPES)))
    for (const entry of examples) {
      const bytes = encodeLogEntry(entry)
      expect(decodeLogEntry(bytes)).toEqual(entry)
      expect(hex(encodeLogEntry(decodeLogEntry(bytes)))).toBe(hex(bytes))
    }
  })

  it('lays out a key_served entry byte for byte as spec 8.3 says', () => {
    const bytes = encodeLogEntry(examples[6] as LogEntry)
    const time = at.toString(16).padStart(16, '0')
    expect(hex(bytes)).toBe(`0114${time}${'04'.repeat(16)}${'06'.repeat(16)}0000000300000000`)
  })

  it('refuses every byte string that is not an encoding', () => {
    const good = encodeLogEntry(examples[6] as LogEntry)
    const withTime = (t: bigint) => {
      const copy = good.slice()
      new DataView(copy.buffer).setBigUint64(2, t)
      return copy
    }
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['one byte short', good.slice(0, -1)],
      ['one byte more', Uint8Array.of(...good, 0)],
      [
        'version 0',
        (() => {
          const c = good.slice()
          c[2 + 8 + 32 + 3] = 0
          return c
        })(),
      ],
      ['time 2^53', withTime(2n ** 53n)],
      [
        'details length past the end',
        (() => {
          const c = good.slice()
          c[c.length - 1] = 1
          return c
        })(),
      ],
      ['string of length 0', fromHex(`0110${'00'.repeat(8)}${'03'.repeat(16)}0000${'00000000'}`)],
      ['string not UTF-8', fromHex(`0110${'00'.repeat(8)}${'03'.repeat(16)}0002c328${'00000000'}`)],
      ['over 64 KiB', new Uint8Array(65_537)],
    ]
    for (const [name, bytes] of bad)
      expect(
        codeOf(() => decodeLogEntry(bytes)),
        name,
      ).toBe('LOG_ENTRY_MALFORMED')
  })

  it('refuses to encode what has no encoding', () => {
    const served = examples[6] as Extract<LogEntry, { type: 'key_served' }>
    const bad: LogEntry[] = [
      { ...served, version: 0 },
      { ...served, version: 2 ** 32 },
      { ...served, at: -1 },
      { ...served, at: 2 ** 53 },
      { ...served, grantId: new Uint8Array(15) },
      { type: 'request_made', at, requestId: id(1), clientId: '' },
      { type: 'request_made', at, requestId: id(1), clientId: 'lone \ud800 surrogate' },
      { type: 'request_made', at, requestId: id(1), clientId: 'x'.repeat(2049) },
      { ...served, details: new Uint8Array(16_385) },
    ]
    for (const entry of bad)
      expect(
        codeOf(() => encodeLogEntry(entry)),
        JSON.stringify(entry).slice(0, 60),
      ).toBe('LOG_ENTRY_MALFORMED')
  })

  it('decodes random bytes to an entry that re-encodes to them, or refuses them with a code (fast-check)', () => {
    const prefixes = Object.values(ENTRY_TYPES)
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 120 }), (type, tail) => {
        const bytes = Uint8Array.of(1, type, ...tail)
        try {
          expect(hex(encodeLogEntry(decodeLogEntry(bytes)))).toBe(hex(bytes))
        } catch (error) {
          expect(error).toBeInstanceOf(HoldallLogError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('any entry round-trips (fast-check)', () => {
    const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
    const entry = fc.oneof(
      fc.record({
        type: fc.constant('key_served' as const),
        at: fc.nat(),
        grantId: bytes(16),
        recordId: bytes(16),
        version: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
      }),
      fc.record({
        type: fc.constant('request_made' as const),
        at: fc.maxSafeNat(),
        requestId: bytes(16),
        clientId: fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }),
      }),
    )
    fc.assert(
      fc.property(entry, (e) => {
        expect(decodeLogEntry(encodeLogEntry(e))).toEqual(e)
      }),
      { numRuns: 300 },
    )
  })
})

describe('[LOG-ENTRY-02] unknown and reserved entry types are refused, never skipped', () => {
  it('[LOG-ENTRY-03] refuses a recovery share of another holder than 1 or 2, and a with-kit flag other than 0 or 1', () => {
    const share = encodeLogEntry(examples.find((e) => e.type === 'recovery_share_released') as LogEntry)
    share[2 + 8 + 16] = 3
    expect(codeOf(() => decodeLogEntry(share))).toBe('LOG_ENTRY_MALFORMED')
    const started = encodeLogEntry(examples.find((e) => e.type === 'recovery_started') as LogEntry)
    started[2 + 8 + 16 + 32 + 8] = 2
    expect(codeOf(() => decodeLogEntry(started))).toBe('LOG_ENTRY_MALFORMED')
  })

  it('refuses the reserved recovery types, unknown types and other formats', () => {
    const served = encodeLogEntry(examples[6] as LogEntry)
    for (const type of [0x00, 0x03, 0x15, 0x34, 0x3f, 0xff]) {
      const copy = served.slice()
      copy[1] = type
      expect(
        codeOf(() => decodeLogEntry(copy)),
        `type ${type}`,
      ).toBe('LOG_ENTRY_UNSUPPORTED')
    }
    const format2 = served.slice()
    format2[0] = 2
    expect(codeOf(() => decodeLogEntry(format2))).toBe('LOG_ENTRY_UNSUPPORTED')
  })
})
