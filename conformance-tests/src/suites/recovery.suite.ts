import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import {
  HoldallApiError,
  HolderClient,
  RecoveringDevice,
  releaseWorkerShare,
  type TrustedOrganisation,
  workerRecoveries,
} from '@holdall/client'
import { base64urlEncode, generateDeviceKeys, randomBytes, signCompactJws } from '@holdall/crypto'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'

const ctx = conformance()
const needsList = ctx.skipUnless('verified-organisations')

const b64 = (bytes: number) => base64urlEncode(randomBytes(bytes))
const okp = (crv: 'Ed25519' | 'X25519') => ({ kty: 'OKP', crv, x: b64(32) })

/** A well-formed rotation body that is wrong in what only the host's checks can see. */
function rotationBody(epoch: number, workerClientId: string) {
  return {
    epoch,
    device_chain_entries: [b64(214)],
    device_wraps: [{ device_id: b64(32), vrk_wrap: b64(80), wrap_statement: b64(64) }],
    inbox_key: okp('X25519'),
    inbox_statement: b64(64),
    epoch_wraps: [],
    inbox_wraps: [],
    receipts: [],
    recovery: {
      check: b64(32),
      member_signing_key: okp('Ed25519'),
      host_share: b64(55),
      worker: { client_id: workerClientId, share_wrap: b64(103) },
      kit_proof_hash: b64(32),
    },
  }
}

async function expectApiError(promise: Promise<unknown>, status: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.ok(error instanceof HoldallApiError, `expected a ${status} problem, got ${String(error)}`)
  assert.equal(error.status, status)
}

describe('devices and recovery (chapter 9)', { skip: needsList }, () => {
  let worker: TrustedOrganisation
  let holder: HolderClient
  const probation = () => ctx.org('probation')

  before(async () => {
    if (needsList !== false) return
    worker = ctx.trusted().byClientId(probation().clientId) as TrustedOrganisation
    holder = await ctx.newHolder()
    await holder.setUpRecovery(worker)
  })

  it('[DEV-HOST-01] a removed device: its token is refused at once, and it gets no new one', async () => {
    const tablet = generateDeviceKeys()
    await holder.enrolDevice({ signing: tablet.signing.publicKey, agreement: tablet.agreement.publicKey })
    const joined = await HolderClient.joinVault(ctx.baseUrl, tablet, holder.vaultId, holder.deviceId)
    await holder.removeDevices([joined.deviceId], worker)
    await expectApiError(joined.listRecords(), 401)
    await assert.rejects(joined.login())
    assert.equal((await holder.listRecords()).length, 0)
  })

  it('[DEV-HOST-02] a rotation not to the next epoch, or with a host share that is not this vault’s, changes nothing', async () => {
    const token = await ctx.accessToken(holder)
    const path = `/vaults/${holder.vaultId}/rotations`
    const send = (body: unknown) =>
      ctx.send('POST', path, {
        key: holder.deviceKeys.signing,
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    await assertProblem(await send(rotationBody(holder.keyEpoch, worker.client_id)), 'conflict')
    await assertProblem(await send(rotationBody(holder.keyEpoch + 1, worker.client_id)), 'invalid_request')
    const vault = await ctx.send('GET', `/vaults/${holder.vaultId}`, { key: holder.deviceKeys.signing, token })
    assert.equal(((await vault.json()) as { key_epoch: number }).key_epoch, holder.keyEpoch)
  })

  it('[REC-HOST-04][REC-HOST-01] a second recovery while one waits is refused; completing before the wait ends is refused', async () => {
    const { device } = await RecoveringDevice.start(ctx.baseUrl, { vaultId: holder.vaultId })
    await expectApiError(RecoveringDevice.start(ctx.baseUrl, { vaultId: holder.vaultId }), 409)
    const status = await device.status()
    assert.equal(status.status, 'waiting')
    assert.equal(status.host_share, undefined)
    const early = await ctx.send('POST', `/recoveries/${device.recoveryId}/complete`, {
      key: device.device.signing,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rotationBody(holder.keyEpoch + 1, worker.client_id)),
    })
    await assertProblem(early, 'conflict')
    await holder.cancelRecovery(device.recoveryId)
  })

  it('[REC-HOST-02][REC-HOST-06] a cancelled recovery never completes; another device key learns nothing of it', async () => {
    const fresh = await ctx.newHolder()
    await fresh.setUpRecovery(worker)
    const { device, recovery } = await RecoveringDevice.start(ctx.baseUrl, { vaultId: fresh.vaultId })
    await fresh.cancelRecovery(device.recoveryId)
    assert.equal((await device.status()).status, 'cancelled')
    const late = await ctx.send('POST', `/recoveries/${device.recoveryId}/complete`, {
      key: device.device.signing,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rotationBody(fresh.keyEpoch + 1, worker.client_id)),
    })
    await assertProblem(late, 'conflict')
    const stranger = RecoveringDevice.resume(ctx.baseUrl, generateDeviceKeys(), recovery)
    await expectApiError(stranger.status(), 404)
  })

  it('[REC-WORKER-03] the named key worker hears of a waiting recovery; a request under another key, for another host or stale, is refused', async () => {
    const fresh = await ctx.newHolder()
    await fresh.setUpRecovery(worker)
    const { recovery } = await RecoveringDevice.start(ctx.baseUrl, { vaultId: fresh.vaultId })
    const listed = await workerRecoveries(ctx.baseUrl, probation())
    const mine = listed.find((r) => r.recovery_id === recovery.recovery_id)
    assert.equal(mine?.vault_id, fresh.vaultId)
    assert.equal(mine?.ready_at, recovery.ready_at)
    const ask = (claims: Record<string, unknown>, key = probation().keys.signing.secretKey) =>
      ctx.send('POST', '/worker/recoveries', {
        key: probation().keys.signing,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          request: signCompactJws({ typ: 'recovery-notices+jwt', alg: 'EdDSA' }, claims, key),
        }),
      })
    const now = Math.floor(Date.now() / 1000)
    const claims = { iss: probation().clientId, aud: `${ctx.baseUrl}/worker/recoveries`, iat: now, jti: b64(16) }
    await assertProblem(await ask(claims, generateDeviceKeys().signing.secretKey), 'signature_invalid')
    await assertProblem(await ask({ ...claims, aud: 'https://another-host.example/worker/recoveries' }), 'forbidden')
    await assertProblem(await ask({ ...claims, iat: now - 3600 }), 'forbidden')
    await fresh.cancelRecovery(recovery.recovery_id)
  })

  it("[REC-HOST-03][REC-HOST-05] the key worker's share is taken once; a release for another vault, or a host share of another vault, is refused", async () => {
    const fresh = await ctx.newHolder()
    await fresh.setUpRecovery(worker)
    const { device } = await RecoveringDevice.start(ctx.baseUrl, { vaultId: fresh.vaultId })
    const request = await device.workerRequest()
    await releaseWorkerShare(ctx.baseUrl, probation(), request, ['staff-1', 'staff-2'])
    await expectApiError(releaseWorkerShare(ctx.baseUrl, probation(), request, ['staff-1', 'staff-2']), 409)
    // Signed by the organisation, but naming another vault than the recovery's.
    const forged = signCompactJws(
      { typ: 'recovery-release+jwt', alg: 'EdDSA' },
      {
        iss: probation().clientId,
        recovery_id: request.recovery_id,
        vault_id: holder.vaultId,
        device_id: request.device_id,
        share_wrap: b64(103),
        approvers: ['staff-1', 'staff-2'],
        iat: Math.floor(Date.now() / 1000),
      },
      probation().keys.signing.secretKey,
    )
    const refused = await fetch(ctx.url(`/recoveries/${request.recovery_id}/worker-share`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ release: forged }),
    })
    await assertProblem(refused, 'forbidden')
    await fresh.cancelRecovery(device.recoveryId)
    // A set-up whose host share names another vault.
    const other = await ctx.newHolder()
    const token = await ctx.accessToken(other)
    const body = rotationBody(1, worker.client_id)
    const setUp = await ctx.send('PUT', `/vaults/${other.vaultId}/recovery`, {
      key: other.deviceKeys.signing,
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ setup: body.recovery, device_chain_entry: b64(214) }),
    })
    await assertProblem(setUp, 'invalid_request')
  })
})
