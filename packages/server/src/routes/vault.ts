import { base64urlDecode, verifyDeviceWrapStatement, verifyInboxKeyStatement } from '@holdall/crypto'
import {
  createVaultSchema,
  enrolDeviceSchema,
  enrolledDeviceSchema,
  vaultPathSchema,
  vaultSchema,
} from '@holdall/protocol'
import { calculateJwkThumbprint } from 'jose'
import { DPOP_ALGS } from '../auth/dpop.js'
import type { AppContext } from '../context.js'
import { isUniqueViolation } from '../db/constraint-errors.js'
import { HttpProblem } from '../errors.js'
import { registeredDeviceId } from '../http/authenticate.js'
import { type App, route } from '../http/route.js'
import { checkChainAddition } from '../rules/device-chain.js'
import { vaultView } from '../wire/views.js'

/** A vault and its holder devices (spec 5.5). */
export function registerVaultRoutes(app: App, ctx: AppContext): void {
  createVault(app, ctx)
  readVault(app, ctx)
  enrolDevice(app, ctx)
}

function createVault(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults',
    auth: 'new-device',
    tag: 'holder',
    summary: 'Create a vault from a device key (DPoP proof by that key)',
    schema: { body: createVaultSchema, response: { 200: vaultSchema, 201: vaultSchema } },
    async handler(request, reply, principal) {
      const body = request.body
      const deviceId = await registeredDeviceId(body)
      if (principal.jkt !== deviceId) {
        throw new HttpProblem('unauthorized', 'the DPoP key must be the device signing key', {
          headers: { 'www-authenticate': `DPoP error="invalid_dpop_proof", ${DPOP_ALGS}` },
        })
      }
      // [API-VAULT-04] The inbox key issuers will encrypt to must be vouched for by this device.
      try {
        verifyInboxKeyStatement(
          { vaultId: base64urlDecode(body.vault_id), epoch: 0, inboxPublicKey: base64urlDecode(body.inbox_key.x) },
          base64urlDecode(body.inbox_statement),
          base64urlDecode(body.device.signing.x),
        )
      } catch {
        throw new HttpProblem('signature_invalid', 'the inbox key statement is not signed by this device')
      }
      const existing = await ctx.repos.vaults.device(deviceId)
      if (existing !== undefined) {
        if (existing.vault_id === body.vault_id) return reply.code(200).send(await view(ctx, body.vault_id, deviceId))
        throw new HttpProblem('conflict', 'this device already belongs to a vault')
      }
      try {
        // Entry 0 of the device chain: this very device adding itself (spec 3.8.1).
        await ctx.repos.vaults.create(body, deviceId, (existing) =>
          checkChainAddition(body.vault_id, existing, body.device_chain_entry, {
            subjectSigningKey: base64urlDecode(body.device.signing.x),
            subjectAgreementKey: base64urlDecode(body.device.agreement.x),
          }),
        )
      } catch (error) {
        if (isUniqueViolation(error)) throw new HttpProblem('conflict', 'a vault with this id exists')
        throw error
      }
      return reply.code(201).send(await view(ctx, body.vault_id, deviceId))
    },
  })
}

function readVault(app: App, ctx: AppContext): void {
  route(app, {
    method: 'GET',
    url: '/vaults/:vaultId',
    auth: 'holder',
    tag: 'holder',
    summary: "This device's view of its vault",
    schema: { params: vaultPathSchema, response: { 200: vaultSchema } },
    handler: async (_request, _reply, principal) => view(ctx, principal.vaultId, principal.deviceId),
  })
}

function enrolDevice(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/vaults/:vaultId/devices',
    auth: 'holder',
    tag: 'holder',
    summary: 'Enrol another device: its keys, the VRK wrapped to it, and a device wrap statement by this device',
    schema: {
      params: vaultPathSchema,
      body: enrolDeviceSchema,
      response: { 200: enrolledDeviceSchema, 201: enrolledDeviceSchema },
    },
    async handler(request, reply, principal) {
      const { vaultId, deviceId } = principal
      const body = request.body
      const vault = await ctx.repos.vaults.find(vaultId)
      const signer = await ctx.repos.vaults.device(deviceId)
      if (vault === undefined || signer === undefined) throw new HttpProblem('not_found', 'no such vault')
      const newId = await calculateJwkThumbprint(body.device.signing, 'sha256')
      // The host checks the statement too, so a device cannot enrol another in someone else's name.
      try {
        verifyDeviceWrapStatement(
          {
            vaultId: base64urlDecode(vaultId),
            epoch: vault.key_epoch,
            recipientDeviceKeyId: base64urlDecode(newId),
            wrap: base64urlDecode(body.vrk_wrap),
          },
          base64urlDecode(body.wrap_statement),
          base64urlDecode(JSON.parse(signer.signing_jwk).x),
        )
      } catch {
        throw new HttpProblem('signature_invalid', 'the device wrap statement does not verify under this device')
      }
      const existing = await ctx.repos.vaults.device(newId)
      if (existing !== undefined) {
        if (existing.vault_id === vaultId && existing.vrk_wrap === body.vrk_wrap)
          return reply.code(200).send({ device_id: newId })
        throw new HttpProblem('conflict', 'this device is already enrolled')
      }
      const device = {
        id: newId,
        signing: body.device.signing,
        agreement: body.device.agreement,
        vrkWrap: body.vrk_wrap,
        wrapStatement: body.wrap_statement,
      }
      // The addition must extend the vault's chain, signed by the enrolling device (spec 3.8.1).
      await ctx.repos.vaults.enrol(vaultId, vault.key_epoch, deviceId, device, (existing) =>
        checkChainAddition(vaultId, existing, body.device_chain_entry, {
          subjectSigningKey: base64urlDecode(body.device.signing.x),
          subjectAgreementKey: base64urlDecode(body.device.agreement.x),
          signerKey: base64urlDecode(JSON.parse(signer.signing_jwk).x),
        }),
      )
      return reply.code(201).send({ device_id: newId })
    },
  })
}

async function view(ctx: AppContext, vaultId: string, deviceId: string) {
  return vaultView(await ctx.repos.vaults.deviceView(vaultId, deviceId), ctx.config.vaultQuotaBytes)
}
