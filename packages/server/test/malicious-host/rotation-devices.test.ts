import { HolderClient, type TrustedOrganisation } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Host, startHost } from '../harness.js'
import { Operator } from './operator-devices.js'

/*
 * The host's operator adds a phone of its own to the host's device list (a devices row, no chain
 * entry), hoping the holder's next rotation wraps the new vault key to it. The holder's phones
 * come from the holder-signed chain only (spec 9.2, DEV-ROT-05): the operator's phone is not
 * listed, and no rotation the holder sends carries a wrap for it.
 */
describe('malicious host: a phone in the host’s list that is not in the chain', () => {
  let host: Host
  let worker: TrustedOrganisation
  beforeAll(async () => {
    host = await startHost()
    worker = host.trusted.byClientId(host.orgs.probation.identity.clientId) as TrustedOrganisation
  })
  afterAll(async () => host?.close())

  it('[DEV-ROT-05] is never listed as the holder’s phone and never gets the new vault key', async () => {
    const sent: { device_wraps?: { device_id: string }[] }[] = []
    const watching: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      if (url.endsWith('/rotations') && typeof init?.body === 'string') sent.push(JSON.parse(init.body))
      return fetch(input, init)
    }
    const phone = await HolderClient.createVault(host.url, watching)
    await phone.setUpRecovery(worker)
    const operator = new Operator(host)
    await operator.addDeviceRow(phone.vaultId)

    const phones = await phone.phones()
    expect(phones.map((p) => p.deviceId)).toEqual([phone.deviceId])
    expect(phones[0]?.thisDevice).toBe(true)

    // Sign out everywhere removes nobody (the chain has no other phone), and wraps the new key to
    // this phone alone. The honest host code refuses it (its list and the chain differ): the point
    // is what the holder sent, which the operator reads.
    await phone.signOutEverywhere(worker).catch(() => undefined)
    expect(sent.length).toBeGreaterThan(0)
    for (const body of sent) expect(body.device_wraps?.map((w) => w.device_id)).toEqual([phone.deviceId])
    expect(JSON.stringify(sent)).not.toContain(operator.keyId)
  }, 60_000)
})
