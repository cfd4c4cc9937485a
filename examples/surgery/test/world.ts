import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  clientMetadataDocument,
  HolderClient,
  IssuerClient,
  type ServiceIdentity,
  signTrustList,
  trustListEntry,
  verifyTrustList,
} from '@holdall/client'
import { generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { MedicationList, TrustList } from '@holdall/protocol'
import { buildApp } from '@holdall/server'
import type { FastifyInstance } from 'fastify'
import { buildSurgeryApp } from '../src/app.js'
import type { SurgeryConfig } from '../src/config.js'
import { surgeryIdentity } from '../src/identity.js'
import type { SessionStore } from '../src/sessions.js'

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/**
 * Everything the surgery's journey needs, for real on 127.0.0.1: a Holdall host (SQLite in a temp
 * folder) serving a signed trust list, prison healthcare publishing its metadata and depositing
 * signed lists, and the surgery app publishing its own metadata. Time is shared and movable.
 */
export async function startWorld() {
  // The surgery's clock can be moved; the host's cannot, as holders' DPoP proofs carry real time.
  let offsetMs = 0
  const surgeryClock = () => Date.now() + offsetMs
  const hostDir = mkdtempSync(join(tmpdir(), 'holdall-surgery-test-'))
  const [hostPort, surgeryPort] = [await freePort(), await freePort()]
  const hostUrl = `http://127.0.0.1:${hostPort}`
  const surgeryUrl = `http://127.0.0.1:${surgeryPort}`

  // Prison healthcare's website, publishing its metadata document.
  const issuerDocs = new Map<string, unknown>()
  const issuerSite: Server = createServer((req, res) => {
    const doc = issuerDocs.get(req.url ?? '')
    if (doc === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
  })
  await new Promise<void>((resolve) => issuerSite.listen(0, '127.0.0.1', resolve))
  const prison: ServiceIdentity = {
    clientId: `http://127.0.0.1:${(issuerSite.address() as AddressInfo).port}/hmp-leeds-healthcare`,
    name: 'HMP Leeds Healthcare',
    category: 'prison_healthcare',
    registryCode: 'NTE01',
    keys: generateDeviceKeys(),
  }
  issuerDocs.set('/hmp-leeds-healthcare', clientMetadataDocument(prison))

  const surgery = surgeryIdentity({
    publicUrl: surgeryUrl,
    name: 'Riverside Surgery',
    odsCode: 'B86011',
    keys: generateDeviceKeys(),
  })
  const operator = generateSigningKeyPair()
  const entry = (o: ServiceIdentity) => trustListEntry(o)
  const trustListOf = (orgs: ServiceIdentity[]) => {
    const now = Math.floor(Date.now() / 1000)
    const list: TrustList = {
      format: 2,
      iss: 'Surgery test operator',
      iat: now,
      exp: now + 30 * 86_400,
      organisations: orgs.map(entry),
    }
    return signTrustList(list, operator.secretKey)
  }

  let host: FastifyInstance
  const startHost = async (listed: ServiceIdentity[]) => {
    host = await buildApp({
      config: {
        host: '127.0.0.1',
        port: hostPort,
        dataDir: hostDir,
        publicUrl: hostUrl,
        allowLoopbackMetadata: true,
        maxRecordBytes: 5 << 20,
        vaultQuotaBytes: 50 << 20,
        trustListFile: undefined,
      },
      trustList: { jws: trustListOf(listed), anchor: toPublicJwk(operator.publicKey, 'Ed25519') },
    })
    await host.listen({ host: '127.0.0.1', port: hostPort })
  }
  await startHost([prison, surgery])

  const config: SurgeryConfig = {
    hostUrl,
    port: surgeryPort,
    listenHost: '127.0.0.1',
    publicUrl: surgeryUrl,
    dataDir: hostDir,
    name: 'Riverside Surgery',
    odsCode: 'B86011',
    trustAnchorFile: undefined,
    // Longer than a grant, so the test can reach the grant's end before the session's.
    sessionMinutes: 3 * 24 * 60,
  }
  const built: { app: FastifyInstance; sessions: SessionStore } = await buildSurgeryApp({
    config,
    identity: surgery,
    trustAnchor: operator.publicKey,
    clock: surgeryClock,
    pollIntervalMs: 100,
    grantCheckMs: 150,
    longPollMs: 5_000,
  })
  await built.app.listen({ host: '127.0.0.1', port: surgeryPort })
  const trusted = verifyTrustList(trustListOf([prison, surgery]), operator.publicKey)

  return {
    hostUrl,
    surgeryUrl,
    /** What the holder's phone trusts: the list under the operator key it pinned, and its own fetch. */
    trust: { trusted, fetchMetadata: fetch },
    hostDir,
    sessions: built.sessions,
    surgeryApp: built.app,
    /** Moves the surgery's clock: it must stop reading at the grant's end by its own reckoning. */
    setSurgeryClockOffset: (ms: number) => {
      offsetMs = ms
    },
    /** Restarts the host on the same data with a trust list of only these organisations. */
    async relist(listed: 'surgery only' | 'all') {
      await host.close()
      await startHost(listed === 'all' ? [prison, surgery] : [surgery])
    },
    /** A new holder whose vault holds `list`, deposited and signed by prison healthcare. */
    async holderWithDeposit(list: MedicationList): Promise<HolderClient> {
      const holder = await HolderClient.createVault(hostUrl)
      const issuer = new IssuerClient(hostUrl, prison)
      const code = (await holder.createPairingCode()).qr
      const ask = await issuer.requestAccess({
        pairingCode: code,
        bindingMessage: 'HMP Leeds 4821',
        details: [
          {
            type: 'holdall_records',
            actions: ['deposit'],
            record_types: ['medication_list'],
            purpose: 'Medicines on release',
            duration_days: 1,
          },
        ],
      })
      const [request] = await holder.waitForRequest(10_000)
      if (request === undefined) throw new Error('the deposit request did not arrive')
      await holder.approve(request, { trusted, fetchMetadata: fetch })
      await issuer.waitForDecision(ask.authReqId, { intervalMs: 100 })
      await issuer.deposit('medication_list', list, 'Medicines on release')
      const [deposit] = await holder.inbox()
      if (deposit === undefined) throw new Error('the deposit did not arrive')
      await holder.acceptDeposit(deposit, { trusted })
      return holder
    },
    async close() {
      await built.app.close()
      await host.close()
      await new Promise((resolve) => issuerSite.close(resolve))
      if (existsSync(hostDir)) rmSync(hostDir, { recursive: true, force: true })
    },
  }
}

export type World = Awaited<ReturnType<typeof startWorld>>
