import { createHash } from 'node:crypto'
import { HolderClient, HostConnection } from '@holdall/client'
import { base64urlEncode, randomBytes, signCompactJws } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VaultNotifier } from '../src/services/notifier.js'
import { closeStreamsOfDevice } from '../src/services/stream-slots.js'
import { type Host, startHost } from './harness.js'

/*
 * Event streams live no longer than what let them open (routes/events.ts): capped per device,
 * closed when their token expires, when their token family is revoked, and when their device is
 * removed (closeStreamsOfDevice, for the device-removal route).
 */
describe('event streams end with their token and device', () => {
  let host: Host
  const notifier = new VaultNotifier()

  beforeAll(async () => {
    host = await startHost({}, { app: { notifier, rateLimits: false } })
  })
  afterAll(async () => host?.close())

  const hash = (token: string) => createHash('sha256').update(token).digest('base64url')

  async function signIn() {
    const holder = await HolderClient.createVault(host.url)
    const device = new HostConnection(host.url, holder.deviceKeys.signing)
    const now = Math.floor(Date.now() / 1000)
    const assertion = signCompactJws(
      { typ: 'JWT', alg: 'EdDSA' },
      {
        iss: holder.deviceId,
        sub: holder.vaultId,
        aud: `${host.url}/oauth/token`,
        iat: now,
        exp: now + 60,
        jti: base64urlEncode(randomBytes(16)),
      },
      holder.deviceKeys.signing.secretKey,
    )
    const tokens = await device.json<{ access_token: string; refresh_token: string }>({
      method: 'POST',
      path: '/oauth/token',
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
    })
    const open = () =>
      device.send({ method: 'GET', path: `/vaults/${holder.vaultId}/events`, accessToken: tokens.access_token })
    return { holder, device, tokens, open }
  }

  /** Resolves true when the stream ends within `ms`, false if it is still open then. */
  async function endsWithin(response: Response, ms: number): Promise<boolean> {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const deadline = Date.now() + ms
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) {
        await reader.cancel()
        return false
      }
      const next = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), left)),
      ])
      if (next === 'timeout') {
        await reader.cancel()
        return false
      }
      if (next.done) return true
    }
  }

  it('500 streams on one token: four open, every other one refused with 429 rate_limited', async () => {
    const { open } = await signIn()
    const responses: Response[] = []
    for (let batch = 0; batch < 10; batch++) responses.push(...(await Promise.all(Array.from({ length: 50 }, open))))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(4)
    expect(statuses.filter((s) => s === 429)).toHaveLength(496)
    for (const response of responses) await response.body?.cancel()
  })

  it('a stream is closed when its access token expires, by the host clock', async () => {
    const { tokens, open } = await signIn()
    // Only the database can make a token about to expire: it now has 1.5 s to live.
    await host.db
      .updateTable('tokens')
      .set({ expires_at: Date.now() + 1500 })
      .where('token_hash', '=', hash(tokens.access_token))
      .execute()
    const stream = await open()
    expect(stream.status).toBe(200)
    expect(await endsWithin(stream, 10_000)).toBe(true)
  })

  it('a stream is closed when its token family is revoked (a refresh token used twice)', async () => {
    const { device, tokens, open } = await signIn()
    const stream = await open()
    expect(stream.status).toBe(200)
    const refresh = () =>
      device.send({
        method: 'POST',
        path: '/oauth/token',
        form: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      })
    const first = await refresh()
    expect(first.status).toBe(200)
    await first.body?.cancel()
    // The reuse comes after the retry grace (only the database can move that), so it is theft.
    await host.db
      .updateTable('tokens')
      .set({ rotated_at: Date.now() - 10 * 60_000 })
      .where('token_hash', '=', hash(tokens.refresh_token))
      .execute()
    const reuse = await refresh()
    expect(reuse.status).toBe(400)
    await reuse.body?.cancel()
    expect(await endsWithin(stream, 5000)).toBe(true)
  })

  it("closeStreamsOfDevice closes the device's streams and leaves other devices' alone", async () => {
    const one = await signIn()
    const two = await signIn()
    const mine = await one.open()
    const theirs = await two.open()
    expect([mine.status, theirs.status]).toEqual([200, 200])
    closeStreamsOfDevice(notifier, one.holder.vaultId, one.holder.deviceId)
    closeStreamsOfDevice(notifier, two.holder.vaultId, one.holder.deviceId)
    expect(await endsWithin(mine, 5000)).toBe(true)
    expect(await endsWithin(theirs, 1000)).toBe(false)
  })
})
