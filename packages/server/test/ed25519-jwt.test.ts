import { createPrivateKey, sign } from 'node:crypto'
import { HostConnection } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, signingPublicKey, toPublicJwk } from '@holdall/crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { calculateJwkThumbprint } from 'jose'
import { describe, expect, it } from 'vitest'
import { verifyEmbeddedEd25519Jwt } from '../src/auth/ed25519-jwt.js'

/* The synchronous node:crypto check every authorised request makes of its DPoP proof. */
describe('embedded-key Ed25519 JWT verification (DPoP proofs)', () => {
  const key = generateSigningKeyPair()
  const jwk = toPublicJwk(key.publicKey, 'Ed25519')
  const now = Math.floor(Date.now() / 1000)
  const options = { typ: 'dpop+jwt', nowSeconds: now, maxAgeSeconds: 60, toleranceSeconds: 5 }
  // Signed with node:crypto directly, so headers the SDK would never write can be made too.
  const proof = (header: Record<string, unknown>, payload: Record<string, unknown>, secret = key.secretKey) => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${part({ typ: 'dpop+jwt', alg: 'EdDSA', jwk, ...header })}.${part({ jti: 'j'.repeat(22), htm: 'GET', htu: 'https://h/x', iat: now, ...payload })}`
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: base64urlEncode(secret), x: base64urlEncode(signingPublicKey(secret)) },
      format: 'jwk',
    })
    return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
  }

  it('[API-DPOP-01] accepts a proof the SDK makes, with the RFC 7638 thumbprint jose computes', async () => {
    const sdkProof = await new HostConnection('https://h', key).proof('GET', '/grant/records', 'token')
    const verified = verifyEmbeddedEd25519Jwt(sdkProof, options)
    expect(verified.payload.htu).toBe('https://h/grant/records')
    expect(verified.thumbprint).toBe(await calculateJwkThumbprint(jwk as never, 'sha256'))
  })

  it('[API-DPOP-01] refuses a changed payload, another key, a private key, wrong typ or alg, crit, and bad time claims', () => {
    const good = proof({}, {})
    expect(() => verifyEmbeddedEd25519Jwt(good, options)).not.toThrow()
    const [h, , s] = good.split('.')
    const otherPayload = base64urlEncode(
      new TextEncoder().encode(JSON.stringify({ jti: 'x'.repeat(22), htm: 'GET', htu: 'https://h/x', iat: now })),
    )
    const refused = [
      `${h}.${otherPayload}.${s}`,
      proof({}, {}, generateSigningKeyPair().secretKey),
      proof({ jwk: { ...jwk, d: base64urlEncode(key.secretKey) } }, {}),
      proof({ typ: 'JWT' }, {}),
      proof({ alg: 'ES256' }, {}),
      proof({ crit: ['exp'] }, {}),
      proof({ jwk: { kty: 'OKP', crv: 'X25519', x: jwk.x } }, {}),
      proof({}, { iat: now - 120 }),
      proof({}, { iat: now + 60 }),
      proof({}, { iat: 'now' }),
      proof({}, { exp: now - 60 }),
      proof({}, { nbf: now + 60 }),
      `${h}.${good.split('.')[1]}.${s?.slice(0, 40)}`,
      good.replace(/\./g, '!'),
      'a.b',
    ]
    for (const jws of refused) expect(() => verifyEmbeddedEd25519Jwt(jws, options), jws).toThrow()
  })

  it('[CRY-KEY-03] refuses a proof under a small-order key, whose signature anyone can make over any message', () => {
    // The identity point as a public key: S·B = R + h·A holds for R = B, S = 1 whatever the
    // message, so OpenSSL alone would accept this forged proof.
    const identity = new Uint8Array(32)
    identity[0] = 1
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const header = { typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(identity) } }
    const input = `${part(header)}.${part({ jti: 'f'.repeat(22), htm: 'GET', htu: 'https://h/x', iat: now })}`
    const one = new Uint8Array(32)
    one[0] = 1
    const forged = `${input}.${Buffer.concat([ed25519.Point.BASE.toBytes(), one]).toString('base64url')}`
    expect(() => verifyEmbeddedEd25519Jwt(forged, options)).toThrow(/prime order/)
  })
})
