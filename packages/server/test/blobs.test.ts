import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { HolderClient, HostConnection, IssuerClient } from '@holdall/client'
import { randomBytes } from '@holdall/crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { deviceAccessToken, expectProblem } from './attacks/support.js'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'

/*
 * Envelopes belong to the vault that uploaded them (repositories/blobs.ts): the quota is reserved
 * before an upload streams, a version may name only its own vault's blobs, and an upload nothing
 * names expires on the host's clock and stops counting.
 */
const KIB = 1024
const QUOTA = 200 * KIB
const TTL_MS = 60_000

describe('blobs belong to their vault, within its quota', () => {
  let host: Host
  let offset = 0

  beforeAll(async () => {
    host = await startHost(
      { maxRecordBytes: 64 * KIB, vaultQuotaBytes: QUOTA, unreferencedUploadTtlMs: TTL_MS },
      // The host's clock, moved by the test; the clients follow the host's time (host-clock.ts).
      { app: { clock: () => Date.now() + offset, rateLimits: false } },
    )
  })
  afterAll(async () => host?.close())

  async function holderWithToken() {
    const holder = await HolderClient.createVault(host.url)
    const device = new HostConnection(host.url, holder.deviceKeys.signing)
    const token = await deviceAccessToken(holder, device)
    const upload = (body: Uint8Array) =>
      device.send({
        method: 'PUT',
        path: `/vaults/${holder.vaultId}/blobs/${createHash('sha256').update(body).digest('base64url')}`,
        body,
        accessToken: token,
      })
    const usedBytes = async () =>
      (
        await device.json<{ used_bytes: number }>({
          method: 'GET',
          path: `/vaults/${holder.vaultId}`,
          accessToken: token,
        })
      ).used_bytes
    return { holder, device, token, upload, usedBytes }
  }

  it('[API-REC-01] concurrent uploads can never pass the quota together: each reserves before it streams', async () => {
    const { upload, usedBytes } = await holderWithToken()
    const size = 60 * KIB
    const responses = await Promise.all(Array.from({ length: 8 }, () => upload(randomBytes(size))))
    const statuses = responses.map((r) => r.status)
    for (const r of responses) await r.body?.cancel()
    // 200 KiB holds three 60 KiB envelopes, never more, whatever the interleaving.
    expect(statuses.filter((s) => s === 204)).toHaveLength(3)
    expect(statuses.filter((s) => s === 413)).toHaveLength(5)
    expect(await usedBytes()).toBe(3 * size)
  })

  it('[API-REC-01] a refused upload (wrong hash) gives its reservation back', async () => {
    const { holder, device, token, usedBytes } = await holderWithToken()
    const body = randomBytes(10 * KIB)
    const wrong = createHash('sha256').update(randomBytes(8)).digest('base64url')
    const response = await device.send({
      method: 'PUT',
      path: `/vaults/${holder.vaultId}/blobs/${wrong}`,
      body,
      accessToken: token,
    })
    await expectProblem(response, 422, 'envelope_invalid')
    expect(await usedBytes()).toBe(0)
  })

  it("[API-REC-02] a version may not name another vault's blob: refused with 409 conflict; the uploader is charged once", async () => {
    const mine = await holderWithToken()
    let handed: Uint8Array | undefined
    // The other holder's client hands its envelope to `mine` to upload, as if it already held it.
    const theirFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input))
      if (init?.method === 'PUT' && url.pathname.includes('/blobs/')) {
        handed = new Uint8Array(await new Response(init.body).arrayBuffer())
        const uploaded = await mine.upload(handed)
        expect(uploaded.status).toBe(204)
        return new Response(null, { status: 204 })
      }
      return fetch(input, init)
    }
    const theirs = await HolderClient.createVault(host.url, theirFetch)
    await expect(theirs.putRecord('medication_list', medicationList(), 'Medicines')).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    })
    expect(await theirs.listRecords()).toEqual([])
    // The uploader holds it, charged once: uploading it again charges nothing more.
    const length = (handed as Uint8Array).length
    expect(await mine.usedBytes()).toBe(length)
    expect((await mine.upload(handed as Uint8Array)).status).toBe(204)
    expect(await mine.usedBytes()).toBe(length)
  })

  it("[API-DEP-01] a deposit may not name another vault's blob: refused with 409 conflict, nothing in the inbox", async () => {
    const mine = await holderWithToken()
    const holder = await HolderClient.createVault(host.url)
    // The issuer's client hands its envelope to `mine` to upload instead of the vault it deposits to.
    const issuerFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input))
      if (init?.method === 'PUT' && url.pathname.startsWith('/grant/blobs/')) {
        const uploaded = await mine.upload(new Uint8Array(await new Response(init.body).arrayBuffer()))
        expect(uploaded.status).toBe(204)
        return new Response(null, { status: 204 })
      }
      return fetch(input, init)
    }
    const issuer = new IssuerClient(host.url, host.orgs.prisonHealthcare.identity, issuerFetch)
    const pairing = await holder.createPairingCode()
    const { authReqId } = await issuer.requestAccess({
      pairingCode: pairing.qr,
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
    await holder.approve((await holder.waitForRequest(5000))[0] as never, host.trust)
    await issuer.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    await expect(issuer.deposit('medication_list', medicationList(), 'Medicines on release')).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    })
    expect(await holder.inbox()).toEqual([])
  })

  it('[API-REC-01] an upload no version names expires on the host clock, stops counting, and its bytes go', async () => {
    const { holder, upload, usedBytes } = await holderWithToken()
    const size = 60 * KIB
    const first = randomBytes(size)
    const sha = createHash('sha256').update(first).digest('base64url')
    for (const body of [first, randomBytes(size), randomBytes(size)]) expect((await upload(body)).status).toBe(204)
    const over = await upload(randomBytes(size))
    expect(over.status).toBe(413)
    await over.body?.cancel()
    // A referenced envelope never expires: write a record (small) before the clock moves.
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const referenced = (await usedBytes()) - 3 * size
    offset += TTL_MS + 1000
    expect((await upload(randomBytes(size))).status).toBe(204)
    expect(await usedBytes()).toBe(referenced + size)
    expect(await holder.listRecords()).toHaveLength(1)
    const rows = await host.db.selectFrom('vault_blobs').select('sha256').where('sha256', '=', sha).execute()
    expect(rows).toEqual([])
    // The bytes go just after the answer (no vault holds them any more).
    await vi.waitFor(async () => {
      if (host.kind === 'sqlite') expect(existsSync(join(host.dataDir, 'blobs', sha.slice(0, 2), sha))).toBe(false)
      else expect(await host.db.selectFrom('blobs').select('sha256').where('sha256', '=', sha).execute()).toEqual([])
    })
  })
})
