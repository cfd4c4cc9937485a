import {
  HolderClient,
  type HolderPinStore,
  type HolderTrust,
  IssuerClient,
  MemoryHolderPinStore,
  ServiceClient,
  type ServiceIdentity,
  type TrustedOrganisations,
} from '@holdall/client'
import { expect } from 'vitest'
import { licenceConditions, medicationList } from '../fixtures.js'

/*
 * A vault worth moving (spec chapter 12): prison healthcare deposited the medication list (the
 * holder accepted it), the holder wrote their licence conditions, and Riverside Surgery holds a
 * live grant to read medicines, having read them once. Used by the in-process and the
 * two-process migration tests alike.
 */
export interface MoveWorld {
  readonly holder: HolderClient
  readonly gp: ServiceClient
  readonly issuer: IssuerClient
  /** The holder device's pins (a wallet keeps them sealed on the phone). */
  readonly pins: HolderPinStore
}

export async function vaultWithLiveGrant(options: {
  url: string
  gp: ServiceIdentity
  issuer: ServiceIdentity
  trust: HolderTrust
  trusted: TrustedOrganisations
  /** The fetch the GP's and the issuer's clients use (a test records where they went). */
  serviceFetch?: typeof fetch
}): Promise<MoveWorld> {
  const pins = new MemoryHolderPinStore()
  const holder = await HolderClient.createVault(options.url, fetch, { pins })
  const issuer = new IssuerClient(options.url, options.issuer, options.serviceFetch)
  await pair(holder, issuer, options.trust, ['deposit'], 'HMP Leeds 4821')
  await issuer.deposit('medication_list', medicationList(), 'Medicines on release')
  const [deposit] = await holder.inbox()
  await holder.acceptDeposit(deposit as NonNullable<typeof deposit>, options.trust)
  await holder.putRecord('licence_conditions', licenceConditions(), 'Licence conditions')
  const gp = new ServiceClient(options.url, options.gp, options.serviceFetch)
  await pair(holder, gp, options.trust, ['read'], 'Riverside 2231')
  const records = await gp.records()
  expect(records.map((r) => r.record_type)).toEqual(['medication_list'])
  await gp.readRecord(records[0] as NonNullable<(typeof records)[0]>, options.trusted)
  return { holder, gp, issuer, pins }
}

async function pair(
  holder: HolderClient,
  service: ServiceClient,
  trust: HolderTrust,
  actions: ('read' | 'deposit')[],
  bindingMessage: string,
): Promise<void> {
  const { qr } = await holder.createPairingCode()
  const { authReqId } = await service.requestAccess({
    pairingCode: qr,
    bindingMessage,
    details: [
      {
        type: 'holdall_records',
        actions,
        record_types: ['medication_list'],
        purpose: 'Continue your repeat prescription',
        duration_days: 30,
      },
    ],
  })
  const request = (await holder.pendingRequests()).find((r) => r.binding_message === bindingMessage)
  await holder.approve(request as NonNullable<typeof request>, trust)
  await service.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
}

/** The GP reads the medication list (through whatever host its client now uses). */
export async function gpReadsMedicines(world: MoveWorld, trusted: TrustedOrganisations): Promise<string> {
  const records = await world.gp.records()
  expect(records.map((r) => r.record_type)).toEqual(['medication_list'])
  const opened = await world.gp.readRecord(records[0] as NonNullable<(typeof records)[0]>, trusted)
  const payload = opened.payload
  return payload.recordType === 'medication_list' ? (payload.medicines[0]?.medication.display ?? '') : ''
}
