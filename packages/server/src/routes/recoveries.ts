import { createHash, timingSafeEqual } from 'node:crypto'
import { base64urlDecode, base64urlEncode, wrapRecoveryShare } from '@holdall/crypto'
import {
  emptyBodySchema,
  putRecoverySetupSchema,
  RECOVERY_KIT_WAIT_MS,
  RECOVERY_WAIT_MS,
  recoveryPathSchema,
  recoverySchema,
  rotateEpochSchema,
  rotationPlanSchema,
  startRecoverySchema,
  vaultPathSchema,
  vaultRecoveryListSchema,
  vaultRecoveryPathSchema,
  vaultRecoverySchema,
  vaultSchema,
  workerReleaseSchema,
} from '@holdall/protocol'
import { calculateJwkThumbprint } from 'jose'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, noContent, route } from '../http/route.js'
import { checkMemberAddition, checkWorkerRelease } from '../rules/recovery.js'
import { checkRotation } from '../rules/rotation.js'
import { recoveryView, rotationPlanView, vaultRecoveryView, vaultView } from '../wire/views.js'
import { afterRotation, checkHostShare, listedWorker, sealHostShare } from './rotations.js'

/** Recovery attempts per vault per day, and per address per hour (REC-START-03, attack case 31). */
const STARTS_PER_VAULT_PER_DAY = 3
const STARTS_PER_ADDRESS_PER_HOUR = 10

/** Recovery (spec 9.4-9.6): set-up, start, the waiting period, the key worker's release, cancel, completion. */
export function registerRecoveryRoutes(app: App, ctx: AppContext): void {
  putSetup(app, ctx)
  listRecoveries(app, ctx)
  cancelRecovery(app, ctx)
  startRecovery(app, ctx)
  readRecovery(app, ctx)
  releaseWorkerShare(app, ctx)
  recoveryRotationPlan(app, ctx)
  completeRecovery(app, ctx)
}

function putSetup(app: App, ctx: AppContext): void {
  route(app, {
    method: 'PUT',
    url: '/vaults/:vaultId/recovery',
    auth: 'holder',
    tag: 'holder',
    summary: "Set recovery up at the vault's epoch: shares, check value, the recovery member's chain entry",
    schema: { params: vaultPathSchema, body: putRecoverySetupSchema, response: { 204: noContent } },
    async handler(request, reply, principal) {
      const { vaultId, deviceId } = principal
      const { setup, device_chain_entry } = request.body
      const vault = await ctx.repos.vaults.find(vaultId)
      const signer = await ctx.repos.vaults.device(deviceId)
      if (vault === undefined || signer === undefined) throw new HttpProblem('not_found', 'no such vault')
      checkHostShare(vaultId, vault.key_epoch, setup)
      if (!listedWorker(ctx)(setup.worker.client_id))
        throw new HttpProblem('forbidden', 'the key worker organisation is not on the trust list')
      await ctx.repos.rotations.putSetup(
        vaultId,
        deviceId,
        setup,
        sealHostShare(ctx, vaultId, vault.key_epoch, setup),
        (existing) => checkMemberAddition(vaultId, existing, device_chain_entry, setup, signer.signing_jwk),
      )
      return reply.code(204).send(null)
    },
  })
}

function listRecoveries(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/recoveries',
    auth: 'holder',
    tag: 'holder',
    summary: 'Recoveries of this vault: a device warns the holder and offers to cancel',
    schema: { params: vaultPathSchema, response: { 200: vaultRecoveryListSchema } },
    handler: async (_request, _reply, principal) => {
      const now = ctx.clock()
      return {
        recoveries: (await ctx.repos.recoveries.ofVault(principal.vaultId)).map((r) => vaultRecoveryView(r, now)),
      }
    },
  })
}

function cancelRecovery(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/recoveries/:recoveryId/cancel',
    auth: 'holder',
    tag: 'holder',
    summary: 'Cancel a waiting recovery (from any device of the vault)',
    schema: { params: vaultRecoveryPathSchema, body: emptyBodySchema, response: { 200: vaultRecoverySchema } },
    async handler(request, _reply, principal) {
      const { recoveryId } = request.params
      if (!(await ctx.repos.recoveries.cancel(principal.vaultId, recoveryId, principal.deviceId)))
        throw new HttpProblem('conflict', 'no recovery by that id is waiting')
      const row = await ctx.repos.recoveries.find(recoveryId)
      if (row === undefined) throw new HttpProblem('not_found', 'no such recovery')
      ctx.notifier.publish(principal.vaultId, { type: 'recovery', id: recoveryId })
      return vaultRecoveryView(row, ctx.clock())
    },
  })
}

function startRecovery(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/recoveries',
    auth: 'new-device',
    tag: 'recovery',
    summary: 'A new device asks to recover a vault (DPoP proof by its key); the waiting period starts',
    schema: { body: startRecoverySchema, response: { 201: recoverySchema } },
    async handler(request, reply, principal) {
      const body = request.body
      const deviceId = await calculateJwkThumbprint(body.device.signing, 'sha256')
      if (principal.jkt !== deviceId) throw new HttpProblem('unauthorized', 'the DPoP key must be the new device key')
      const now = ctx.clock()
      const perAddress = await ctx.counter.hit(`recovery-start-ip:${request.ip}`, 3_600_000)
      const perVault = await ctx.counter.hit(`recovery-start:${body.vault_id}`, 86_400_000)
      const factor = ctx.config.rateLimitFactor ?? 1
      if (perAddress.count > STARTS_PER_ADDRESS_PER_HOUR * factor || perVault.count > STARTS_PER_VAULT_PER_DAY * factor)
        throw new HttpProblem('rate_limited', 'too many recoveries asked for: try again later', {
          headers: { 'retry-after': String(Math.ceil((Math.max(perAddress.resetAt, perVault.resetAt) - now) / 1000)) },
        })
      const vault = await ctx.repos.vaults.find(body.vault_id)
      const setup = await ctx.repos.recoveries.setup(body.vault_id)
      if (vault === undefined || setup === undefined || setup.key_epoch !== vault.key_epoch)
        throw new HttpProblem('not_found', 'no such vault, or it has no recovery set up')
      if ((await ctx.repos.vaults.device(deviceId)) !== undefined)
        throw new HttpProblem('conflict', 'this device key is already known to the host')
      let withKit = false
      if (body.kit_proof !== undefined) {
        const got = createHash('sha256').update(base64urlDecode(body.kit_proof)).digest()
        if (!timingSafeEqual(got, Buffer.from(base64urlDecode(setup.kit_proof_hash))))
          throw new HttpProblem('forbidden', 'the recovery kit does not belong to this vault, or is an old one')
        withKit = true
      }
      const wait = withKit
        ? (ctx.config.recoveryKitWaitMs ?? RECOVERY_KIT_WAIT_MS)
        : (ctx.config.recoveryWaitMs ?? RECOVERY_WAIT_MS)
      const row = {
        id: base64urlEncode(crypto.getRandomValues(new Uint8Array(16))),
        vault_id: body.vault_id,
        key_epoch: vault.key_epoch,
        status: 'waiting' as const,
        device_id: deviceId,
        device_signing_jwk: JSON.stringify(body.device.signing),
        device_agreement_jwk: JSON.stringify(body.device.agreement),
        with_kit: withKit ? 1 : 0,
        started_at: now,
        ready_at: now + wait,
        worker_share: null,
        worker_release: null,
        worker_released_at: null,
        host_released_at: null,
        ended_at: null,
      }
      await ctx.repos.recoveries.start(row)
      ctx.notifier.publish(body.vault_id, { type: 'recovery', id: row.id })
      const chain = await ctx.repos.vaults.deviceChain(body.vault_id)
      return reply.code(201).send(recoveryView(row, setup, chain, now, undefined))
    },
  })
}

function readRecovery(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/recoveries/:recoveryId',
    auth: 'new-device',
    tag: 'recovery',
    summary: "The recovery as its device sees it; once ready, the shares sealed to that device's key only",
    schema: { params: recoveryPathSchema, response: { 200: recoverySchema } },
    async handler(request, reply, principal) {
      const { row, setup } = await ownRecovery(ctx, request.params.recoveryId, principal.jkt)
      const now = ctx.clock()
      let hostShare: string | undefined
      if (row.status === 'waiting' && now >= row.ready_at) {
        const share = ctx.escrow.open(setup.host_share_sealed, { vaultId: row.vault_id, epoch: setup.key_epoch })
        const agreement = base64urlDecode((JSON.parse(row.device_agreement_jwk) as { x: string }).x)
        hostShare = base64urlEncode(
          await wrapRecoveryShare(share, agreement, {
            vaultId: base64urlDecode(row.vault_id),
            recoveryId: base64urlDecode(row.id),
          }),
        )
        await ctx.repos.recoveries.markHostShareReleased(row)
      }
      reply.header('cache-control', 'no-store')
      return recoveryView(row, setup, await ctx.repos.vaults.deviceChain(row.vault_id), now, hostShare)
    },
  })
}

function releaseWorkerShare(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/recoveries/:recoveryId/worker-share',
    auth: 'public',
    tag: 'recovery',
    summary: "The key worker's release of share 2, sealed to the recovering device, signed by the organisation",
    schema: { params: recoveryPathSchema, body: workerReleaseSchema, response: { 204: noContent } },
    async handler(request, reply) {
      const row = await ctx.repos.recoveries.find(request.params.recoveryId)
      const setup = row === undefined ? undefined : await ctx.repos.recoveries.setup(row.vault_id)
      if (row === undefined || setup === undefined) throw new HttpProblem('not_found', 'no such recovery')
      const entry = ctx.trustList?.find(setup.worker_client_id)
      if (entry === undefined)
        throw new HttpProblem('forbidden', 'the key worker organisation is not on the trust list')
      const claims = await checkWorkerRelease(request.body.release, entry.signing_key, row, setup.worker_client_id)
      await ctx.repos.recoveries.releaseWorkerShare(
        row,
        claims.share_wrap,
        request.body.release,
        setup.worker_client_id,
        claims.approvers,
      )
      return reply.code(204).send(null)
    },
  })
}

function completeRecovery(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/recoveries/:recoveryId/complete',
    auth: 'new-device',
    tag: 'recovery',
    summary: 'Complete a ready recovery: the device joins, every other is removed, the vault moves to a new epoch',
    schema: { params: recoveryPathSchema, body: rotateEpochSchema, response: { 200: vaultSchema } },
    async handler(request, _reply, principal) {
      const { row } = await ownRecovery(ctx, request.params.recoveryId, principal.jkt)
      // Checked again under the vault's lock; here first, so an early or cancelled one is 409 whatever its body.
      if (row.status !== 'waiting' || ctx.clock() < row.ready_at)
        throw new HttpProblem('conflict', 'the recovery is not ready, or was cancelled or completed')
      const body = request.body
      const vaultId = row.vault_id
      checkHostShare(vaultId, body.epoch, body.recovery)
      const removed = await ctx.repos.rotations.rotate(
        vaultId,
        row.device_id,
        body,
        (epoch) => sealHostShare(ctx, vaultId, epoch, body.recovery),
        (state) => checkRotation({ ...state, signerId: row.device_id, isListedWorker: listedWorker(ctx) }, body),
        {
          id: row.device_id,
          signingJwk: row.device_signing_jwk,
          agreementJwk: row.device_agreement_jwk,
          recoveryId: row.id,
        },
      )
      afterRotation(ctx, vaultId, removed)
      return vaultView(await ctx.repos.vaults.deviceView(vaultId, row.device_id), ctx.config.vaultQuotaBytes)
    },
  })
}

function recoveryRotationPlan(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/recoveries/:recoveryId/rotation',
    auth: 'new-device',
    tag: 'recovery',
    summary: 'Once ready: what the recovering device must re-wrap and re-sign to complete',
    schema: { params: recoveryPathSchema, response: { 200: rotationPlanSchema } },
    async handler(request, reply, principal) {
      const { row } = await ownRecovery(ctx, request.params.recoveryId, principal.jkt)
      if (row.status !== 'waiting' || ctx.clock() < row.ready_at)
        throw new HttpProblem('conflict', 'the recovery is not ready, or was cancelled or completed')
      reply.header('cache-control', 'no-store')
      return rotationPlanView(await ctx.repos.rotations.plan(row.vault_id))
    },
  })
}

/** The recovery, if this DPoP key is the device it was started for; otherwise as if none (case 33). */
async function ownRecovery(ctx: AppContext, recoveryId: string, jkt: string) {
  const row = await ctx.repos.recoveries.find(recoveryId)
  const setup = row === undefined ? undefined : await ctx.repos.recoveries.setup(row.vault_id)
  if (row === undefined || setup === undefined || row.device_id !== jkt)
    throw new HttpProblem('not_found', 'no such recovery for this device')
  return { row, setup }
}
