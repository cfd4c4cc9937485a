import { HolderClient, IssuerClient } from '@holdall/client'
import { afterAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * A service's machine is a clock the protocol does not own either. Its client assertions
 * (RFC 7523) and DPoP proofs carry the host's time, learned from the host's answers, so a
 * service an hour out from the host still asks, is granted and deposits, while the host keeps its
 * 5 s tolerance. Here the host runs its own clock an hour away from this machine's (the service's).
 */
describe('a service whose clock disagrees with the host by an hour', () => {
  const hosts: Host[] = []
  afterAll(async () => Promise.all(hosts.map((host) => host.close())))

  for (const offsetMinutes of [-60, 60]) {
    it(`asks, is granted and deposits when the host's clock is ${offsetMinutes} minutes from the service's`, async () => {
      const host = await startHost({}, { app: { clock: () => Date.now() + offsetMinutes * 60_000 } })
      hosts.push(host)
      const holder = await HolderClient.createVault(host.url)
      const issuer = new IssuerClient(host.url, host.orgs.prisonHealthcare.identity)
      const pairing = await holder.createPairingCode()
      const { authReqId } = await issuer.requestAccess({
        pairingCode: pairing.qr,
        bindingMessage: 'HMP Leeds 4821',
        details: [
          {
            type: 'holdall_records',
            actions: ['deposit'],
            record_types: ['medication_list'],
            purpose: 'Medicines on release',
            duration_days: 2,
          },
        ],
      })
      await holder.approve((await holder.waitForRequest(5000))[0] as never, host.trust)
      await issuer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
      await issuer.deposit('medication_list', medicationList(), 'Medicines on release')
      expect(await holder.inbox()).toHaveLength(1)
    })
  }
})
