import { generateSigningKeyPair } from '@holdall/crypto'
import { describe, expect, it } from 'vitest'
import { HostConnection } from '../src/http.js'

describe('HostConnection', () => {
  it('calls fetch as a plain function, as browsers require (a window fetch with another `this` throws)', async () => {
    const seen: unknown[] = []
    // Behaves like a browser's fetch: anything but an undefined or global `this` is an illegal invocation.
    const browserLikeFetch = function (this: unknown, _input: RequestInfo | URL, _init?: RequestInit) {
      seen.push(this)
      if (this !== undefined && this !== globalThis) return Promise.reject(new TypeError('Illegal invocation'))
      return Promise.resolve(new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }))
    } as typeof fetch
    const host = new HostConnection('http://127.0.0.1:1', generateSigningKeyPair(), browserLikeFetch)
    await expect(host.json({ method: 'GET', path: '/healthz' })).resolves.toEqual({ ok: true })
    expect(seen).toEqual([undefined])
  })
})
