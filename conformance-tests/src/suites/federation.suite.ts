import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { acceptTrustListDocument, trustPin } from '@holdall/client'
import { HANDLE_WELL_KNOWN_PATH, TRUST_LIST_WELL_KNOWN_PATH, trustListDocumentSchema } from '@holdall/protocol'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

/** Chapter 11 on one host: what any host serves whether or not it has a partner. */
describe('federation on one host (chapter 11)', () => {
  it("[FED-TRUST-01] mirrors the operator's signed trust list, unchanged, at the well-known path", {
    skip: ctx.skipUnless('verified-organisations'),
  }, async () => {
    const response = await fetch(ctx.url(TRUST_LIST_WELL_KNOWN_PATH))
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    const document = trustListDocumentSchema.parse(await response.json())
    assert.equal(document.trust_list, ctx.fixtures.trustList, 'the list must be the bytes the operator signed')
    const { trusted } = acceptTrustListDocument(document, trustPin(ctx.fixtures.operatorPublicKey))
    assert.ok(trusted.byClientId(ctx.org('prisonHealthcare').clientId))
  })

  it('[FED-HANDLE-02] answers a handle it never issued with 404 problem details, and refuses a malformed record', async () => {
    await assertProblem(await fetch(ctx.url(`${HANDLE_WELL_KNOWN_PATH}/nobody-here`)), 'not_found')
    const response = await fetch(ctx.url(`${HANDLE_WELL_KNOWN_PATH}/nobody-here`), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ record: 'not.a.record', device_chain: ['AAAA'] }),
    })
    // Unlisted hosts issue no handles (404); listed ones refuse the record (422).
    assert.ok([404, 422].includes(response.status), `expected 404 or 422, got ${response.status}`)
    await assertProblem(response, response.status === 404 ? 'not_found' : 'signature_invalid')
  })
})
