import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { base64urlEncode, generateSigningKeyPair, randomBytes, type SigningKeyPair, toPublicJwk } from '@holdall/crypto'
import { assertUnauthorized } from '../assertions.js'
import { conformance, dpopProof, rawJws } from '../context.js'

const ctx = conformance()

/*
 * Proof of possession (chapter 5.3). Each test breaks one thing in an otherwise valid request to a
 * holder route and expects 401 with a DPoP challenge; the valid request is checked first, so a
 * host that refuses everything does not pass.
 */
describe('DPoP proofs and tokens (chapter 5.3)', () => {
  let holder: HolderClient
  let token: string
  let key: SigningKeyPair
  let path: string
  before(async () => {
    holder = await ctx.newHolder()
    key = holder.deviceKeys.signing
    token = await ctx.accessToken(holder)
    path = `/vaults/${holder.vaultId}/records`
  })

  const get = (headers: Record<string, string>) => fetch(ctx.url(path), { headers })
  const valid = (options: Parameters<typeof dpopProof>[3] = {}, signer = key) =>
    dpopProof(signer, 'GET', ctx.url(path), { accessToken: token, ...options })

  it('[API-DPOP-01] accepts a well-formed proof (the baseline for the refusals below)', async () => {
    const response = await get({ authorization: `DPoP ${token}`, dpop: valid() })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  const withAlg = (alg: string) =>
    rawJws(
      { typ: 'dpop+jwt', alg, jwk: toPublicJwk(key.publicKey, 'Ed25519') },
      {
        jti: base64urlEncode(randomBytes(16)),
        htm: 'GET',
        htu: ctx.url(path),
        iat: Math.floor(Date.now() / 1000),
        ath: base64urlEncode(new Uint8Array(createHash('sha256').update(token).digest())),
      },
      key,
    )

  const broken: Array<[string, () => Record<string, string>]> = [
    ['no proof at all', () => ({ authorization: `DPoP ${token}` })],
    ['a proof with typ JWT', () => ({ authorization: `DPoP ${token}`, dpop: valid({ header: { typ: 'JWT' } }) })],
    ['a proof with alg none', () => ({ authorization: `DPoP ${token}`, dpop: withAlg('none') })],
    ['a proof with alg ES256', () => ({ authorization: `DPoP ${token}`, dpop: withAlg('ES256') })],
    ['a proof with alg HS256', () => ({ authorization: `DPoP ${token}`, dpop: withAlg('HS256') })],
    [
      'a proof whose jwk carries a private key',
      () => ({
        authorization: `DPoP ${token}`,
        dpop: valid({
          header: {
            jwk: {
              kty: 'OKP',
              crv: 'Ed25519',
              x: base64urlEncode(key.publicKey),
              d: base64urlEncode(key.secretKey.subarray(0, 32)),
            },
          },
        }),
      }),
    ],
    [
      'a proof whose signature does not verify',
      () => {
        const proof = valid()
        const last = proof.at(-2) === 'A' ? 'B' : 'A'
        return { authorization: `DPoP ${token}`, dpop: `${proof.slice(0, -2)}${last}${proof.at(-1)}` }
      },
    ],
    [
      'a proof for another method',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { htm: 'POST' } }) }),
    ],
    [
      'a proof for another URL',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { htu: ctx.url(`${path}/other`) } }) }),
    ],
    [
      'a proof for the same path on another origin',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { htu: `https://attacker.example${path}` } }) }),
    ],
    [
      'a proof issued 10 minutes ago',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { iat: Math.floor(Date.now() / 1000) - 600 } }) }),
    ],
    [
      'a proof issued 10 minutes in the future',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { iat: Math.floor(Date.now() / 1000) + 600 } }) }),
    ],
    [
      'a proof with a 4-character jti',
      () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { jti: 'abcd' } }) }),
    ],
    ['a proof without jti', () => ({ authorization: `DPoP ${token}`, dpop: valid({ claims: { jti: undefined } }) })],
    ['a proof that is not a JWS', () => ({ authorization: `DPoP ${token}`, dpop: 'not.a.jws' })],
  ]
  for (const [what, headers] of broken) {
    it(`[API-DPOP-01][API-TOK-04] refuses ${what}`, async () => {
      await assertUnauthorized(await get(headers()))
    })
  }

  it('[API-DPOP-01] refuses two DPoP headers', async () => {
    const headers = new Headers({ authorization: `DPoP ${token}` })
    headers.append('dpop', valid())
    headers.append('dpop', valid())
    await assertUnauthorized(await fetch(ctx.url(path), { headers }))
  })

  it('[API-DPOP-01] takes htu from its configured origin, not from a Host or X-Forwarded-Host header', async () => {
    const proof = dpopProof(key, 'GET', `http://attacker.example${path}`, { accessToken: token })
    const response = await fetch(ctx.url(path), {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: proof,
        'x-forwarded-host': 'attacker.example',
        'x-forwarded-proto': 'http',
      },
    })
    await assertUnauthorized(response)
  })

  it('[API-DPOP-02] refuses a proof it has already seen', async () => {
    const proof = valid()
    assert.equal((await get({ authorization: `DPoP ${token}`, dpop: proof })).status, 200)
    await assertUnauthorized(await get({ authorization: `DPoP ${token}`, dpop: proof }))
  })

  it('[API-DPOP-03] refuses a proof without ath, or with the hash of another token', async () => {
    const noAth = dpopProof(key, 'GET', ctx.url(path))
    await assertUnauthorized(await get({ authorization: `DPoP ${token}`, dpop: noAth }))
    const otherAth = dpopProof(key, 'GET', ctx.url(path), { accessToken: `${token}x` })
    await assertUnauthorized(await get({ authorization: `DPoP ${token}`, dpop: otherAth }))
  })

  it('[API-DPOP-03] refuses a token presented with a proof by another key', async () => {
    const thief = generateSigningKeyPair()
    await assertUnauthorized(await get({ authorization: `DPoP ${token}`, dpop: valid({}, thief) }))
  })

  it('[API-TOK-01] refuses a DPoP-bound token presented as Bearer', async () => {
    await assertUnauthorized(await get({ authorization: `Bearer ${token}`, dpop: valid() }))
    await assertUnauthorized(await get({ authorization: `Bearer ${token}` }))
  })

  it('[API-TOK-02] refuses a token it never issued', async () => {
    const made = base64urlEncode(randomBytes(32))
    const proof = dpopProof(key, 'GET', ctx.url(path), { accessToken: made })
    await assertUnauthorized(await get({ authorization: `DPoP ${made}`, dpop: proof }))
  })
})
