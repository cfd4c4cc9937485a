import { HolderClient } from '@holdall/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HostPair, startHostPair } from '../support/host-processes.js'

/*
 * The two-host harness itself (issue 18, point 4): two real host processes, A on SQLite and B on
 * PostgreSQL, different public URLs and data folders, the same signed trust list; a host killed
 * with SIGKILL comes back on the same port with its data.
 */
describe('two host processes', () => {
  let pair: HostPair
  beforeAll(async () => {
    pair = await startHostPair()
  }, 120_000)
  afterAll(async () => pair?.close())

  it('run apart: different URLs, folders and databases, the same signed trust list', async () => {
    expect(pair.a.url).not.toBe(pair.b.url)
    expect(pair.a.dataDir).not.toBe(pair.b.dataDir)
    expect(pair.a.kind).toBe('sqlite')
    expect(pair.b.kind).toBe(process.env.HOLDALL_TEST_POSTGRES === '0' ? 'sqlite' : 'postgres')
    const [listA, listB] = await Promise.all(
      [pair.a, pair.b].map(async (host) => (await fetch(`${host.url}/trust-list`)).text()),
    )
    expect(listA).toBe(pair.trustListJws)
    expect(listB).toBe(pair.trustListJws)
    const holderA = await HolderClient.createVault(pair.a.url)
    // The vault exists on A only: signing in to B with its device fails.
    await expect(HolderClient.open(pair.b.url, holderA.deviceKeys, holderA.vaultId)).rejects.toThrow()
  })

  it('a host killed with SIGKILL restarts on the same port and keeps its vaults', async () => {
    const holder = await HolderClient.createVault(pair.b.url)
    const pid = pair.b.pid()
    await pair.b.kill()
    expect(pair.b.running()).toBe(false)
    await expect(fetch(`${pair.b.url}/trust-list`)).rejects.toThrow()
    await pair.b.restart()
    expect(pair.b.pid()).not.toBe(pid)
    expect(pair.b.running()).toBe(true)
    await expect(holder.log()).resolves.toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'vault_created' })]),
    )
  })
})
