import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { base64urlEncode, randomBytes } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { deviceAccessToken, expectNothingStored, expectProblem, rawHttp, type Scenario, scenario } from './support.js'

/*
 * Hostile input a reviewer tries first: odd ids, smuggled headers, JSON tricks, wrong content
 * types, lying lengths, slow bodies, and metadata documents that are too big or point inside.
 */
describe('attacks with hostile input', () => {
  let host: Host
  let s: Scenario
  let token = ''

  beforeAll(async () => {
    host = await startHost(
      { maxRecordBytes: 64 * 1024, vaultQuotaBytes: 200 * 1024 },
      { app: { requestTimeoutMs: 1500 } },
    )
    s = await scenario(host)
    token = await deviceAccessToken(s.holder, s.device)
  })
  afterAll(async () => host?.close())

  const vaultPath = (rest = '') => `/vaults/${s.holder.vaultId}${rest}`
  const asDevice = (
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ) =>
    s.device.proof(method, path, token).then((dpop) =>
      fetch(`${host.url}${path}`, {
        method,
        headers: { authorization: `DPoP ${token}`, dpop, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
      }),
    )

  it('[API-JSON-01][SEC-ERR-01] path traversal and odd characters in ids are refused as bad input, never reaching the disk', async () => {
    await expectNothingStored(host, async () => {
      for (const sha of ['..%2F..%2Fholdall.sqlite3', 'a%00b', `${'A'.repeat(43)}%0d%0aX`, 'AAAA']) {
        await expectProblem(await asDevice('GET', vaultPath(`/blobs/${sha}`)), 400, 'invalid_request')
      }
      for (const id of ['%2e%2e%2f', 'vault%00', '%F0%9F%92%A9', 'x'.repeat(150)]) {
        await expectProblem(await asDevice('GET', `/vaults/${id}/records`), 400, 'invalid_request')
      }
      // A literal dot segment, sent as is (fetch would resolve it): no route has that shape.
      const dots = await rawHttp(
        host.url,
        'GET /vaults/../../holdall.sqlite3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      )
      expect(dots.status).toBe(404)
      expect(dots.text).toContain('application/problem+json')
      // Longer than any route parameter may be, or not valid percent-encoding.
      await expectProblem(await asDevice('GET', `/vaults/${'x'.repeat(300)}/records`), 400, 'invalid_request')
      const badEncoding = await asDevice('GET', '/vaults/%E0%A4%A/records')
      const body = await expectProblem(badEncoding, 400, 'invalid_request')
      expect(JSON.stringify(body)).not.toContain('%E0')
    })
  })

  it('[SEC-ERR-01] header injection: a folded or NUL-bearing header and CRLF in the path are refused by the HTTP parser', async () => {
    await expectNothingStored(host, async () => {
      for (const request of [
        'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n injected: yes\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n',
      ]) {
        const response = await rawHttp(host.url, request)
        expect(response.status).toBe(400)
        expect(response.text).toContain('"code":"invalid_request"')
      }
      const split = await rawHttp(
        host.url,
        'GET /healthz%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      )
      expect(split.text).not.toMatch(/\r\nset-cookie/i)
    })
  })

  it('[API-JSON-01][SEC-JSON-01] A28 refuses duplicate member names, deep nesting, huge numbers, __proto__ and constructor.prototype', async () => {
    const record = (await s.holder.listRecords())[0] as NonNullable<Awaited<ReturnType<typeof s.holder.listRecords>>[0]>
    const path = vaultPath(`/records/${record.record_id}/versions/1`)
    const fields = `"key_epoch":${record.key_epoch},"ciphertext_sha256":"${record.ciphertext_sha256}","ciphertext_length":${record.ciphertext_length},"manifest":"${record.manifest}","owner_wrap":"${record.wrap}"`
    const json = { 'content-type': 'application/json' }
    // The same body with each member once is accepted (a retry of version 1): the control.
    const control = await asDevice('PUT', path, {
      body: `{"record_type":"${record.record_type}",${fields}}`,
      headers: json,
    })
    expect(control.status).toBe(200)
    await expectNothingStored(host, async () => {
      const duplicate = `{"record_type":"appointment","record_type":"${record.record_type}",${fields}}`
      const escapedDuplicate = `{"record_type":"appointment","record_\\u0074ype":"${record.record_type}",${fields}}`
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
      const huge = `{"record_type":"${record.record_type}","key_epoch":1e400,${fields.replace(/"key_epoch":\d+,/, '')}}`
      const proto = `{"__proto__":{"admin":true},"record_type":"${record.record_type}",${fields}}`
      const ctor = `{"constructor":{"prototype":{"admin":true}},"record_type":"${record.record_type}",${fields}}`
      for (const body of [duplicate, escapedDuplicate, deep, huge, proto, ctor]) {
        await expectProblem(await asDevice('PUT', path, { body, headers: json }), 400, 'invalid_request')
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined()
    })
  })

  it('[SEC-CT-01] refuses wrong and missing content types', async () => {
    await expectNothingStored(host, async () => {
      const body = JSON.stringify({ receipt: 'a.b.c', wraps: [] })
      await expectProblem(
        await asDevice('POST', vaultPath('/pairing-codes'), { body, headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      )
      await expectProblem(
        await asDevice('PUT', vaultPath(`/blobs/${base64urlEncode(new Uint8Array(32))}`), {
          body: JSON.stringify({ padding: 'x'.repeat(500) }),
          headers: { 'content-type': 'application/json' },
        }),
        415,
        'unsupported_media_type',
      )
      const response = await rawHttp(
        host.url,
        `POST ${vaultPath('/pairing-codes')} HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      )
      expect(response.status).toBe(415)
    })
  })

  it('[API-REC-01][SEC-SIZE-01][SEC-ERR-01] A12 a Content-Length shorter or longer than the body, or over the limit, stores nothing and leaves no temp file', async () => {
    const body = randomBytes(1000)
    const sha = createHash('sha256').update(body).digest('base64url')
    const path = vaultPath(`/blobs/${sha}`)
    const head = async (length: number) =>
      `PUT ${path} HTTP/1.1\r\nHost: a\r\nAuthorization: DPoP ${token}\r\nDPoP: ${await s.device.proof('PUT', path, token)}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`
    await expectNothingStored(host, async () => {
      // Shorter: the host reads 600 bytes, and what follows is no HTTP request.
      const short = await rawHttp(host.url, Buffer.concat([Buffer.from(await head(600)), body]))
      expect(short.status).toBe(400)
      expect(short.text).toContain('"code":"invalid_request"')
      // Longer: the body never completes; the request timeout ends it.
      const long = await rawHttp(host.url, Buffer.concat([Buffer.from(await head(2000)), body]), 4000)
      expect(long.status).toBe(400)
      expect(long.text).toContain('not completed in time')
      // Over the size limit, announced: refused before a byte is stored.
      const over = await rawHttp(host.url, await head(70_000), 2000)
      expect(over.status).toBe(413)
      expect(readdirSync(join(host.dataDir, 'tmp'))).toEqual([])
    })
  })

  it('[SEC-SIZE-01] A12 a slowloris upload is cut off by the request timeout, leaving no temp file', async () => {
    const path = vaultPath(`/blobs/${base64urlEncode(randomBytes(32))}`)
    const { connect } = await import('node:net')
    const socket = connect(Number(new URL(host.url).port), '127.0.0.1')
    const started = Date.now()
    const closed = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (c) => {
        text += c.toString('latin1')
      })
      socket.on('close', () => resolve(text))
    })
    await expectNothingStored(host, async () => {
      socket.write(
        `PUT ${path} HTTP/1.1\r\nHost: a\r\nAuthorization: DPoP ${token}\r\nDPoP: ${await s.device.proof('PUT', path, token)}\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000\r\n\r\n`,
      )
      const drip = setInterval(() => socket.writable && socket.write('x'), 100)
      const text = await closed
      clearInterval(drip)
      expect(text).toMatch(/^HTTP\/1\.1 400/)
      expect(text).toContain('not completed in time')
      expect(Date.now() - started).toBeLessThan(4000)
      // The host removes the partial file when it notices the socket is gone.
      await vi.waitFor(() => expect(readdirSync(join(host.dataDir, 'tmp'))).toEqual([]), { timeout: 2000 })
    })
  })

  it('[API-REC-01][SEC-SIZE-01] A12 the vault quota is enforced', async () => {
    const token2 = await deviceAccessToken(s.holder, s.device)
    const used = ((await (await asDevice('GET', vaultPath())).json()) as { used_bytes: number }).used_bytes
    const body = randomBytes(60 * 1024)
    const sha = createHash('sha256').update(body).digest('base64url')
    for (let i = 0; used + (i + 1) * body.length <= 200 * 1024 && i < 4; i++) {
      const fill = randomBytes(60 * 1024)
      const fillSha = createHash('sha256').update(fill).digest('base64url')
      const response = await s.device.send({
        method: 'PUT',
        path: vaultPath(`/blobs/${fillSha}`),
        body: fill,
        accessToken: token2,
      })
      expect(response.status).toBe(204)
    }
    await expectNothingStored(host, async () => {
      const response = await s.device.send({
        method: 'PUT',
        path: vaultPath(`/blobs/${sha}`),
        body,
        accessToken: token2,
      })
      await expectProblem(response, 413, 'payload_too_large')
    })
  })

  it('[API-REC-02] A13 two concurrent writes of one record version: one wins, the other gets 409, one version stored', async () => {
    const [view] = (await s.holder.listRecords()).filter((r) => r.record_type === 'medication_list')
    const previous = view as NonNullable<typeof view>
    const results = await Promise.allSettled(
      ['Medicines (edited on the bus)', 'Medicines (edited at home)'].map((title) =>
        s.holder.updateRecord(previous, medicationList(), title),
      ),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ status: 409, code: 'conflict' })
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(host.dataDir, 'holdall.sqlite3'), { readonly: true })
    const versions = db
      .prepare('SELECT ciphertext_sha256 FROM record_versions WHERE record_id = ? AND version = ?')
      .all(previous.record_id, previous.version + 1) as { ciphertext_sha256: string }[]
    db.close()
    expect(versions).toEqual([
      { ciphertext_sha256: (won[0] as PromiseFulfilledResult<typeof previous>).value.ciphertext_sha256 },
    ])
  })

  it('[API-ACC-01] A24 a holder token on another vault, by id, HEAD or Range, is answered exactly as an unknown vault', async () => {
    const theirs = (await s.other.listRecords())[0]
    const unknownVault = base64urlEncode(randomBytes(16))
    await expectNothingStored(host, async () => {
      for (const rest of [
        '',
        '/records',
        '/grants',
        '/log',
        '/requests',
        '/inbox',
        `/blobs/${theirs?.ciphertext_sha256}`,
      ]) {
        const theirsResponse = await asDevice('GET', `/vaults/${s.other.vaultId}${rest}`)
        const unknownResponse = await asDevice('GET', `/vaults/${unknownVault}${rest}`)
        expect(theirsResponse.status, rest).toBe(404)
        expect(unknownResponse.status, rest).toBe(404)
        expect(await theirsResponse.json()).toEqual(await unknownResponse.json())
      }
      const blob = `/grant/blobs/${theirs?.ciphertext_sha256}`
      const conn = s.gpConnection()
      const head = await conn.send({ method: 'HEAD', path: blob, accessToken: s.gpGrant.token })
      expect(head.status).toBe(404)
      const ranged = await conn.send({
        method: 'GET',
        path: blob,
        accessToken: s.gpGrant.token,
        headers: { range: 'bytes=0-10' },
      })
      await expectProblem(ranged, 404, 'not_found')
    })
  })

  it('[API-VAULT-02] A25 a removed device is refused on every route, including direct ids', async () => {
    const Database = (await import('better-sqlite3')).default
    const second = await startHost()
    try {
      const t = await scenario(second)
      const accessToken = await deviceAccessToken(t.holder, t.device)
      const db = new Database(join(second.dataDir, 'holdall.sqlite3'))
      db.prepare("UPDATE devices SET status = 'removed' WHERE id = ?").run(t.holder.deviceId)
      db.close()
      const record = `/vaults/${t.holder.vaultId}/records`
      await expectProblem(await t.device.send({ method: 'GET', path: record, accessToken }), 401, 'unauthorized')
      // A correctly signed sign-in by the removed device gets no new token either.
      await expect(deviceAccessToken(t.holder, t.device)).rejects.toMatchObject({ status: 400, error: 'invalid_grant' })
    } finally {
      await second.close()
    }
  })

  it('[API-GRANT-01] A26 a grant row whose receipt the host swapped is refused by the honest service client', async () => {
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(host.dataDir, 'holdall.sqlite3'))
    const row = db.prepare('SELECT receipt FROM grants WHERE id = ?').get(s.gpGrant.grant.grant_id) as {
      receipt: string
    }
    const [h, p] = row.receipt.split('.')
    const widened = JSON.parse(Buffer.from(p as string, 'base64url').toString())
    widened.authorization_details[0].record_types.push('appointment')
    const forged = `${h}.${Buffer.from(JSON.stringify(widened)).toString('base64url')}.${row.receipt.split('.')[2]}`
    db.prepare('UPDATE grants SET receipt = ? WHERE id = ?').run(forged, s.gpGrant.grant.grant_id)
    db.close()
    try {
      await expect(s.gp.grant()).rejects.toThrow()
    } finally {
      const restore = new Database(join(host.dataDir, 'holdall.sqlite3'))
      restore.prepare('UPDATE grants SET receipt = ? WHERE id = ?').run(row.receipt, s.gpGrant.grant.grant_id)
      restore.close()
    }
    await expect(s.gp.grant()).resolves.toBeDefined()
  })

  it('[SEC-SIZE-01][SEC-ERR-01] headers over 16 KiB are refused with 431, JSON bodies over 1 MiB with 413', async () => {
    const response = await rawHttp(host.url, `GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(response.status).toBe(431)
    expect(response.text).toContain('"code":"headers_too_large"')
    // The same title as every other refusal with that code (RFC 9457 3.1.3).
    expect(response.text).toContain('"title":"The request headers are too large"')
    // And a JSON body over 1 MiB, wherever it is sent.
    const big = await asDevice('POST', vaultPath('/pairing-codes'), {
      body: JSON.stringify({ padding: 'x'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    })
    await expectProblem(big, 413, 'payload_too_large')
  })
})

describe('[API-META-01] metadata documents: too big, too slow, or pointing inside', () => {
  let host: Host
  let documents: Server
  let base = ''

  beforeAll(async () => {
    host = await startHost()
    documents = createServer((req, res) => {
      if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ client_id: `${base}/huge`, padding: 'x'.repeat(200_000) }))
      } else if (req.url === '/drip') {
        // A valid start, then one byte every 500 ms: each gap is short, the whole is endless.
        res.writeHead(200, { 'content-type': 'application/json' })
        const drip = setInterval(() => res.write(' '), 500)
        res.on('close', () => clearInterval(drip))
        res.write('{')
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end()
      } else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => documents.close(resolve))
    await host?.close()
  })

  const ask = (clientId: string) =>
    fetch(`${host.url}/oauth/bc-authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'x.y.z',
        login_hint: 'ABCDEFGH',
      }),
    })

  it('[API-META-01] gives up on a document that drips in, after 5 seconds in all', async () => {
    const started = Date.now()
    const response = await ask(`${base}/drip`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_client' })
    expect(Date.now() - started).toBeLessThan(7000)
  })

  it('refuses an oversized document, a redirect to a metadata service, and private addresses in every spelling', async () => {
    await expectNothingStored(host, async () => {
      for (const clientId of [
        `${base}/huge`,
        `${base}/redirect`,
        'http://0.0.0.0/org',
        'http://2130706433/org',
        'http://0x7f000001/org',
        'http://[::ffff:10.0.0.1]/org',
        'http://[fd00::1]/org',
        'http://100.64.0.1/org',
        'file:///etc/passwd',
      ]) {
        const response = await ask(clientId)
        expect(response.status, clientId).toBe(401)
        expect(await response.json()).toMatchObject({ error: 'invalid_client' })
      }
    })
  })

  it('[SEC-RATE-01][API-ERR-06] the per-address limit on the backchannel endpoint answers 429 slow_down as OAuth JSON with Retry-After', async () => {
    const limited = await startHost({}, { app: { rateLimits: { backchannel: 3 } } })
    try {
      const statuses: number[] = []
      let last: Response | undefined
      for (let i = 0; i < 5; i++) {
        last = await fetch(`${limited.url}/oauth/bc-authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'login_hint=ABCDEFGH',
        })
        statuses.push(last.status)
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429])
      // An OAuth endpoint: RFC 6749 JSON that a stock client's poller backs off on, not a problem.
      expect(last?.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await (last as Response).json()).toMatchObject({ error: 'slow_down' })
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })
})
