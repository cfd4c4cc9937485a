import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { base64urlEncode, randomBytes } from '@holdall/crypto'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

describe('errors and strict input (chapters 5 and 6)', () => {
  let holder: HolderClient
  let token: string
  before(async () => {
    holder = await ctx.newHolder()
    token = await ctx.accessToken(holder)
  })
  const device = () => ctx.connection(holder.deviceKeys.signing)
  const acceptPath = () => `/vaults/${holder.vaultId}/inbox/${base64urlEncode(randomBytes(16))}/accept`

  it('[API-ERR-01][ERR-01] answers an unknown endpoint with not_found problem details', async () => {
    await assertProblem(await fetch(ctx.url('/no/such/endpoint')), 'not_found')
  })

  it('[API-ERR-01][ERR-01] answers malformed JSON with invalid_request, never a 5xx', async () => {
    const response = await ctx.send('POST', acceptPath(), {
      key: holder.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body: '{"owner_wrap": ',
    })
    await assertProblem(response, 'invalid_request')
  })

  it('[API-JSON-01] refuses a JSON body with members its schema does not define', async () => {
    const response = await device().send({
      method: 'POST',
      path: acceptPath(),
      accessToken: token,
      json: { owner_wrap: base64urlEncode(new Uint8Array(72)), scope: '*' },
    })
    await assertProblem(response, 'invalid_request')
  })

  it('[API-JSON-02] refuses a JSON body carrying __proto__ or constructor members', async () => {
    const response = await ctx.send('POST', acceptPath(), {
      key: holder.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body: `{"owner_wrap":"${base64urlEncode(new Uint8Array(72))}","__proto__":{"x":1}}`,
    })
    await assertProblem(response, 'invalid_request')
  })

  for (const type of [
    'text/plain',
    'application/octet-stream',
    'application/xml',
    'application/x-www-form-urlencoded',
  ]) {
    it(`[API-ERR-03] refuses ${type} on a JSON endpoint with unsupported_media_type`, async () => {
      const response = await ctx.send('POST', acceptPath(), {
        key: holder.deviceKeys.signing,
        token,
        headers: { 'content-type': type },
        body: JSON.stringify({ owner_wrap: base64urlEncode(new Uint8Array(72)) }),
      })
      await assertProblem(response, 'unsupported_media_type')
    })
  }

  it('[API-ERR-03] refuses JSON where an endpoint takes an envelope', async () => {
    const response = await ctx.send('PUT', `/vaults/${holder.vaultId}/blobs/${base64urlEncode(new Uint8Array(32))}`, {
      key: holder.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    await assertProblem(response, 'unsupported_media_type')
  })

  it('[API-ERR-04] refuses a JSON body over 1 MiB with payload_too_large', async () => {
    const response = await ctx.send('POST', acceptPath(), {
      key: holder.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner_wrap: 'A'.repeat(1_100_000) }),
    })
    await assertProblem(response, 'payload_too_large')
  })

  it('[API-ERR-02] keeps tokens out of error details', async () => {
    const response = await device().send({
      method: 'POST',
      path: acceptPath(),
      accessToken: token,
      json: { owner_wrap: 'short' },
    })
    const text = await response.text()
    assert.equal(response.status, 400)
    assert.ok(!text.includes(token), 'the access token appears in the error')
  })
})
