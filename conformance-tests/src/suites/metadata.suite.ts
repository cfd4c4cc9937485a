import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateDeviceKeys } from '@holdall/crypto'
import { assertOAuthError } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

/*
 * Metadata documents (chapter 2): the host fetches a client's document from its client_id URL,
 * never from an address inside its own network, and only when the document names that URL.
 */
describe('client metadata documents (chapter 2)', () => {
  async function askAs(clientId: string, keys = generateDeviceKeys(), lifetimeSeconds = 60) {
    const now = Math.floor(Date.now() / 1000)
    const { signCompactJws, base64urlEncode, randomBytes } = await import('@holdall/crypto')
    return ctx.connection(keys.signing).send({
      method: 'POST',
      path: '/oauth/bc-authorize',
      form: {
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: signCompactJws(
          { typ: 'JWT', alg: 'EdDSA' },
          {
            iss: clientId,
            sub: clientId,
            aud: ctx.url('/oauth/bc-authorize'),
            iat: now,
            exp: now + lifetimeSeconds,
            jti: base64urlEncode(randomBytes(16)),
          },
          keys.signing.secretKey,
        ),
        login_hint: 'ZZZZZZZZ',
        binding_message: 'METADATA',
        authorization_details: JSON.stringify([
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['appointment'],
            purpose: 'Check',
            duration_days: 1,
          },
        ]),
      },
    })
  }

  for (const url of [
    'https://10.0.0.1/org',
    'https://192.168.1.1/org',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/org',
    'https://[fd00::1]/org',
    'https://100.64.0.1/org',
    'https://0.0.0.0/org',
    'ftp://example.org/org',
    'file:///etc/passwd',
  ]) {
    it(`[API-META-01] refuses a client_id on a private, reserved or non-https address: ${url}`, async () => {
      await assertOAuthError(await askAs(url), 'invalid_client', 401)
    })
  }

  it('[API-META-01] refuses a document whose client_id is not the URL it was fetched from', async () => {
    const impostor = ctx.org('impostor')
    await assertOAuthError(await askAs(impostor.clientId, impostor.keys), 'invalid_client', 401)
  })

  it('[API-META-02] refuses a client assertion it has already seen', async () => {
    // The guesser: the wrong pairing code below counts against nobody another test relies on.
    const gp = ctx.org('guesser')
    const auth = ctx.clientAuth('guesser', '/oauth/bc-authorize')
    const form = {
      ...auth,
      login_hint: 'ZZZZZZZZ',
      binding_message: 'REPLAY',
      authorization_details: JSON.stringify([
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
          purpose: 'Check',
          duration_days: 1,
        },
      ]),
    }
    const first = await ctx.connection(gp.keys.signing).send({ method: 'POST', path: '/oauth/bc-authorize', form })
    assert.notEqual(first.status, 401, 'the first use of the assertion was refused as client authentication')
    const again = await ctx.connection(gp.keys.signing).send({ method: 'POST', path: '/oauth/bc-authorize', form })
    await assertOAuthError(again, 'invalid_client', 401)
  })

  it('[API-META-02] refuses a client assertion that lives longer than 5 minutes', async () => {
    const gp = ctx.org('guesser')
    await assertOAuthError(await askAs(gp.clientId, gp.keys, 3600), 'invalid_client', 401)
    // The same assertion with a 5-minute life gets past client authentication.
    const fine = await askAs(gp.clientId, gp.keys, 300)
    assert.notEqual(fine.status, 401, 'a 5-minute assertion was refused as client authentication')
  })

  it('[API-META-02] refuses a client assertion signed by a key that is not in the metadata document', async () => {
    const gp = ctx.org('gp')
    const response = await askAs(gp.clientId, generateDeviceKeys())
    await assertOAuthError(response, 'invalid_client', 401)
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })
})
