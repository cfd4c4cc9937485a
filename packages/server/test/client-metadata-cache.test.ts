import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clientMetadataDocument } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BoundedCache } from '../src/services/bounded-cache.js'
import { createMetadataResolver } from '../src/services/client-metadata.js'

/*
 * The resolver's cache of client metadata documents is bounded in size and time: anyone can
 * make client ids (each is just a URL), so an unbounded cache is memory an attacker fills.
 * Real HTTP on 127.0.0.1; fetches are counted per path to see what the cache kept.
 */
describe('client metadata cache', () => {
  const fetches = new Map<string, number>()
  let server: Server
  let base: string

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/'
      fetches.set(path, (fetches.get(path) ?? 0) + 1)
      const document: { jwks: { keys: { x: string }[] } } = clientMetadataDocument({
        clientId: `${base}${path}`,
        name: `Service ${path}`,
        category: 'gp_surgery',
        registryCode: 'B86011',
        keys: generateDeviceKeys(),
      })
      // Weak keys on request: the identity point (Ed25519) and u = 0 (X25519), both small order.
      if (path.startsWith('/weak-signing')) (document.jwks.keys[0] as { x: string }).x = `AQ${'A'.repeat(41)}`
      if (path.startsWith('/weak-agreement')) (document.jwks.keys[1] as { x: string }).x = 'A'.repeat(43)
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => new Promise((resolve) => server.close(resolve)))

  it('keeps at most its size in documents, forgetting the oldest first', async () => {
    const resolver = createMetadataResolver({ allowLoopback: true, clock: () => 1_000, cacheEntries: 2 })
    for (const path of ['/size-a', '/size-b', '/size-a', '/size-c', '/size-b', '/size-c'])
      await resolver.resolve(`${base}${path}`)
    // a and b cached; c pushes a out; b and c are still served from the cache.
    expect(Object.fromEntries([...fetches].filter(([path]) => path.startsWith('/size-')))).toEqual({
      '/size-a': 1,
      '/size-b': 1,
      '/size-c': 1,
    })
    await resolver.resolve(`${base}/size-a`)
    expect(fetches.get('/size-a')).toBe(2)
  })

  it('fetches a document again once its five minutes are over', async () => {
    let now = 1_000
    const resolver = createMetadataResolver({ allowLoopback: true, clock: () => now, cacheEntries: 2 })
    await resolver.resolve(`${base}/time-a`)
    now += 5 * 60_000 - 1
    await resolver.resolve(`${base}/time-a`)
    expect(fetches.get('/time-a')).toBe(1)
    now += 1
    await resolver.resolve(`${base}/time-a`)
    expect(fetches.get('/time-a')).toBe(2)
  })

  it('drops expired entries when the next one is stored, so stale documents hold no memory', () => {
    let now = 0
    const cache = new BoundedCache<string>({ maxEntries: 10, ttlMs: 100, clock: () => now })
    cache.set('a', 'A')
    now = 50
    cache.set('b', 'B')
    now = 100
    expect(cache.get('a')).toBeUndefined()
    cache.set('c', 'C')
    expect(cache.size).toBe(2)
    now = 150
    cache.set('d', 'D')
    expect(cache.size).toBe(2)
    expect([cache.get('b'), cache.get('c'), cache.get('d')]).toEqual([undefined, 'C', 'D'])
  })

  it('[CRY-KEY-03] [CRY-KEY-02] refuses a document whose keys are of small order', async () => {
    const resolver = createMetadataResolver({ allowLoopback: true, clock: () => 1_000 })
    await expect(resolver.resolve(`${base}/weak-signing`)).rejects.toThrow(/weak or malformed key/)
    await expect(resolver.resolve(`${base}/weak-agreement`)).rejects.toThrow(/weak or malformed key/)
    await expect(resolver.resolve(`${base}/strong`)).resolves.toMatchObject({ client_name: 'Service /strong' })
  })
})
