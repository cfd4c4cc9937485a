import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { HolderClient, HostConnection, type ServiceClient } from '@holdall/client'
import { base64urlEncode, randomBytes, type SigningKeyPair, signCompactJws, toPublicJwk } from '@holdall/crypto'
import Database from 'better-sqlite3'
import { expect } from 'vitest'
import { medicationList } from '../fixtures.js'
import type { Host } from '../harness.js'

/**
 * What the host has stored: a row count per table and every file under the data directory.
 * `dpop_jti` is left out on purpose: every request with a well-formed proof records its jti, and
 * that is the replay defence working, not a refused request writing data. So is
 * `rate_limit_counters`: pacing counts refused requests by design (a CIBA poll that comes too
 * soon is refused because the previous one was counted).
 */
export function storageSnapshot(dataDir: string): { rows: Record<string, number>; files: string[] } {
  const db = new Database(join(dataDir, 'holdall.sqlite3'), { readonly: true, fileMustExist: true })
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'",
      )
      .all() as { name: string }[]
    const rows: Record<string, number> = {}
    for (const { name } of tables) {
      if (name === 'dpop_jti' || name === 'rate_limit_counters') continue
      rows[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n
    }
    return { rows, files: listFiles(dataDir) }
  } finally {
    db.close()
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name.startsWith('holdall.sqlite3')) continue // the database itself, with its WAL and shm
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listFiles(path, `${prefix}${name}/`))
    else out.push(`${prefix}${name}:${statSync(path).size}`)
  }
  return out.sort()
}

/** Runs `attack` and asserts the host stored nothing because of it. */
export async function expectNothingStored<T>(host: Host, attack: () => Promise<T>): Promise<T> {
  const before = storageSnapshot(host.dataDir)
  const result = await attack()
  expect(storageSnapshot(host.dataDir)).toEqual(before)
  return result
}

/** Asserts an RFC 9457 problem with this status and stable code. */
export async function expectProblem(response: Response, status: number, code: string): Promise<unknown> {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const body = (await response.json()) as { code: string; status: number }
  expect(body).toMatchObject({ code, status })
  return body
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A DPoP proof built by hand, so each test can break exactly one part of it. */
export function craftProof(
  key: SigningKeyPair,
  options: {
    url: string
    method: string
    accessToken?: string
    header?: Record<string, unknown>
    claims?: Record<string, unknown>
    omit?: string[]
  },
): string {
  const header: Record<string, unknown> = {
    typ: 'dpop+jwt',
    alg: 'EdDSA',
    jwk: toPublicJwk(key.publicKey, 'Ed25519'),
    ...options.header,
  }
  const claims: Record<string, unknown> = {
    jti: base64urlEncode(randomBytes(16)),
    htm: options.method,
    htu: options.url,
    iat: Math.floor(Date.now() / 1000),
    ...(options.accessToken === undefined
      ? {}
      : { ath: createHash('sha256').update(options.accessToken).digest('base64url') }),
    ...options.claims,
  }
  for (const name of options.omit ?? []) delete claims[name]
  return signAnyHeader(header, claims, key)
}

const keyObjects = new WeakMap<SigningKeyPair, KeyObject>()

/** Ed25519 over any header, even one that lies about its algorithm (the SDK signer refuses to). */
export function signAnyHeader(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: SigningKeyPair,
): string {
  const input = `${b64json(header)}.${b64json(claims)}`
  let privateKey = keyObjects.get(key)
  if (privateKey === undefined) {
    privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'Ed25519', d: base64urlEncode(key.secretKey), x: base64urlEncode(key.publicKey) },
      format: 'jwk',
    })
    keyObjects.set(key, privateKey)
  }
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
}

/** An unsigned (alg none) or HMAC-signed token with the given header and claims. */
export function craftUnsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${b64json(header)}.${b64json(claims)}.`
}
export { b64json }

/** A fresh device access token, for requests the SDK would never send. */
export async function deviceAccessToken(holder: HolderClient, device: HostConnection): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const assertion = signCompactJws(
    { typ: 'JWT', alg: 'EdDSA' },
    {
      iss: holder.deviceId,
      sub: holder.vaultId,
      aud: `${device.baseUrl}/oauth/token`,
      iat: now,
      exp: now + 60,
      jti: base64urlEncode(randomBytes(16)),
    },
    holder.deviceKeys.signing.secretKey,
  )
  const tokens = await device.json<{ access_token: string }>({
    method: 'POST',
    path: '/oauth/token',
    form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
  })
  return tokens.access_token
}

/** A holder with two records, a second vault, and a GP granted the medication list. */
export async function scenario(host: Host) {
  const holder = await HolderClient.createVault(host.url)
  const other = await HolderClient.createVault(host.url)
  await holder.putRecord('medication_list', medicationList(), 'Medicines')
  await holder.putRecord(
    'appointment',
    {
      recordType: 'appointment',
      with: 'Probation',
      purpose: 'First meeting',
      time: '2026-11-23T10:00:00Z',
      address: 'Leeds',
    },
    'Appointment',
  )
  await other.putRecord('medication_list', medicationList(), 'Someone else')
  const grantService = async (service: ServiceClient, clientId: string, binding: string) => {
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await service.requestAccess({
      pairingCode: code,
      bindingMessage: binding,
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 30,
        },
      ],
    })
    const request = (await holder.pendingRequests()).find(
      (r) => r.client_id === clientId && r.binding_message === binding,
    )
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust, { durationDays: 14 })
    await service.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const token = await (service as unknown as { accessToken(): Promise<string> }).accessToken()
    return { grant, token }
  }
  const gp = host.service(host.orgs.gp)
  const gpGrant = await grantService(gp, host.orgs.gp.identity.clientId, 'Riverside 5150')
  const gpConnection = () => new HostConnection(host.url, host.orgs.gp.identity.keys.signing)
  const device = new HostConnection(host.url, holder.deviceKeys.signing)
  return { holder, other, gp, gpGrant, gpConnection, device, grantService }
}
export type Scenario = Awaited<ReturnType<typeof scenario>>

/**
 * Sends raw bytes on one connection (for what fetch refuses to send: a lying Content-Length, a
 * folded header) and returns what came back before the server closed it or `waitMs` passed.
 */
export async function rawHttp(
  url: string,
  bytes: string | Buffer,
  waitMs = 2000,
): Promise<{ status: number; text: string }> {
  const { connect } = await import('node:net')
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })
    }
    const timer = setTimeout(finish, waitMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)))
    socket.write(bytes)
  })
}
