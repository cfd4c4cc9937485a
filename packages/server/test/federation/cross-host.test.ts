import {
  HoldallError,
  type HolderClient as Holder,
  HolderClient,
  IssuerClient,
  resolvePairing,
  ServiceClient,
} from '@holdall/client'
import { parsePairingQr } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type HostPair, type HostProcess, startHostPair } from '../support/host-processes.js'

/*
 * Issue 18, point 1: a holder on one host; an issuer or a service that knows only what the holder's
 * phone shows (the pairing QR code, or the typed code with its host number) finds the host in its
 * own pinned trust list and completes deposit, request, approval and read there. Two real host
 * processes: A (number 1) on SQLite, B (number 2) on PostgreSQL.
 */
describe('cross-host journeys', () => {
  let pair: HostPair
  beforeAll(async () => {
    pair = await startHostPair()
  }, 120_000)
  afterAll(async () => pair?.close())

  /** The issuer deposits, the holder accepts, the GP asks, the holder approves, the GP reads. */
  async function journey(holder: Holder, home: HostProcess, show: 'qr' | 'typed') {
    const shown = await holder.createPairingCode({ trusted: pair.trusted })
    const input = show === 'qr' ? shown.qr : shown.typedCode
    const root = show === 'qr' ? undefined : { safetyCode: shown.safetyCode }
    // The issuer knows no host: the code names it, its own trust list says where that is.
    const issuer = IssuerClient.forPairing(input, pair.orgs.prisonHealthcare.identity, pair.trusted)
    expect(issuer.hostUrl).toBe(home.url)
    const asked = await issuer.requestAccess({
      pairingCode: input,
      ...(root === undefined ? {} : { holderRoot: root }),
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
    const [request] = await holder.waitForRequest(10_000)
    await holder.approve(request as NonNullable<typeof request>, pair.trust)
    await issuer.waitForDecision(asked.authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    await issuer.deposit('medication_list', medicationList(), 'Medicines on release')
    const [deposit] = await holder.inbox()
    await holder.acceptDeposit(deposit as NonNullable<typeof deposit>, pair.trust)

    const again = await holder.createPairingCode({ trusted: pair.trusted })
    const gpInput = show === 'qr' ? again.qr : again.typedCode
    const gp = ServiceClient.forPairing(gpInput, pair.orgs.gp.identity, pair.trusted)
    expect(gp.hostUrl).toBe(home.url)
    const waiting = holder.waitForRequest(10_000)
    const { authReqId } = await gp.requestAccess({
      pairingCode: gpInput,
      ...(show === 'qr' ? {} : { holderRoot: { safetyCode: again.safetyCode } }),
      bindingMessage: 'Riverside 2231',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Continue your repeat prescription',
          duration_days: 14,
        },
      ],
    })
    const [gpRequest] = await waiting
    await holder.approve(gpRequest as NonNullable<typeof gpRequest>, pair.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 100, timeoutMs: 10_000 })
    const records = await gp.records()
    const opened = await gp.readRecord(records[0] as NonNullable<(typeof records)[0]>, pair.trusted)
    expect(opened.issuer).toBe('HMP Leeds Healthcare')
  }

  it('[FED-PAIR-01] the wallet puts its host number, from its own pinned list, in the QR code and the typed code', async () => {
    const onA = await HolderClient.createVault(pair.a.url)
    const onB = await HolderClient.createVault(pair.b.url)
    const shownA = await onA.createPairingCode({ trusted: pair.trusted })
    const shownB = await onB.createPairingCode({ trusted: pair.trusted })
    expect(parsePairingQr(shownA.qr)?.hostNumber).toBe(1)
    expect(parsePairingQr(shownB.qr)?.hostNumber).toBe(2)
    expect(shownB.typedCode).toMatch(/^2-[0-9A-Z]{4} [0-9A-Z]{4}$/)
    // Without a trust list the code names no host (as before federation).
    const plain = await onA.createPairingCode()
    expect(plain.hostNumber).toBeUndefined()
    expect(parsePairingQr(plain.qr)?.hostNumber).toBeUndefined()
  })

  it('[FED-PAIR-02][FED-PAIR-03] holder on A (SQLite): an issuer and a GP with only the QR code complete the journey on A', async () => {
    await journey(await HolderClient.createVault(pair.a.url), pair.a, 'qr')
  })

  it('[FED-PAIR-02][FED-PAIR-03] holder on B (PostgreSQL): the typed code "2-XXXX XXXX" and the safety code are enough', async () => {
    await journey(await HolderClient.createVault(pair.b.url), pair.b, 'typed')
  })

  it('[FED-PAIR-02] a host number the pinned list lacks is refused before anything is sent', () => {
    expect(() => resolvePairing('9-ABCD 2345', pair.trusted)).toThrowError(
      expect.objectContaining({ code: 'HOST_UNKNOWN' }) as unknown as Error,
    )
    expect(() => resolvePairing('ABCD 2345', pair.trusted)).toThrow(HoldallError)
    expect(resolvePairing('ABCD 2345', pair.trusted, pair.b.url).hostUrl).toBe(pair.b.url)
  })

  it('[FED-PAIR-03] a code redeemed on the wrong host finds nothing there: codes are per host', async () => {
    const onB = await HolderClient.createVault(pair.b.url)
    const shown = await onB.createPairingCode({ trusted: pair.trusted })
    const wrong = new ServiceClient(pair.a.url, pair.orgs.gp.identity)
    await expect(
      wrong.requestAccess({
        pairingCode: shown.qr,
        bindingMessage: 'Riverside 1',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['medication_list'],
            purpose: 'Repeat prescription',
            duration_days: 14,
          },
        ],
      }),
    ).rejects.toMatchObject({ error: 'unknown_user_id' })
  })
})
