import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient } from '@holdall/client'
import { conformance } from '../context.js'

const ctx = conformance()

/** Reads a server-sent event stream until `event: <name>` arrives, or the time runs out. */
async function nextEvent(
  response: Response,
  name: string,
  timeoutMs: number,
): Promise<{ data: string; afterMs: number } | undefined> {
  const started = Date.now()
  const reader = response.body?.getReader()
  assert.ok(reader, 'no event stream')
  const timer = setTimeout(() => void reader.cancel(), timeoutMs)
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return undefined
      buffer += decoder.decode(value, { stream: true })
      const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer)
      if (match) return { data: match[1] as string, afterMs: Date.now() - started }
    }
  } finally {
    clearTimeout(timer)
    void reader.cancel().catch(() => {})
  }
}

describe('events for the holder (chapter 5.8)', () => {
  let holder: HolderClient
  before(async () => {
    holder = await ctx.newHolder()
  })

  it('[API-EVT-01] tells a connected device of a new request within 2 seconds, by id only', async () => {
    const token = await ctx.accessToken(holder)
    const stream = await ctx.send('GET', `/vaults/${holder.vaultId}/events`, { key: holder.deviceKeys.signing, token })
    assert.equal(stream.status, 200)
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/)
    const { qr: code } = await holder.createPairingCode()
    const waiting = nextEvent(stream, 'request', 5000)
    const asked = Date.now()
    await ctx.service('gp').requestAccess({
      pairingCode: code,
      bindingMessage: 'EVENTS',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['appointment'],
          purpose: 'Check',
          duration_days: 1,
        },
      ],
    })
    const event = await waiting
    assert.ok(event, 'no request event arrived')
    assert.ok(Date.now() - asked < 2000 + 500, `the event took ${Date.now() - asked} ms`)
    const data = JSON.parse(event.data) as Record<string, unknown>
    assert.deepEqual(Object.keys(data), ['id'])
    const pending = await holder.pendingRequests()
    assert.ok(
      pending.some((r) => r.request_id === data.id),
      'the event names no pending request',
    )
  })

  it("[API-EVT-01] refuses another vault's device the event stream", async () => {
    const other = await ctx.newHolder()
    const token = await ctx.accessToken(other)
    const response = await ctx.send('GET', `/vaults/${holder.vaultId}/events`, { key: other.deviceKeys.signing, token })
    assert.equal(response.status, 404)
    await response.body?.cancel()
  })
})
