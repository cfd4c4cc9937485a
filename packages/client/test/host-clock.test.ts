import { base64urlDecode, generateSigningKeyPair } from '@holdall/crypto'
import { describe, expect, it } from 'vitest'
import { HostClock } from '../src/host-clock.js'
import { HostConnection } from '../src/http.js'

/** A device clock the test moves by hand. */
function deviceClock(start: number) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) }
}

const HOST = Date.UTC(2026, 11, 2, 10, 0, 0, 300)
const httpDate = (ms: number) => new Date(ms).toUTCString()

describe('HostClock', () => {
  it('uses the device clock until the host has answered', () => {
    const device = deviceClock(HOST - 86_400_000)
    const clock = new HostClock(device.now)
    expect(clock.known).toBe(false)
    expect(clock.now()).toBe(device.now())
  })

  it('corrects a device a day slow, or two minutes fast, to within a second of the host from one Date header', () => {
    for (const skew of [-86_400_000, 86_400_000, 120_000, -120_000, 10_000, 30_000]) {
      const device = deviceClock(HOST + skew)
      const clock = new HostClock(device.now)
      const sentAt = device.now()
      device.advance(80)
      // The host answered 40 ms after the request left; the header truncates to the second.
      clock.observe(httpDate(HOST + 40), sentAt, device.now())
      expect(clock.known).toBe(true)
      expect(Math.abs(clock.now() - (HOST + 80)), `skew ${skew}`).toBeLessThan(1000)
    }
  })

  it('narrows its estimate with more answers, below the header’s one-second resolution', () => {
    const device = deviceClock(HOST + 30_000)
    const clock = new HostClock(device.now)
    let host = HOST
    for (let i = 0; i < 20; i++) {
      const sentAt = device.now()
      clock.observe(httpDate(host + 5), sentAt, sentAt + 10)
      device.advance(337)
      host += 337
    }
    expect(Math.abs(clock.offsetMs - -30_000)).toBeLessThan(100)
  })

  it('starts again when the device clock is changed under it', () => {
    const device = deviceClock(HOST + 3_600_000)
    const clock = new HostClock(device.now)
    clock.observe(httpDate(HOST), device.now(), device.now() + 20)
    expect(Math.abs(clock.offsetMs + 3_600_000)).toBeLessThan(1000)
    // The phone sets its clock right (network time): the old offset would now be an hour out.
    device.set(HOST + 60_000)
    clock.observe(httpDate(HOST + 60_000), device.now(), device.now() + 20)
    expect(Math.abs(clock.offsetMs)).toBeLessThan(1000)
  })

  it('ignores answers with no Date header or one it cannot read', () => {
    const clock = new HostClock(() => HOST)
    clock.observe(null, HOST, HOST)
    clock.observe('yesterday', HOST, HOST)
    expect(clock.known).toBe(false)
  })

  it('puts the host’s time, not the device’s, in the DPoP proof’s iat', async () => {
    const device = deviceClock(HOST + 86_400_000)
    const fakeFetch = (async () =>
      new Response('{}', { headers: { date: httpDate(HOST), 'content-type': 'application/json' } })) as typeof fetch
    const connection = new HostConnection(
      'http://127.0.0.1:1',
      generateSigningKeyPair(),
      fakeFetch,
      new HostClock(device.now),
    )
    await connection.learnHostTime()
    const proof = await connection.proof('GET', '/x')
    const payload = base64urlDecode(proof.split('.')[1] ?? '')
    const iat = (JSON.parse(new TextDecoder().decode(payload)) as { iat: number }).iat
    expect(Math.abs(iat * 1000 - HOST)).toBeLessThan(2000)
  })
})

describe('HostConnection and a wrong clock', () => {
  const answers = (statuses: number[], hostMs: number) => {
    const iats: number[] = []
    const fakeFetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      const proof = ((init?.headers ?? {}) as Record<string, string>).dpop ?? ''
      iats.push(
        (JSON.parse(new TextDecoder().decode(base64urlDecode(proof.split('.')[1] ?? ''))) as { iat: number }).iat,
      )
      const status = statuses.shift() ?? 200
      return new Response(status === 200 ? '{"ok":true}' : '{"code":"unauthorized"}', {
        status,
        headers: { date: httpDate(hostMs), 'content-type': 'application/json' },
      })
    }) as typeof fetch
    return { iats, fakeFetch }
  }

  it('sends once more, at the host’s time, when the host refused a proof made by a clock it has just corrected', async () => {
    const device = deviceClock(HOST + 120_000)
    const { iats, fakeFetch } = answers([401, 200], HOST)
    const connection = new HostConnection(
      'http://127.0.0.1:1',
      generateSigningKeyPair(),
      fakeFetch,
      new HostClock(device.now),
    )
    await expect(connection.json({ method: 'GET', path: '/x' })).resolves.toEqual({ ok: true })
    expect(iats).toHaveLength(2)
    expect(Math.abs((iats[1] as number) * 1000 - HOST)).toBeLessThan(2000)
  })

  it('does not send again when the refusal had nothing to do with the clock', async () => {
    const device = deviceClock(HOST)
    const { iats, fakeFetch } = answers([401, 200], HOST)
    const connection = new HostConnection(
      'http://127.0.0.1:1',
      generateSigningKeyPair(),
      fakeFetch,
      new HostClock(device.now),
    )
    await expect(connection.json({ method: 'GET', path: '/x' })).rejects.toMatchObject({ status: 401 })
    expect(iats).toHaveLength(1)
  })
})
