import { base64urlDecode, isHoldallCryptoError, parseRecoveryShare } from '@holdall/crypto'
import {
  type RecoverySetup,
  rotateEpochSchema,
  rotationPlanSchema,
  vaultPathSchema,
  vaultSchema,
} from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, route } from '../http/route.js'
import { checkRotation } from '../rules/rotation.js'
import { closeStreamsOfDevice } from '../services/stream-slots.js'
import { rotationPlanView, vaultView } from '../wire/views.js'

/** Epoch rotations (spec 9.2): remove a device, sign out everywhere; a recovery's completion uses the same. */
export function registerRotationRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId/rotation',
    auth: 'holder',
    tag: 'holder',
    summary: 'What a rotation to the next epoch must re-wrap and re-sign',
    schema: { params: vaultPathSchema, response: { 200: rotationPlanSchema } },
    handler: async (_request, reply, principal) => {
      reply.header('cache-control', 'no-store')
      return rotationPlanView(await ctx.repos.rotations.plan(principal.vaultId))
    },
  })
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/rotations',
    auth: 'holder',
    tag: 'holder',
    summary: 'Move the vault to the next epoch, removing devices (signed device chain entries)',
    schema: { params: vaultPathSchema, body: rotateEpochSchema, response: { 200: vaultSchema } },
    async handler(request, _reply, principal) {
      const { vaultId, deviceId } = principal
      const body = request.body
      const vault = await ctx.repos.vaults.find(vaultId)
      if (vault === undefined) throw new HttpProblem('not_found', 'no such vault')
      // Checked again under the vault's lock (rules/rotation.ts); first here, before anything else.
      if (body.epoch !== vault.key_epoch + 1)
        throw new HttpProblem('conflict', `the vault is at epoch ${vault.key_epoch}: a rotation goes to the next one`)
      checkHostShare(vaultId, body.epoch, body.recovery)
      const removed = await ctx.repos.rotations.rotate(
        vaultId,
        deviceId,
        body,
        (epoch) => sealHostShare(ctx, vaultId, epoch, body.recovery),
        (state) => checkRotation({ ...state, signerId: deviceId, isListedWorker: listedWorker(ctx) }, body),
      )
      afterRotation(ctx, vaultId, removed)
      return vaultView(await ctx.repos.vaults.deviceView(vaultId, deviceId), ctx.config.vaultQuotaBytes)
    },
  })
}

/** After a rotation commits: the removed devices' streams end, the others hear of it. */
export function afterRotation(ctx: AppContext, vaultId: string, removed: readonly string[]): void {
  // One notice per removed device, on every instance: its own streams end, the others are told.
  for (const id of removed) closeStreamsOfDevice(ctx.notifier, vaultId, id)
}

export function listedWorker(ctx: AppContext): (clientId: string) => boolean {
  return (clientId) => ctx.trustList?.find(clientId) !== undefined
}

/** The host's share must be a host share of this vault and epoch (REC-HOST-02). */
export function checkHostShare(vaultId: string, epoch: number, setup: RecoverySetup): void {
  try {
    const share = parseRecoveryShare(base64urlDecode(setup.host_share), { vaultId: base64urlDecode(vaultId), epoch })
    if (share.holder !== 'host') throw new Error('not the host share')
  } catch (error) {
    if (error instanceof Error && !isHoldallCryptoError(error) && error.message !== 'not the host share') throw error
    throw new HttpProblem('invalid_request', "the host's share is not a host share of this vault and epoch")
  }
}

export function sealHostShare(ctx: AppContext, vaultId: string, epoch: number, setup: RecoverySetup): string {
  return ctx.escrow.seal(base64urlDecode(setup.host_share), { vaultId, epoch })
}
