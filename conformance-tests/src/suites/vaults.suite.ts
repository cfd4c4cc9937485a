import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { HolderClient } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  createDeviceChainGenesis,
  createVaultKeyring,
  type DeviceKeys,
  deriveInboxKeyPair,
  generateDeviceKeys,
  generateId,
  generateSigningKeyPair,
  generateVaultRootKey,
  keyThumbprint,
  nextDeviceChainEntry,
  signDeviceWrapStatement,
  signInboxKeyStatement,
  toPublicJwk,
  verifyDeviceChain,
  wrapToDevice,
} from '@holdall/crypto'
import { assertOAuthError, assertProblem, assertUnauthorized } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()

/** A complete, valid vault-creation body for `device`, as chapter 5.5 describes it. */
async function vaultBody(device: DeviceKeys) {
  const keyring = createVaultKeyring(generateId(), generateVaultRootKey(), 0)
  const inbox = deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, 0)
  return {
    vault_id: base64urlEncode(keyring.vaultId),
    device: {
      signing: toPublicJwk(device.signing.publicKey, 'Ed25519'),
      agreement: toPublicJwk(device.agreement.publicKey, 'X25519'),
    },
    vrk_wrap: base64urlEncode(
      await wrapToDevice(keyring.vaultRootKey, device.agreement.publicKey, { vaultId: keyring.vaultId, epoch: 0 }),
    ),
    inbox_key: toPublicJwk(inbox.publicKey, 'X25519'),
    inbox_statement: base64urlEncode(
      signInboxKeyStatement(
        { vaultId: keyring.vaultId, epoch: 0, inboxPublicKey: inbox.publicKey },
        device.signing.secretKey,
      ),
    ),
    device_chain_entry: base64urlEncode(
      createDeviceChainGenesis(keyring.vaultId, {
        signingSecretKey: device.signing.secretKey,
        agreementPublicKey: device.agreement.publicKey,
      }),
    ),
  }
}

describe('vaults and holder devices (chapter 5.5)', () => {
  let holder: HolderClient
  before(async () => {
    holder = await ctx.newHolder()
  })

  it('[API-VAULT-01] creates a vault for the key that signs the proof; the same creation again is 200', async () => {
    const device = generateDeviceKeys()
    const body = await vaultBody(device)
    const first = await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: body })
    assert.ok(first.status === 200 || first.status === 201, `creation answered ${first.status}`)
    const again = await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: body })
    assert.equal(again.status, 200)
    const other = await vaultBody(device)
    await assertProblem(
      await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: other }),
      'conflict',
    )
  })

  it('[VER-02] refuses a vault creation in an unknown protocol version, and creates nothing', async () => {
    const device = generateDeviceKeys()
    const body = await vaultBody(device)
    const refused = await ctx.connection(device.signing).send({
      method: 'POST',
      path: '/vaults',
      json: body,
      headers: { 'holdall-version': '2' },
    })
    await assertProblem(refused, 'unsupported_version')
    // Nothing was made: creating it now is a creation (201), not a repeat (200).
    const created = await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: body })
    assert.equal(created.status, 201)
  })

  it('[API-VAULT-01] refuses to create a vault for a device key that did not sign the proof', async () => {
    const body = await vaultBody(generateDeviceKeys())
    const response = await ctx
      .connection(generateSigningKeyPair())
      .send({ method: 'POST', path: '/vaults', json: body })
    await assertUnauthorized(response)
  })

  it('[API-VAULT-04] refuses a vault whose inbox key statement is not signed by the device', async () => {
    const device = generateDeviceKeys()
    const body = { ...(await vaultBody(device)), inbox_statement: base64urlEncode(new Uint8Array(64)) }
    const response = await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: body })
    await assertProblem(response, 'signature_invalid')
  })

  it('[API-VAULT-02] logs a device in with a jwt-bearer assertion signed by its key', async () => {
    const response = await ctx.deviceToken(holder)
    assert.equal(response.status, 200)
    const tokens = (await response.json()) as Record<string, unknown>
    assert.equal(tokens.token_type, 'DPoP')
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  const bad: Array<[string, Record<string, unknown>]> = [
    ['for another audience', { aud: 'https://other.example/oauth/token' }],
    ['that has expired', { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }],
    ['that lasts longer than 5 minutes', { exp: Math.floor(Date.now() / 1000) + 3600 }],
    ['for another vault', { sub: base64urlEncode(generateId()) }],
    ['without a jti', { jti: undefined }],
  ]
  for (const [what, claims] of bad) {
    it(`[API-VAULT-02] refuses a device assertion ${what}`, async () => {
      await assertOAuthError(await ctx.deviceToken(holder, claims), 'invalid_grant')
    })
  }

  it('[API-VAULT-02] refuses a device assertion from a device that is not in the vault', async () => {
    const stranger = { deviceId: '', vaultId: holder.vaultId, deviceKeys: generateDeviceKeys() }
    stranger.deviceId = base64urlEncode(keyThumbprint(stranger.deviceKeys.signing.publicKey, 'Ed25519'))
    await assertOAuthError(await ctx.deviceToken(stranger as unknown as HolderClient), 'invalid_grant')
  })

  it('[API-DPOP-01] refuses a device login whose DPoP proof is bad, with invalid_dpop_proof', async () => {
    const response = await fetch(ctx.url('/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: 'not.a.proof' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: 'x.y.z',
      }).toString(),
    })
    await assertOAuthError(response, 'invalid_dpop_proof')
  })

  it('[API-VAULT-02] refuses a replayed device assertion', async () => {
    const jti = base64urlEncode(generateId())
    assert.equal((await ctx.deviceToken(holder, { jti })).status, 200)
    await assertOAuthError(await ctx.deviceToken(holder, { jti }), 'invalid_grant')
  })

  it("[API-VAULT-02] answers a device token on another vault's routes with not_found, as for no vault", async () => {
    const other = await ctx.newHolder()
    const token = await ctx.accessToken(holder)
    const key = holder.deviceKeys.signing
    const foreign = await ctx.send('GET', `/vaults/${other.vaultId}/records`, { key, token })
    const missing = await ctx.send('GET', `/vaults/${base64urlEncode(generateId())}/records`, { key, token })
    const foreignBody = await assertProblem(foreign, 'not_found')
    const missingBody = await assertProblem(missing, 'not_found')
    assert.deepEqual(foreignBody, missingBody)
  })

  it('[API-VAULT-03] adds a device only with a wrap statement signed by the enrolling device', async () => {
    const newcomer = generateDeviceKeys()
    const token = await ctx.accessToken(holder)
    const wrap = new Uint8Array(80)
    const forged = signDeviceWrapStatement(
      {
        vaultId: base64urlDecode(holder.vaultId),
        epoch: 0,
        recipientDeviceKeyId: keyThumbprint(newcomer.signing.publicKey, 'Ed25519'),
        wrap,
      },
      generateSigningKeyPair().secretKey,
    )
    const response = await ctx.connection(holder.deviceKeys.signing).send({
      method: 'POST',
      path: `/vaults/${holder.vaultId}/devices`,
      accessToken: token,
      json: {
        device: {
          signing: toPublicJwk(newcomer.signing.publicKey, 'Ed25519'),
          agreement: toPublicJwk(newcomer.agreement.publicKey, 'X25519'),
        },
        vrk_wrap: base64urlEncode(wrap),
        wrap_statement: base64urlEncode(forged),
        // A valid chain entry, so that only the wrap statement is wrong.
        device_chain_entry: base64urlEncode(
          nextDeviceChainEntry(
            await holder.deviceChain(),
            {
              operation: 'add',
              subjectSigningKey: newcomer.signing.publicKey,
              subjectAgreementKey: newcomer.agreement.publicKey,
            },
            holder.deviceKeys.signing.secretKey,
          ),
        ),
      },
    })
    await assertProblem(response, 'signature_invalid')
    // The real enrolment works, and the new device can read the vault.
    await holder.enrolDevice({ signing: newcomer.signing.publicKey, agreement: newcomer.agreement.publicKey })
    const joined = await HolderClient.joinVault(ctx.baseUrl, newcomer, holder.vaultId, holder.deviceId)
    assert.equal(joined.vaultId, holder.vaultId)
  })

  it('[API-CHAIN-01] refuses a vault whose first chain entry is not its device adding itself, and creates nothing', async () => {
    const device = generateDeviceKeys()
    const body = await vaultBody(device)
    const other = generateDeviceKeys()
    const byOther = createDeviceChainGenesis(base64urlDecode(body.vault_id), {
      signingSecretKey: other.signing.secretKey,
      agreementPublicKey: other.agreement.publicKey,
    })
    const refused = await ctx
      .connection(device.signing)
      .send({ method: 'POST', path: '/vaults', json: { ...body, device_chain_entry: base64urlEncode(byOther) } })
    await assertProblem(refused, 'signature_invalid')
    const created = await ctx.connection(device.signing).send({ method: 'POST', path: '/vaults', json: body })
    assert.equal(created.status, 201)
  })

  it('[API-CHAIN-01] refuses an enrolment whose chain entry does not extend the chain, or adds another device', async () => {
    const owner = await ctx.newHolder()
    const newcomer = generateDeviceKeys()
    const stranger = generateDeviceKeys()
    const chain = await owner.deviceChain()
    const vaultId = base64urlDecode(owner.vaultId)
    const wrap = await wrapToDevice(new Uint8Array(32), newcomer.agreement.publicKey, { vaultId, epoch: 0 })
    const enrol = async (entry: Uint8Array) =>
      ctx.connection(owner.deviceKeys.signing).send({
        method: 'POST',
        path: `/vaults/${owner.vaultId}/devices`,
        accessToken: await ctx.accessToken(owner),
        json: {
          device: {
            signing: toPublicJwk(newcomer.signing.publicKey, 'Ed25519'),
            agreement: toPublicJwk(newcomer.agreement.publicKey, 'X25519'),
          },
          vrk_wrap: base64urlEncode(wrap),
          wrap_statement: base64urlEncode(
            signDeviceWrapStatement(
              {
                vaultId,
                epoch: 0,
                recipientDeviceKeyId: keyThumbprint(newcomer.signing.publicKey, 'Ed25519'),
                wrap,
              },
              owner.deviceKeys.signing.secretKey,
            ),
          ),
          device_chain_entry: base64urlEncode(entry),
        },
      })
    const adding = (subject: DeviceKeys) => ({
      operation: 'add' as const,
      subjectSigningKey: subject.signing.publicKey,
      subjectAgreementKey: subject.agreement.publicKey,
    })
    // Signed by a key that is not in the chain.
    await assertProblem(
      await enrol(nextDeviceChainEntry(chain, adding(newcomer), stranger.signing.secretKey)),
      'signature_invalid',
    )
    // Adds another device than the one the body names.
    await assertProblem(
      await enrol(nextDeviceChainEntry(chain, adding(stranger), owner.deviceKeys.signing.secretKey)),
      'signature_invalid',
    )
    // Does not follow the head (it repeats entry 0's place).
    const misplaced = { ...chain, head: { seq: -1, hash: new Uint8Array(32) } }
    await assertProblem(
      await enrol(nextDeviceChainEntry(misplaced, adding(newcomer), owner.deviceKeys.signing.secretKey)),
      'signature_invalid',
    )
    assert.equal((await owner.deviceChain()).entries.length, 1)
    const accepted = await enrol(nextDeviceChainEntry(chain, adding(newcomer), owner.deviceKeys.signing.secretKey))
    assert.equal(accepted.status, 201)
  })

  it('[API-CHAIN-02] serves the stored chain unchanged, in order, with the vault and with the grant', async () => {
    const owner = await ctx.newHolder()
    const newcomer = generateDeviceKeys()
    const before = await owner.deviceChain()
    await owner.enrolDevice({ signing: newcomer.signing.publicKey, agreement: newcomer.agreement.publicKey })
    const token = await ctx.accessToken(owner)
    const response = await ctx.send('GET', `/vaults/${owner.vaultId}`, { key: owner.deviceKeys.signing, token })
    const vault = (await response.json()) as { device_chain: string[] }
    assert.equal(vault.device_chain.length, 2)
    assert.equal(vault.device_chain[0], base64urlEncode(before.entries[0]?.bytes as Uint8Array))
    const chain = verifyDeviceChain(vault.device_chain.map(base64urlDecode), {
      vaultId: base64urlDecode(owner.vaultId),
      root: base64urlDecode(owner.rootFingerprint),
    })
    assert.equal(chain.members.length, 2)
    const { service } = await ctx.grantTo(owner, 'gp')
    assert.deepEqual((await service.grant()).device_chain, vault.device_chain)
  })
})
