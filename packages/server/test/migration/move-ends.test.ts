import { HolderClient, ServiceClient } from '@holdall/client'
import { MOVED_TO_HEADER, type MoveStatus } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { licenceConditions } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { MoveSteps } from './move-steps.js'

/*
 * The ends of a move at the host the vault leaves (spec 12.3, 12.6): while frozen and once moved,
 * no new pairing code and no new request naming the vault; once the tombstone's `kept_until`
 * passes on the host's clock, the sweep deletes everything A still held of the vault.
 */
describe('a vault that is leaving, or has left, host A', () => {
  let a: Host
  let b: Host
  let offset = 0
  const DAY = 86_400_000
  beforeAll(async () => {
    ;[a, b] = await Promise.all([
      startHost({ tombstoneMs: 7 * DAY }, { app: { clock: () => Date.now() + offset, sweepMs: 100 } }),
      startHost(),
    ])
  }, 60_000)
  afterAll(async () => Promise.all([a?.close(), b?.close()]))

  let holder: HolderClient
  let steps: MoveSteps
  let frozen: MoveStatus
  const codes: string[] = []

  const ask = (pairingCode: string) =>
    new ServiceClient(a.url, a.orgs.gp.identity)
      .requestAccess({
        pairingCode,
        bindingMessage: 'Riverside 4410',
        details: [
          {
            type: 'holdall_records',
            actions: ['read'],
            record_types: ['licence_conditions'],
            purpose: 'Continue your care',
            duration_days: 7,
          },
        ],
      })
      .catch((e: unknown) => e)

  it('[MIG-STATE-05] while frozen: no new pairing code (vault_moving), and a code made before names nobody', async () => {
    holder = await HolderClient.createVault(a.url)
    await holder.putRecord('licence_conditions', licenceConditions(), 'Licence conditions')
    for (const _ of [1, 2]) codes.push((await holder.createPairingCode()).qr)
    steps = new MoveSteps(holder, a.url, b.url)
    await steps.sign()
    const response = await steps.freeze()
    expect(response.status).toBe(200)
    frozen = (await response.json()) as MoveStatus
    expect(await holder.createPairingCode().catch((e: unknown) => e)).toMatchObject({
      status: 409,
      code: 'vault_moving',
    })
    expect(await ask(codes[0] as string)).toMatchObject({ status: 409, error: 'vault_moving' })
    expect(await holder.pendingRequests()).toEqual([])
  })

  it('[MIG-STATE-05][MIG-REDIR-01] once moved: a request naming the vault gets vault_moved (410) and the new host as a hint', async () => {
    const imported = await steps.importAt(await steps.package())
    expect(imported.status).toBe(200)
    await steps.envelopes(((await imported.json()) as MoveStatus).missing_blobs ?? [])
    const commit = await steps.commit(frozen)
    expect((await steps.commitAtA(commit)).status).toBe(200)
    expect((await steps.commitAtB(commit)).status).toBe(200)
    const { error, raw } = await rawCiba(a, codes[1] as string)
    expect(error).toMatchObject({ status: 410, error: 'vault_moved' })
    expect(raw.status).toBe(410)
    expect(raw.headers.get(MOVED_TO_HEADER)).toBe(b.url)
    expect(await raw.json()).toMatchObject({ error: 'vault_moved' })
    expect(await holder.createPairingCode().catch((e: unknown) => e)).toMatchObject({
      status: 410,
      code: 'vault_moved',
    })
    // Nothing waits for the holder at B: pending requests and pairing codes do not move.
    const atB = await HolderClient.open(b.url, holder.deviceKeys, holder.vaultId)
    expect(await atB.pendingRequests()).toEqual([])
  })

  it('[MIG-REDIR-04] when kept_until passes on the host clock, the sweep deletes all A held of the vault, tombstone too', async () => {
    const count = async (table: 'records' | 'access_log' | 'device_chain_entries' | 'vault_blobs' | 'vault_moves') =>
      Number(
        (
          await a.db
            .selectFrom(table)
            .select((e) => e.fn.countAll().as('n'))
            .where('vault_id', '=', holder.vaultId)
            .executeTakeFirstOrThrow()
        ).n,
      )
    // Before: the tombstone is served and the data still there (the sweep has run meanwhile).
    await new Promise((r) => setTimeout(r, 300))
    expect((await fetch(`${a.url}/vaults/${holder.vaultId}/tombstone`)).status).toBe(200)
    expect(await count('records')).toBe(1)
    expect(await count('vault_blobs')).toBeGreaterThan(0)
    offset = 7 * DAY + 60_000
    for (let i = 0; i < 100 && (await count('vault_moves')) > 0; i++) await new Promise((r) => setTimeout(r, 100))
    for (const table of ['records', 'access_log', 'device_chain_entries', 'vault_blobs', 'vault_moves'] as const)
      expect([table, await count(table)]).toEqual([table, 0])
    const vault = await a.db.selectFrom('vaults').select('id').where('id', '=', holder.vaultId).executeTakeFirst()
    expect(vault).toBeUndefined()
    const tombstone = await fetch(`${a.url}/vaults/${holder.vaultId}/tombstone`)
    expect(tombstone.status).toBe(404)
    // B, which holds the vault now, is untouched.
    const atB = await HolderClient.open(b.url, holder.deviceKeys, holder.vaultId)
    expect((await atB.listRecords()).map((r) => r.record_type)).toEqual(['licence_conditions'])
  })
})

/** The CIBA request as sent on the wire, for the status and headers the client reads. */
async function rawCiba(host: Host, pairingCode: string): Promise<{ error: unknown; raw: Response }> {
  let answer: Response | undefined
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    if (String(input).endsWith('/oauth/bc-authorize')) answer = response.clone()
    return response
  }
  const error = await new ServiceClient(host.url, host.orgs.gp.identity, recording)
    .requestAccess({
      pairingCode,
      bindingMessage: 'Riverside 4411',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['licence_conditions'],
          purpose: 'Continue your care',
          duration_days: 7,
        },
      ],
    })
    .catch((e: unknown) => e)
  if (answer === undefined) throw new Error('no CIBA answer recorded')
  return { error, raw: answer }
}
