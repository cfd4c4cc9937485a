import { checkGrant, checkLogActor, checkRequester, HolderClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { ask, claimCategory } from './operator-keys.js'

/*
 * Attack 4 (second half): an unlisted service takes a listed organisation's exact name
 * ("Riverside Surgery"). Whether a name was checked is computed by the holder's own client, from
 * its pinned trust list and the receipt it signed, on every screen that shows the name: requests,
 * grants ("who can see my things"), the log. The operator's rows cannot make it read as checked.
 */
describe('malicious host: an unchecked name borrowed from a listed organisation', () => {
  let host: Host
  let holder: HolderClient
  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
  })
  afterAll(async () => host?.close())
  const device = () => ({ deviceId: holder.deviceId, signingPublicKey: holder.deviceKeys.signing.publicKey })

  it('[TRUST-NAME-01] the impostor is not checked on the request, even when the operator marks it verified', async () => {
    const impostor = host.service(host.orgs.impostor)
    const { request } = await ask(holder, impostor, ['medication_list'], 'Riverside 4001')
    expect(request.client_name).toBe('Riverside Surgery')
    expect(checkRequester(request, host.trusted)).toEqual({ name: 'Riverside Surgery', checked: false })
    await claimCategory(host, request.request_id, 'gp_surgery')
    const [dressed] = await holder.pendingRequests()
    expect(dressed?.verified).toBe(true) // the host's flag says so
    expect(checkRequester(dressed as NonNullable<typeof dressed>, host.trusted).checked).toBe(false)
    await holder.deny(dressed as NonNullable<typeof dressed>)
  })

  it('[TRUST-NAME-01] its grant, and the log lines naming it, are marked not checked; the real surgery is checked', async () => {
    const impostor = host.service(host.orgs.impostor)
    const fake = await ask(holder, impostor, ['medication_list'], 'Riverside 4002')
    await holder.approve(fake.request, host.trust) // an unlisted service may be shared with, marked
    await impostor.waitForDecision(fake.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const gp = host.service(host.orgs.gp)
    const real = await ask(holder, gp, ['medication_list'], 'Riverside 4003')
    await holder.approve(real.request, host.trust)
    await gp.waitForDecision(real.authReqId, { intervalMs: 50, timeoutMs: 5000 })

    const grants = await holder.grants()
    const shown = grants.map((g) => checkGrant(g, host.trusted, device()))
    const byClient = (clientId: string) => shown.find((g) => g.client_id === clientId)
    expect(byClient(host.orgs.impostor.identity.clientId)).toMatchObject({ name: 'Riverside Surgery', checked: false })
    expect(byClient(host.orgs.gp.identity.clientId)).toMatchObject({ name: 'Riverside Surgery', checked: true })

    const log = await holder.log()
    const named = log
      .map((entry) => ({ entry, actor: checkLogActor(entry, host.trusted, grants) }))
      .filter((line) => line.actor?.name === 'Riverside Surgery')
    expect(named.some((line) => line.actor?.checked === false)).toBe(true)
    for (const line of named) {
      const clientId = (line.entry.details.client_id as string | undefined) ?? line.entry.actor
      expect(line.actor?.checked).toBe(clientId === host.orgs.gp.identity.clientId)
    }
  })

  it('[TRUST-NAME-01] the operator moves the impostor grant onto the real surgery: the signed receipt says otherwise', async () => {
    const grants = await holder.grants()
    const impostorGrant = grants.find((g) => g.client_id === host.orgs.impostor.identity.clientId)
    expect(impostorGrant).toBeDefined()
    await host.db
      .updateTable('grants')
      .set({ client_id: host.orgs.gp.identity.clientId })
      .where('id', '=', impostorGrant?.grant_id ?? '')
      .execute()
    const moved = (await holder.grants()).find((g) => g.grant_id === impostorGrant?.grant_id)
    expect(moved?.client_id).toBe(host.orgs.gp.identity.clientId)
    expect(checkGrant(moved as NonNullable<typeof moved>, host.trusted, device()).checked).toBe(false)
    // A receipt the operator swapped for one this device never signed is not checked either.
    const real = grants.find((g) => g.client_id === host.orgs.gp.identity.clientId)
    const swapped = { ...(real as NonNullable<typeof real>), receipt: `${real?.receipt.slice(0, -4)}AAAA` }
    expect(checkGrant(swapped, host.trusted, device()).checked).toBe(false)
  })
})
