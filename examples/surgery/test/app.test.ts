import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type GrantInfo, ServiceClient } from '@holdall/client'
import { generateDeviceKeys } from '@holdall/crypto'
import { clientMetadataSchema } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSurgeryApp, normalisePairingCode } from '../src/app.js'
import { configFromEnv, type SurgeryConfig } from '../src/config.js'
import { loadOrCreateKeys, surgeryIdentity } from '../src/identity.js'
import { SessionStore } from '../src/sessions.js'
import { isValidNhsNumber } from '../src/verify.js'
import { approvedView, canExport } from '../src/views.js'
import { validateBundle } from './fhir-validator.js'
import { medicationList } from './fixtures.js'
import { ukCoreProblems } from './ukcore-checks.js'

/* The surgery app's own rules, without a browser or a host: input, headers, keys, sessions. */

const config: SurgeryConfig = {
  hostUrl: 'http://127.0.0.1:9', // nothing listens: any call to the host fails fast
  port: 0,
  listenHost: '127.0.0.1',
  publicUrl: 'http://127.0.0.1:8090',
  dataDir: '/nonexistent',
  name: 'Riverside Surgery',
  odsCode: 'B86011',
  trustAnchorFile: undefined,
  sessionMinutes: 30,
}

describe('surgery app', () => {
  let built: Awaited<ReturnType<typeof buildSurgeryApp>>
  const identity = surgeryIdentity({ ...config, keys: generateDeviceKeys() })

  beforeAll(async () => {
    built = await buildSurgeryApp({ config, identity, trustAnchor: undefined })
  })
  afterAll(async () => built.app.close())

  /** A session whose patient shared `list`, verified from prison healthcare, as the journey leaves it. */
  const approvedSession = (list: ReturnType<typeof medicationList>) => {
    const session = built.sessions.create({
      bindingMessage: 'Riverside 1234',
      expectedNhsNumber: '9434765919',
      service: new ServiceClient(config.hostUrl, identity),
    })
    built.sessions.setState(session, {
      kind: 'approved',
      grant: { grant_id: 'grant-1', expires_at: Date.now() + 3_600_000 } as GrantInfo,
      verifiedAt: new Date(),
      lists: [
        {
          recordId: 'record-1',
          version: 1,
          list,
          verification: {
            kind: 'verified',
            organisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01', category: 'prison_healthcare' },
            signedAt: new Date(),
            namesItsSigner: true,
            healthcareSigner: true,
          },
        },
      ],
    })
    return { cookie: `surgery_session=${session.id}`, end: () => built.sessions.end(session) }
  }

  it('exports a bundle that passes the validator, and says first what goes into the record', async () => {
    const { cookie, end } = approvedSession(medicationList(new Date()))
    try {
      const page = await built.app.inject({ url: '/session', headers: { cookie } })
      expect(page.body).toContain('Before you download: what goes into the record')
      expect(page.body).toContain('Allergy: Elastoplast plasters, as text only')
      expect(page.body).toContain('whether another product may be dispensed is not stated')
      expect(page.body).toContain('Download for the clinical system (FHIR)')
      const res = await built.app.inject({ url: '/session/export', headers: { cookie } })
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toContain('application/fhir+json')
      const bundle = res.json()
      expect([...validateBundle(bundle), ...ukCoreProblems(bundle)]).toEqual([])
    } finally {
      end()
    }
  })

  it('a list with a mistyped dm+d code: flagged on the page, and the export answers a problem, not a bundle', async () => {
    const list = medicationList(new Date())
    ;(list.medicines[1] as (typeof list.medicines)[number]).medication.code = '3674611000001103'
    const { cookie, end } = approvedSession(list)
    try {
      const page = await built.app.inject({ url: '/session', headers: { cookie } })
      expect(page.body).toContain('This list cannot be downloaded for the clinical system')
      expect(page.body).toContain('code 3674611000001103 has a wrong check digit')
      expect(page.body).toContain('data-testid="bad-code"')
      expect(page.body).not.toContain('href="/session/export"')
      const res = await built.app.inject({ url: '/session/export', headers: { cookie } })
      expect(res.statusCode).toBe(422)
      expect(res.headers['content-type']).toContain('application/problem+json')
      const problem = res.json()
      expect(problem).toMatchObject({
        status: 422,
        code: 'export_refused',
        problems: [{ path: 'medicines[1].medication.code', kind: 'malformed_code' }],
      })
      // The reason with the medicine and its code is on the GP's page, never in the error answer.
      expect(res.body).not.toContain('3674611000001103')
      expect(res.body).not.toContain('Methadone')
      expect(res.body).not.toContain('resourceType')
    } finally {
      end()
    }
  })

  const form = (body: string, headers: Record<string, string> = {}) =>
    built.app.inject({
      method: 'POST',
      url: '/ask',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: body,
    })

  it('publishes a valid metadata document with public keys only', async () => {
    const res = await built.app.inject({ url: '/client-metadata.json' })
    const doc = clientMetadataSchema.parse(res.json())
    expect(doc.client_id).toBe('http://127.0.0.1:8090/client-metadata.json')
    expect(doc.category).toBe('gp_surgery')
    expect(res.body).not.toMatch(/"d"\s*:/)
  })

  it('sends no-store, a strict CSP and no referrer beyond itself on every page', async () => {
    for (const url of ['/', '/session', '/nowhere', '/assets/wait.js']) {
      const res = await built.app.inject({ url })
      expect(res.headers['cache-control'], url).toBe('no-store')
      expect(String(res.headers['content-security-policy']), url).toContain("script-src 'self'")
      expect(res.headers['referrer-policy'], url).toBe('same-origin')
    }
  })

  it('answers a malformed code or NHS number with the form and a 400, never a 500', async () => {
    const res = await form('pairing_code=abc&nhs_number=9434765918')
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('There is a problem')
    expect(res.body).toContain('Enter the 8 letters and numbers')
    expect(res.body).toContain('Enter the 16 letters and numbers of the safety code')
    expect(res.body).toContain('Enter a valid 10-digit NHS number')
    expect(res.headers['set-cookie']).toBeUndefined()
    expect((await form('%%%')).statusCode).toBe(400)
    expect((await form(`pairing_code=${'A'.repeat(20_000)}`)).statusCode).toBe(413)
  })

  it('says kindly that the host cannot be reached, and starts no session', async () => {
    const res = await form('pairing_code=7KQ2MX4D&safety_code=0123+4567+89AB+CDEF')
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('We could not reach Holdall')
    expect(built.sessions.size).toBe(0)
  })

  it('takes a scanned pairing QR code (code and root fingerprint) without a safety code', async () => {
    const qr = `HOLDALL-PAIR:7KQ2MX4D:${'A'.repeat(43)}`
    const res = await form(`pairing_code=${encodeURIComponent(qr)}`)
    expect(res.statusCode).toBe(400)
    expect(res.body).not.toContain('Enter the 16 letters')
    expect(res.body).toContain('We could not reach Holdall')
  })

  it('refuses a form posted from another site', async () => {
    const res = await form('pairing_code=7KQ2MX4D&safety_code=0123456789ABCDEF', { origin: 'https://evil.example' })
    expect(res.statusCode).toBe(403)
    const end = await built.app.inject({ method: 'POST', url: '/session/end', headers: { origin: 'null' } })
    expect(end.statusCode).toBe(403)
  })

  it('has no patient data to export or print without a session', async () => {
    for (const url of ['/session/export', '/session/print', '/session']) {
      const res = await built.app.inject({ url })
      expect(res.statusCode, url).toBe(303)
    }
  })
})

describe('surgery keys, sessions and input rules', () => {
  it('makes its keys once, readable by its own user only, and reloads the same keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'surgery-keys-'))
    try {
      const made = loadOrCreateKeys(dir)
      expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600)
      const again = loadOrCreateKeys(dir)
      expect(again.signing.publicKey).toEqual(made.signing.publicKey)
      expect(again.agreement.secretKey).toEqual(made.agreement.secretKey)
      expect(readFileSync(join(dir, 'keys.json'), 'utf8')).not.toContain('patient')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('forgets a session when its time is up', () => {
    let now = 1_000_000
    const store = new SessionStore(60_000, () => now)
    const session = store.create({
      bindingMessage: 'Riverside 1234',
      expectedNhsNumber: undefined,
      service: {} as never,
    })
    expect(store.get(session.id)).toBe(session)
    now += 60_000
    expect(store.get(session.id)).toBeUndefined()
    expect(store.size).toBe(0)
    store.close()
  })

  it('escapes everything a list says: a hostile medicine name is text, not markup', () => {
    const list = medicationList(new Date('2026-11-23T10:00:00Z'))
    const first = list.medicines[0]
    if (first === undefined) throw new Error('fixture has medicines')
    list.medicines[0] = { ...first, medication: { ...first.medication, display: '<img src=x onerror="alert(1)">' } }
    const out = approvedView({
      grantExpiresAt: Date.parse('2026-11-24T10:00:00Z'),
      lists: [
        {
          recordId: 'r',
          version: 1,
          list,
          verification: {
            kind: 'verified',
            organisation: { name: 'HMP <b>Leeds</b>', odsCode: 'NTE01', category: 'prison_healthcare' },
            signedAt: new Date('2026-11-20T09:00:00Z'),
            namesItsSigner: true,
            healthcareSigner: true,
          },
        },
      ],
      expectedNhsNumber: '9434765919',
      now: Date.parse('2026-11-23T10:00:00Z'),
      revision: 1,
    }).value
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;')
    expect(out).not.toContain('<img')
    expect(out).toContain('HMP &lt;b&gt;Leeds&lt;/b&gt;')
  })

  it('offers export only for a verified list from a prescriber that names itself, about the patient in front of them', () => {
    const list = medicationList(new Date('2026-11-23T10:00:00Z'))
    const verified = {
      kind: 'verified' as const,
      organisation: { name: 'HMP Leeds Healthcare', odsCode: 'NTE01', category: 'prison_healthcare' as const },
      signedAt: new Date(),
      namesItsSigner: true,
      healthcareSigner: true,
    }
    const read = { recordId: 'r', version: 1, list, verification: verified }
    expect(canExport(read, '9434765919')).toBe(true)
    expect(canExport(read, undefined)).toBe(true)
    expect(canExport(read, '4010232137')).toBe(false)
    expect(canExport({ ...read, verification: { ...verified, namesItsSigner: false } }, undefined)).toBe(false)
    expect(canExport({ ...read, verification: { ...verified, healthcareSigner: false } }, undefined)).toBe(false)
    expect(canExport({ ...read, verification: { kind: 'self_asserted', signedAt: new Date() } }, undefined)).toBe(false)
    expect(canExport({ ...read, list: undefined, verification: { kind: 'invalid' } }, undefined)).toBe(false)
  })

  it('checks NHS numbers by their check digit and forgives how codes are typed', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true)
    expect(isValidNhsNumber('9434765918')).toBe(false)
    expect(isValidNhsNumber('943476591')).toBe(false)
    expect(normalisePairingCode(' 7kq2-mx4d ')).toBe('7KQ2MX4D')
    expect(normalisePairingCode('O1I0')).toBe('0110')
  })

  it('reads its configuration from the environment with the documented defaults', () => {
    const c = configFromEnv({})
    expect(c.port).toBe(8090)
    expect(c.hostUrl).toBe('http://127.0.0.1:8080')
    expect(c.publicUrl).toBe('http://127.0.0.1:8090')
    expect(() => configFromEnv({ SURGERY_PORT: 'eighty' })).toThrow('SURGERY_PORT')
  })
})

describe('npm run surgery', () => {
  it('starts on SURGERY_PORT, prints its URL and serves the reception page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'surgery-main-'))
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const root = join(import.meta.dirname, '..', '..', '..')
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['examples/surgery/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        SURGERY_PORT: String(port),
        SURGERY_DATA_DIR: dir,
        HOLDALL_HOST_URL: 'http://127.0.0.1:9',
      },
    })
    try {
      const printed = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes('is open at')) resolve(out)
        })
        child.on('exit', () => reject(new Error(`exited early: ${out}`)))
      })
      expect(printed).toContain(`Riverside Surgery is open at http://127.0.0.1:${port}/`)
      const page = await fetch(`http://127.0.0.1:${port}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('Check a patient’s medicines from prison')
      expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600)
    } finally {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
