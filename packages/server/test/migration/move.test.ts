import { HolderClient, HostConnection, VaultMovedError } from '@holdall/client'
import { base64urlEncode, generateId, signCompactJws } from '@holdall/crypto'
import { MOVED_TO_HEADER } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CANARY } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { gpReadsMedicines, type MoveWorld, vaultWithLiveGrant } from './scenario.js'

/*
 * Moving a vault from host A to host B (spec chapter 12), both hosts in this process on the
 * project's database: the GP keeps reading with no new approval, the issuer keeps depositing, A
 * answers with the holder-signed tombstone, and the holder's log is one history across the move.
 */
describe('moving a vault to another host', () => {
  let a: Host
  let b: Host
  let world: MoveWorld
  let moved: HolderClient
  beforeAll(async () => {
    ;[a, b] = await Promise.all([startHost(), startHost()])
    world = await vaultWithLiveGrant({
      url: a.url,
      gp: a.orgs.gp.identity,
      issuer: a.orgs.prisonHealthcare.identity,
      trust: a.trust,
      trusted: a.trusted,
    })
  }, 60_000)
  afterAll(async () => Promise.all([a?.close(), b?.close()]))

  it('[MIG-STMT-02][MIG-LOG-01][MIG-LOG-02][MIG-STATE-02] the holder moves the vault; B continues the log A signed', async () => {
    const steps: string[] = []
    moved = await world.holder.moveTo(b.url, { onStep: (s) => steps.push(s) })
    expect(steps).toEqual(['frozen', 'imported', 'envelopes', 'left', 'arrived'])
    const records = await moved.listRecords()
    expect(records.map((r) => r.record_type).sort()).toEqual(['licence_conditions', 'medication_list'])
    const opened = await moved.readRecord(records.find((r) => r.record_type === 'licence_conditions') as never)
    expect(opened.payload.recordType).toBe('licence_conditions')
    // The log at B is A's, then vault_arrived: the device follows it from the committed checkpoint.
    const sync = await moved.vaultLog.sync()
    expect(sync.trusted.size).toBeGreaterThan(0)
    const events = (await moved.log()).map((e) => e.event)
    expect(events.slice(-2)).toEqual(['vault_moved', 'vault_arrived'])
    expect(events[0]).toBe('vault_created')
  })

  it('[MIG-GRANT-01][MIG-REDIR-02][MIG-STMT-03] the GP reads again at B with its old tokens, no new approval', async () => {
    const asked = (await moved.pendingRequests()).length
    const hops: string[] = []
    world.gp.onMoved = (move) => hops.push(move.to)
    expect(await gpReadsMedicines(world, a.trusted)).toBe(CANARY.medicine)
    expect(hops).toEqual([b.url])
    expect((await moved.pendingRequests()).length).toBe(asked)
    const events = (await moved.log()).map((e) => e.event)
    expect(events.at(-1)).toBe('key_served')
  })

  it('the issuer deposits at B after following the checked tombstone', async () => {
    await world.issuer.deposit('medication_list', (await import('../fixtures.js')).medicationList(), 'Update')
    expect((await moved.inbox()).map((r) => r.record_type)).toEqual(['medication_list'])
  })

  it('[MIG-REDIR-01] A answers every request for the vault with vault_moved, the header and the tombstone', async () => {
    const tombstone = await fetch(`${a.url}/vaults/${moved.vaultId}/tombstone`)
    expect(tombstone.status).toBe(200)
    const document = (await tombstone.json()) as { moved_to: string; tombstone: string; kept_until: number }
    expect(document.moved_to).toBe(b.url)
    expect(document.kept_until).toBeGreaterThan(Date.now() + 179 * 86_400_000)
    // The holder's own device reopening the vault at A is told where it is now, checked under its pins.
    const reopened = await HolderClient.open(a.url, moved.deviceKeys, moved.vaultId, fetch, { pins: world.pins }).catch(
      (e: unknown) => e,
    )
    expect(reopened).toBeInstanceOf(VaultMovedError)
    expect(reopened).toMatchObject({ code: 'VAULT_MOVED', movedTo: b.url })
    // A device that never pinned this vault cannot check the tombstone, so it is not followed.
    const unpinned = await HolderClient.open(a.url, moved.deviceKeys, moved.vaultId).catch((e: unknown) => e)
    expect(unpinned).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    // The raw answer: 410 vault_moved, the header, the tombstone document.
    const token = await holderToken(a.url, moved)
    expect(token.status).toBe(410)
    expect(token.headers.get(MOVED_TO_HEADER)).toBe(b.url)
    const problem = (await token.json()) as { code: string; tombstone: string; moved_to: string }
    expect(problem).toMatchObject({ code: 'vault_moved', moved_to: b.url, tombstone: document.tombstone })
  })

  it('[MIG-PKG-02] a replayed move is refused at B; a commit for another log is refused', async () => {
    const row = await b.db
      .selectFrom('vault_moves')
      .selectAll()
      .where('vault_id', '=', moved.vaultId)
      .executeTakeFirst()
    expect(row?.state).toBe('live')
    const again = await fetch(`${b.url}/moves/${row?.move_id}/commit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ commit: row?.statement }),
    })
    expect(again.status).toBe(422)
    expect(((await again.json()) as { code: string }).code).toBe('signature_invalid')
  })

  it('exactly one live copy: A tombstoned, B live', async () => {
    const atA = await a.db
      .selectFrom('vault_moves')
      .selectAll()
      .where('vault_id', '=', moved.vaultId)
      .executeTakeFirst()
    const atB = await b.db
      .selectFrom('vault_moves')
      .selectAll()
      .where('vault_id', '=', moved.vaultId)
      .executeTakeFirst()
    expect([atA?.role, atA?.state]).toEqual(['export', 'tombstoned'])
    expect([atB?.role, atB?.state]).toEqual(['import', 'live'])
  })
})

/** A GET of the vault at `url` as the holder's device, raw (for the status and headers). */
async function holderToken(url: string, holder: HolderClient): Promise<Response> {
  const connection = new HostConnection(url, holder.deviceKeys.signing)
  await connection.learnHostTime()
  const now = Math.floor(connection.clock.now() / 1000)
  const assertion = signCompactJws(
    { typ: 'JWT', alg: 'EdDSA' },
    { iss: holder.deviceId, sub: holder.vaultId, aud: `${url}/oauth/token`, iat: now, exp: now + 120, jti: randomId() },
    holder.deviceKeys.signing.secretKey,
  )
  const { access_token } = await connection.json<{ access_token: string }>({
    method: 'POST',
    path: '/oauth/token',
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
  })
  return connection.send({ method: 'GET', path: `/vaults/${holder.vaultId}`, accessToken: access_token })
}

const randomId = () => base64urlEncode(generateId())
