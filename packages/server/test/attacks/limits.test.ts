import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clientMetadataDocument, HolderClient, ServiceClient, type ServiceIdentity } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { expectNothingStored, expectProblem, storageSnapshot } from './support.js'

const medicationRequest = (bindingMessage: string) => ({
  bindingMessage,
  details: [
    {
      type: 'holdall_records' as const,
      actions: ['read' as const],
      record_types: ['medication_list' as const],
      purpose: 'Repeat prescription',
      duration_days: 1,
    },
  ],
})

describe('floods and guessing', () => {
  let host: Host
  let documents: Server
  const identities: ServiceIdentity[] = []

  beforeAll(async () => {
    // Generous per-address limits, so that only the limits under test can stop these requests.
    host = await startHost({}, { app: { rateLimits: { backchannel: 10_000, depositPerToken: 5 } } })
    const served = new Map<string, unknown>()
    documents = createServer((req, res) => {
      const document = served.get(req.url ?? '')
      if (document === undefined) res.writeHead(404).end()
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
    })
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`
    // A guesser's cheapest trick: a fresh client id for every ten guesses.
    for (let i = 0; i < 21; i++) {
      const identity: ServiceIdentity = {
        clientId: `${base}/guesser-${i}`,
        name: `Guesser ${i}`,
        category: 'employer',
        registryCode: `${10_000_000 + i}`,
        keys: generateDeviceKeys(),
      }
      served.set(`/guesser-${i}`, clientMetadataDocument(identity))
      identities.push(identity)
    }
  })
  afterAll(async () => {
    await new Promise((resolve) => documents.close(resolve))
    await host?.close()
  })

  it('[API-PAIR-01][SEC-RATE-02] pairing-code guessing is bounded across all clients, not only per client id', async () => {
    const holder = await HolderClient.createVault(host.url)
    let guesses = 0
    await expectNothingStored(host, async () => {
      for (const identity of identities.slice(0, 20)) {
        const guesser = new ServiceClient(host.url, identity)
        for (let n = 0; n < 10; n++) {
          await expect(
            guesser.requestAccess({ pairingCode: `ZZZZ${1000 + n}`, ...medicationRequest('Guess 1234') }),
          ).rejects.toMatchObject({
            error: 'unknown_user_id',
          })
          guesses++
        }
      }
    })
    expect(guesses).toBe(200)
    // A 21st client id with a real code: the host stops answering pairing codes for a while.
    const { qr: code } = await holder.createPairingCode()
    await expectNothingStored(host, async () => {
      await expect(
        new ServiceClient(host.url, identities[20] as ServiceIdentity).requestAccess({
          pairingCode: code,
          ...medicationRequest('Guess 9999'),
        }),
      ).rejects.toMatchObject({ status: 429, error: 'slow_down' })
    })
  })

  it('[SEC-RATE-01] a flood of deposits into one holder inbox is cut off per token, and stores nothing past the limit', async () => {
    const limited = await startHost({}, { app: { rateLimits: { depositPerToken: 3 } } })
    try {
      const holder = await HolderClient.createVault(limited.url)
      const issuer = limited.issuer(limited.orgs.prisonHealthcare)
      const { qr: code } = await holder.createPairingCode()
      const { authReqId } = await issuer.requestAccess({
        pairingCode: code,
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
      const [request] = await holder.waitForRequest(5000)
      await holder.approve(request as NonNullable<typeof request>, host.trust)
      await issuer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
      // Each deposit is an upload and a deposit call, each limited to 3 a minute for this token.
      for (const title of ['First', 'Second', 'Third']) await issuer.deposit('medication_list', medicationList(), title)
      const before = storageSnapshot(limited.dataDir)
      await expect(issuer.deposit('medication_list', medicationList(), 'Fourth')).rejects.toMatchObject({
        status: 429,
        code: 'rate_limited',
      })
      const after = storageSnapshot(limited.dataDir)
      expect(after.rows).toEqual(before.rows)
      expect((await holder.inbox()).length).toBe(3)
    } finally {
      await limited.close()
    }
  })
})

/** Counters shared by every instance, as a Redis or PostgreSQL store would share them. */
const shared = new Map<string, { count: number; resetAt: number }>()
class SharedStore {
  constructor(readonly prefix = 'global:') {}
  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ) {
    const now = Date.now()
    const entry = shared.get(this.prefix + key)
    const live = entry !== undefined && entry.resetAt > now ? entry : { count: 0, resetAt: now + timeWindow }
    live.count++
    shared.set(this.prefix + key, live)
    callback(null, { current: live.count, ttl: live.resetAt - now })
  }
  child(route: { method: string | string[]; url: string }) {
    return new SharedStore(`${String(route.method)} ${route.url}:`)
  }
}

describe('[SEC-RATE-01] rate limits shared across instances', () => {
  it('two instances with one shared store count one address together', async () => {
    const options = { rateLimits: { perAddress: 3 }, rateLimitStore: SharedStore as never }
    const [a, b] = [await startHost({}, { app: options }), await startHost({}, { app: options })]
    try {
      const statuses = []
      for (const host of [a, a, b, b]) statuses.push((await fetch(`${host.url}/healthz`)).status)
      expect(statuses).toEqual([200, 200, 200, 429])
      expect(shared.size).toBeGreaterThan(0)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('[SEC-HDR-01] security headers and CORS', () => {
  let host: Host
  beforeAll(async () => {
    host = await startHost({ corsOrigins: ['https://app.holdall.example'] })
  })
  afterAll(async () => host?.close())

  it('every response carries the security headers, and no-store unless it is public', async () => {
    for (const path of ['/healthz', '/.well-known/holdall', '/nothing-here', '/docs']) {
      const response = await fetch(`${host.url}${path}`)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('x-frame-options'), path).toBe('DENY')
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer')
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'")
      expect(response.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/)
      // Discovery is public and may be cached; everything else is no-store.
      expect(response.headers.get('cache-control'), path).toBe(
        path.startsWith('/.well-known') ? 'public, max-age=300' : 'no-store',
      )
      expect(response.headers.get('x-powered-by'), path).toBeNull()
    }
  })

  it('[SEC-CORS-01] answers CORS only for a configured origin, and never with credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${host.url}/vaults`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'dpop,content-type',
        },
      })
    const allowed = await preflight('https://app.holdall.example')
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.holdall.example')
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull()
    for (const origin of ['https://evil.example', 'null', 'https://app.holdall.example.evil.example']) {
      const refused = await preflight(origin)
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull()
    }
    const plain = await fetch(`${host.url}/healthz`, { headers: { origin: 'https://evil.example' } })
    expect(plain.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('[SEC-CORS-01] with no origin configured, no response allows any origin', async () => {
    const closed = await startHost()
    try {
      const response = await fetch(`${closed.url}/vaults`, {
        method: 'OPTIONS',
        headers: { origin: closed.url, 'access-control-request-method': 'POST' },
      })
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      await expectProblem(await fetch(`${closed.url}/nowhere`), 404, 'not_found')
    } finally {
      await closed.close()
    }
  })
})
