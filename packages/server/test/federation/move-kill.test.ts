import { MemoryMoveStore } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PausePoint } from '../../src/fault-injection.js'
import { CANARY } from '../fixtures.js'
import { gpReadsMedicines, vaultWithLiveGrant } from '../migration/scenario.js'
import { type HostPair, type HostProcess, startHostPair } from '../support/host-processes.js'

/*
 * Issue 18 points 3 and 4: a vault with records and a live GP grant moves from host A (SQLite) to
 * host B (PostgreSQL), two real processes. Either host is SIGKILLed inside each step of the move
 * (the fault-injection pause points, spec 12.3); the phone runs the move again with what it kept,
 * and the move completes: nothing is lost, exactly one copy is live, and the GP reads at B with
 * no new approval.
 */
describe('moving a vault between two host processes, with either killed at each step', () => {
  let pair: HostPair
  beforeAll(async () => {
    pair = await startHostPair()
  }, 120_000)
  afterAll(async () => pair?.close())

  const world = () =>
    vaultWithLiveGrant({
      url: pair.a.url,
      gp: pair.orgs.gp.identity,
      issuer: pair.orgs.prisonHealthcare.identity,
      trust: pair.trust,
      trusted: pair.trusted,
    })

  /** Where each copy of the vault stands, read from each host's own database. */
  async function copies(vaultId: string) {
    const read = async (host: HostProcess) => {
      const db = await pair.database(host)
      try {
        const move = await db.selectFrom('vault_moves').selectAll().where('vault_id', '=', vaultId).executeTakeFirst()
        const records = await db.selectFrom('records').select('record_id').where('vault_id', '=', vaultId).execute()
        return { move: move === undefined ? 'live' : `${move.role}:${move.state}`, records: records.length }
      } finally {
        await db.destroy()
      }
    }
    return { a: await read(pair.a), b: await read(pair.b) }
  }

  async function pausedAt(host: HostProcess, point: PausePoint): Promise<void> {
    const deadline = Date.now() + 30_000
    while (!host.output().includes(`HOLDALL_PAUSED ${point}`)) {
      if (Date.now() > deadline) throw new Error(`host ${host.name} never reached ${point}: ${host.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  const cases: Array<[string, 'a' | 'b', PausePoint]> = [
    ['A, inside the freeze', 'a', 'move-freeze-in-transaction'],
    ['B, inside the import', 'b', 'move-import-in-transaction'],
    ['B, after an envelope is stored', 'b', 'move-blob-stored'],
    ['A, inside the tombstone', 'a', 'move-tombstone-in-transaction'],
    ['B, inside the commit that makes it live', 'b', 'move-live-in-transaction'],
  ]

  for (const [label, which, point] of cases) {
    it(`[MIG-STATE-03][MIG-STATE-04] SIGKILL of ${label}: the move resumes, nothing is lost, one live copy`, async () => {
      const w = await world()
      const host = pair[which]
      await host.restart({ HOLDALL_TEST_PAUSE_AT: point })
      const store = new MemoryMoveStore()
      const attempt = w.holder.moveTo(pair.b.url, { store }).then(
        () => 'finished',
        (error: unknown) => error,
      )
      await pausedAt(host, point)
      await host.kill()
      expect(await attempt).not.toBe('finished')
      // While cut: never two live copies (B is never live before A left), never none (A keeps its rows).
      await host.restart({ HOLDALL_TEST_PAUSE_AT: '' })
      const cut = await copies(w.holder.vaultId)
      expect(cut.b.move).not.toBe('import:live')
      expect(cut.a.records).toBe(2)
      const moved = await w.holder.moveTo(pair.b.url, { store })
      expect(await store.load()).toBeUndefined()
      // Nothing lost: both records at B, readable by the holder; the GP reads with its old grant.
      const records = await moved.listRecords()
      expect(records.map((r) => r.record_type).sort()).toEqual(['licence_conditions', 'medication_list'])
      expect(await gpReadsMedicines(w, pair.trusted)).toBe(CANARY.medicine)
      expect(await moved.pendingRequests()).toEqual([])
      // Exactly one live copy.
      expect(await copies(w.holder.vaultId)).toEqual({
        a: { move: 'export:tombstoned', records: 2 },
        b: { move: 'import:live', records: 2 },
      })
    }, 180_000)
  }
})
