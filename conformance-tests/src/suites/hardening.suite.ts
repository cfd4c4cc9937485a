import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { base64urlEncode, randomBytes } from '@holdall/crypto'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

/* What every response must carry, and what a host refuses before any route runs (chapter 7). */
describe('hardening (chapter 7)', () => {
  let holder: HolderClient
  let token: string
  before(async () => {
    holder = await ctx.newHolder()
    token = await ctx.accessToken(holder)
  })

  function assertHeaders(response: Response, what: string) {
    const h = response.headers
    assert.equal(h.get('x-content-type-options'), 'nosniff', what)
    assert.equal(h.get('x-frame-options')?.toUpperCase(), 'DENY', what)
    assert.equal(h.get('referrer-policy'), 'no-referrer', what)
    assert.match(h.get('content-security-policy') ?? '', /default-src 'none'/, what)
    assert.ok(h.get('strict-transport-security'), `${what}: no Strict-Transport-Security`)
    assert.equal(h.get('x-powered-by'), null, what)
  }

  it('[SEC-HDR-01] sends the security headers on answers, errors and discovery alike', async () => {
    const answers: Array<[string, Response]> = [
      ['discovery', await fetch(ctx.url('/.well-known/holdall'))],
      ['not found', await fetch(ctx.url('/no/such/thing'))],
      [
        'records',
        await ctx.send('GET', `/vaults/${holder.vaultId}/records`, { key: holder.deviceKeys.signing, token }),
      ],
      ['unauthorized', await fetch(ctx.url(`/vaults/${holder.vaultId}/records`))],
    ]
    for (const [what, response] of answers) {
      assertHeaders(response, what)
      await response.arrayBuffer()
    }
  })

  it('[SEC-CORS-01] gives no CORS permission to an origin nobody configured, nor credentials', async () => {
    const preflight = await fetch(ctx.url('/oauth/token'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://attacker.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'dpop, content-type',
      },
    })
    assert.notEqual(preflight.headers.get('access-control-allow-origin'), 'https://attacker.example')
    assert.notEqual(preflight.headers.get('access-control-allow-origin'), '*')
    assert.notEqual(preflight.headers.get('access-control-allow-credentials'), 'true')
    const simple = await fetch(ctx.url('/.well-known/holdall'), { headers: { origin: 'https://attacker.example' } })
    assert.notEqual(simple.headers.get('access-control-allow-origin'), 'https://attacker.example')
    assert.notEqual(simple.headers.get('access-control-allow-credentials'), 'true')
  })

  const acceptPath = () => `/vaults/${holder.vaultId}/inbox/${base64urlEncode(randomBytes(16))}/accept`
  const postJson = (body: string) =>
    ctx.send('POST', acceptPath(), {
      key: holder.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body,
    })

  it('[SEC-JSON-01] refuses a JSON object that names a member twice', async () => {
    const wrap = base64urlEncode(new Uint8Array(72))
    await assertProblem(await postJson(`{"owner_wrap":"${wrap}","owner_wrap":"${wrap}"}`), 'invalid_request')
  })

  it('[SEC-JSON-01] refuses JSON nested deeper than 32', async () => {
    await assertProblem(await postJson(`${'['.repeat(40)}${']'.repeat(40)}`), 'invalid_request')
    await assertProblem(await postJson(`{"owner_wrap":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`), 'invalid_request')
  })

  it('[SEC-CT-01][API-ERR-03] refuses a body with no content type at all', async () => {
    const response = await ctx.send('POST', acceptPath(), {
      key: holder.deviceKeys.signing,
      token,
      body: new Blob([JSON.stringify({ owner_wrap: base64urlEncode(new Uint8Array(72)) })]),
    })
    assert.ok([400, 415].includes(response.status), `answered ${response.status}`)
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
  })

  it('[SEC-ERR-01] answers an undecodable or over-long path with problem details that do not echo it', async () => {
    for (const path of ['/vaults/%E0%A4%A', `/vaults/${'A'.repeat(600)}/records`]) {
      const response = await fetch(ctx.url(path))
      assert.ok(response.status >= 400 && response.status < 500, `${path.slice(0, 30)} answered ${response.status}`)
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
      const text = await response.text()
      assert.ok(!text.includes('%E0%A4%A') && !text.includes('A'.repeat(100)), 'the path is echoed back')
    }
  })

  it('[SEC-SIZE-01][API-ERR-04] bounds headers: 64 KiB of them is refused with problem details', async () => {
    const response = await fetch(ctx.url('/.well-known/holdall'), { headers: { 'x-padding': 'a'.repeat(64 * 1024) } })
    assert.ok(
      response.status === 413 || response.status === 431 || response.status === 400,
      `answered ${response.status}`,
    )
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
    await response.arrayBuffer()
  })
})
