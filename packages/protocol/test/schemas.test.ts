import { describe, expect, it } from 'vitest'
import {
  base64urlBytesSchema,
  ERROR_CODES,
  ed25519PublicJwkSchema,
  envelopeDescriptorSchema,
  idSchema,
  problemSchema,
  recordMetadataSchema,
  wrappedKeySchema,
} from '../src/index.js'

const b64 = (n: number, fill = 7) => Buffer.alloc(n, fill).toString('base64url')

describe('base64url schemas', () => {
  it('[CRY-ENC-03] accept exactly the canonical encoding of the right length', () => {
    for (const n of [1, 2, 3, 16, 32, 72, 80, 256]) {
      const schema = base64urlBytesSchema(n)
      expect(schema.safeParse(b64(n)).success, `n=${n}`).toBe(true)
      expect(schema.safeParse(b64(n + 1)).success).toBe(false)
      expect(schema.safeParse(`${b64(n)}=`).success).toBe(false)
    }
  })

  it('[CRY-ENC-02] refuse stray bits in the last character, padding and the standard alphabet', () => {
    const id = b64(16) // 22 chars, last char carries 4 unused bits
    expect(idSchema.safeParse(id).success).toBe(true)
    expect(idSchema.safeParse(`${id.slice(0, -1)}B`).success).toBe(false)
    expect(idSchema.safeParse(Buffer.alloc(16, 0xfb).toString('base64').slice(0, 22)).success).toBe(false)
    expect(idSchema.safeParse(`${id.slice(0, 20)}==`).success).toBe(false)
  })
})

describe('key schemas', () => {
  const x = b64(32)
  it('[CRY-KEY-01] accept an Ed25519 public JWK and refuse private members, other curves and extras', () => {
    expect(ed25519PublicJwkSchema.safeParse({ kty: 'OKP', crv: 'Ed25519', x }).success).toBe(true)
    expect(ed25519PublicJwkSchema.safeParse({ kty: 'OKP', crv: 'Ed25519', x, d: x }).success).toBe(false)
    expect(ed25519PublicJwkSchema.safeParse({ kty: 'OKP', crv: 'X25519', x }).success).toBe(false)
    expect(ed25519PublicJwkSchema.safeParse({ kty: 'OKP', crv: 'Ed25519', x, kid: 'a' }).success).toBe(false)
    expect(ed25519PublicJwkSchema.safeParse({ kty: 'EC', crv: 'Ed25519', x }).success).toBe(false)
  })
})

describe('envelope and wrap schemas', () => {
  const descriptor = {
    format: 1,
    suite: 1,
    chunkSize: 65_536,
    vaultId: b64(16, 1),
    recordId: b64(16, 2),
    version: 1,
    keyEpoch: 0,
    ciphertextLength: 402,
    ciphertextSha256: b64(32, 3),
    manifest: b64(256, 4),
  }

  it('accept a descriptor and refuse unknown fields, other suites and chunk sizes (no agility)', () => {
    expect(envelopeDescriptorSchema.safeParse(descriptor).success).toBe(true)
    expect(envelopeDescriptorSchema.safeParse({ ...descriptor, title: 'leak' }).success).toBe(false)
    expect(envelopeDescriptorSchema.safeParse({ ...descriptor, suite: 2 }).success).toBe(false)
    expect(envelopeDescriptorSchema.safeParse({ ...descriptor, chunkSize: 4096 }).success).toBe(false)
    expect(envelopeDescriptorSchema.safeParse({ ...descriptor, version: 0 }).success).toBe(false)
    expect(envelopeDescriptorSchema.safeParse({ ...descriptor, version: 2 ** 32 }).success).toBe(false)
  })

  it('[CRY-WRAP-01] accept wraps only at their exact lengths (attack case 10)', () => {
    const grant = {
      kind: 'grant',
      grantId: b64(16),
      recordId: b64(16),
      version: 1,
      recipientKeyId: b64(32),
      wrap: b64(80),
    }
    expect(wrappedKeySchema.safeParse(grant).success).toBe(true)
    expect(wrappedKeySchema.safeParse({ ...grant, wrap: b64(79) }).success).toBe(false)
    expect(wrappedKeySchema.safeParse({ ...grant, wrap: b64(81) }).success).toBe(false)
    const epoch = { kind: 'epoch', recordId: b64(16), version: 1, keyEpoch: 0, wrap: b64(72) }
    expect(wrappedKeySchema.safeParse(epoch).success).toBe(true)
    expect(wrappedKeySchema.safeParse({ ...epoch, wrap: b64(80) }).success).toBe(false)
    expect(wrappedKeySchema.safeParse({ ...epoch, scope: '*' }).success).toBe(false)
  })

  it('keep unknown metadata members for forward compatibility, but require a content type', () => {
    expect(recordMetadataSchema.parse({ contentType: 'application/pdf', pages: 2 })).toEqual({
      contentType: 'application/pdf',
      pages: 2,
    })
    expect(recordMetadataSchema.safeParse({ title: 'x' }).success).toBe(false)
  })
})

describe('problem details', () => {
  it('give every error code one status in the 4xx or 5xx range', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      expect(status >= 400 && status < 600, code).toBe(true)
      expect(code).toMatch(/^[a-z_]+$/)
    }
    expect(
      problemSchema.safeParse({
        type: 'https://holdall.org/spec/errors#not_found',
        title: 'Not found',
        status: 404,
        code: 'not_found',
      }).success,
    ).toBe(true)
    expect(problemSchema.safeParse({ type: 'x', title: 'x', status: 404, code: 'NOT_FOUND' }).success).toBe(false)
  })
})
