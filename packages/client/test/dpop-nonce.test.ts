import { generateSigningKeyPair } from '@holdall/crypto'
import { describe, expect, it } from 'vitest'
import { HostConnection } from '../src/http.js'

/** The claims of the DPoP proof a request carried. */
function proofClaims(init: RequestInit | undefined): Record<string, unknown> {
  const proof = (init?.headers as Record<string, string> | undefined)?.dpop as string
  return JSON.parse(Buffer.from(proof.split('.')[1] as string, 'base64url').toString('utf8'))
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

/** A fake host answering each call with the next response, recording what was sent. */
function scriptedHost(responses: Array<() => Response>) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = []
  const fetchImpl = ((url: string, init?: RequestInit) => {
    calls.push({ url, init })
    const next = responses.shift()
    return Promise.resolve(next === undefined ? json(500, {}) : next())
  }) as typeof fetch
  return { calls, host: new HostConnection('http://127.0.0.1:1', generateSigningKeyPair(), fetchImpl) }
}

describe('DPoP server nonces in the client SDK (RFC 9449 sections 8 and 9, spec 5.3)', () => {
  it("answers a resource's use_dpop_nonce challenge once, with a new proof carrying the nonce", async () => {
    const { calls, host } = scriptedHost([
      () =>
        json(401, { code: 'unauthorized' }, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' }),
      () => json(200, { ok: true }),
    ])
    await expect(host.json({ method: 'GET', path: '/grant', accessToken: 't' })).resolves.toEqual({ ok: true })
    expect(calls.length).toBe(2)
    const [first, second] = calls.map((c) => proofClaims(c.init))
    expect(first?.nonce).toBeUndefined()
    expect(second?.nonce).toBe('n-1')
    expect(second?.jti).not.toBe(first?.jti)
  })

  it("answers the token endpoint's 400 use_dpop_nonce once, resending the same form", async () => {
    const { calls, host } = scriptedHost([
      () => json(400, { error: 'use_dpop_nonce', error_description: 'x' }, { 'dpop-nonce': 'n-2' }),
      () => json(200, { access_token: 'a' }),
    ])
    const form = { grant_type: 'refresh_token', refresh_token: 'r' }
    await expect(host.json({ method: 'POST', path: '/oauth/token', form })).resolves.toEqual({ access_token: 'a' })
    expect(calls.map((c) => c.init?.body)).toEqual([
      'grant_type=refresh_token&refresh_token=r',
      'grant_type=refresh_token&refresh_token=r',
    ])
    expect(proofClaims(calls[1]?.init).nonce).toBe('n-2')
  })

  it('retries only once, so a host that keeps asking cannot make it loop', async () => {
    const challenge = () =>
      json(401, {}, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': `n-${Math.random()}` })
    const { calls, host } = scriptedHost([challenge, challenge, challenge])
    await expect(host.json({ method: 'GET', path: '/grant', accessToken: 't' })).rejects.toMatchObject({ status: 401 })
    expect(calls.length).toBe(2)
  })

  it('does not retry a refusal that is not a nonce challenge, nor one that gives no nonce', async () => {
    const { calls, host } = scriptedHost([
      () => json(401, {}, { 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'n-3' }),
      () => json(400, { error: 'use_dpop_nonce' }),
    ])
    await expect(host.json({ method: 'GET', path: '/grant', accessToken: 't' })).rejects.toMatchObject({ status: 401 })
    await expect(host.json({ method: 'POST', path: '/oauth/token', form: {} })).rejects.toMatchObject({ status: 400 })
    expect(calls.length).toBe(2)
  })

  it('uses the newest nonce any response gave on later requests, and ignores one of the wrong syntax', async () => {
    const { calls, host } = scriptedHost([
      () => json(200, {}, { 'dpop-nonce': 'n-4' }),
      () => json(200, {}, { 'dpop-nonce': 'bad "nonce"' }),
      () => json(200, {}),
    ])
    await host.json({ method: 'GET', path: '/a' })
    await host.json({ method: 'GET', path: '/b' })
    await host.json({ method: 'GET', path: '/c' })
    expect(calls.map((c) => proofClaims(c.init).nonce)).toEqual([undefined, 'n-4', 'n-4'])
  })
})
