import { Writable } from 'node:stream'
import { HolderClient, IssuerClient, ServiceClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/**
 * Every secret that crossed the wire in a journey: header values that authenticate, token
 * responses, pairing codes, wraps, receipts, and the record content itself.
 */
const SECRET_NAMES = /token|code|wrap|receipt|assertion|manifest|statement|binding_message|login_hint/

function secretsRecorder() {
  const secrets = new Set<string>()
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 8) secrets.add(value)
  }
  const collect = (json: unknown) => {
    if (json === null || typeof json !== 'object') return
    for (const [name, value] of Object.entries(json)) {
      if (SECRET_NAMES.test(name)) add(value)
      collect(value)
    }
  }
  const recordingFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers)
    add(headers.get('dpop'))
    add(headers.get('authorization')?.replace(/^\w+ /, ''))
    if (typeof init?.body === 'string') {
      // Form parameters that authenticate (auth_req_id is an identifier the holder's URLs carry too).
      for (const [name, value] of new URLSearchParams(init.body)) if (SECRET_NAMES.test(name)) add(value)
      try {
        collect(JSON.parse(init.body))
      } catch {}
    }
    const response = await fetch(input, init)
    if ((response.headers.get('content-type') ?? '').includes('json')) collect(await response.clone().json())
    return response
  }
  return { secrets, recordingFetch }
}

describe('[API-ERR-02][SEC-LOG-01] the log of a whole journey holds no secret and no record content', () => {
  let host: Host
  const lines: string[] = []
  const recorder = secretsRecorder()

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    host = await startHost({}, { app: { logger: true, logStream } })
  })
  afterAll(async () => host?.close())

  it('runs deposit, pairing, approval, reading and revocation with logging on', async () => {
    const { recordingFetch } = recorder
    const holder = await HolderClient.createVault(host.url, recordingFetch)
    const issuer = new IssuerClient(host.url, host.orgs.prisonHealthcare.identity, recordingFetch)
    const pairing = await holder.createPairingCode()
    recorder.secrets.add(pairing.code)
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
    const [deposit] = await holder.inbox()
    await holder.acceptDeposit(deposit as never, host.trust)

    const gp = new ServiceClient(host.url, host.orgs.gp.identity, recordingFetch)
    const second = await holder.createPairingCode()
    recorder.secrets.add(second.code)
    const asked = await gp.requestAccess({
      pairingCode: second.qr,
      bindingMessage: 'Riverside 5150',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 30,
        },
      ],
    })
    const grant = await holder.approve((await holder.waitForRequest(5000))[0] as never, host.trust, {
      durationDays: 14,
    })
    await gp.waitForDecision(asked.authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const [view] = await gp.records()
    const opened = await gp.readRecord(view as never, host.trusted)
    await gp.refresh()
    await holder.revoke(grant.grant_id)
    await expect(gp.records()).rejects.toMatchObject({ status: 401 })
    // The content of the record, in plain text, is a secret too.
    for (const text of JSON.stringify(opened.payload).match(/"[^"]{8,}"/g) ?? [])
      recorder.secrets.add(text.slice(1, -1))
  })

  it('the log has a line for every request, and none of the secrets or content', () => {
    const log = lines.join('')
    expect(lines.length).toBeGreaterThan(40)
    expect(log).toContain('"url":"/oauth/token"')
    expect(recorder.secrets.size).toBeGreaterThan(30)
    const found = [...recorder.secrets].filter(
      (secret) =>
        log.includes(secret) &&
        !/^(read|deposit|medication_list|Medicines on release|Repeat prescription)$/.test(secret),
    )
    expect(found).toEqual([])
  })
})
