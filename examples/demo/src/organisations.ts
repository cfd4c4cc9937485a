import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clientMetadataDocument, type ServiceIdentity, signTrustList, trustListEntry } from '@holdall/client'
import { generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { OrganisationCategory } from '@holdall/protocol'

/**
 * The demo's organisations, each publishing its metadata document from a small web server on
 * 127.0.0.1 (as a surgery's own website would), and a trust list that lists them, signed by a
 * demo operator key.
 */
export async function demoOrganisations() {
  const documents = new Map<string, unknown>()
  const server: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '')
    if (document === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const make = (path: string, name: string, category: OrganisationCategory, registryCode: string): ServiceIdentity => {
    const identity = { clientId: `${base}${path}`, name, category, registryCode, keys: generateDeviceKeys() }
    documents.set(path, clientMetadataDocument(identity))
    return identity
  }
  const prisonHealthcare = make('/hmp-leeds-healthcare', 'HMP Leeds Healthcare', 'prison_healthcare', 'NTE01')
  const surgery = make('/riverside-surgery', 'Riverside Surgery', 'gp_surgery', 'B86011')
  const probation = make('/leeds-probation', 'Leeds Probation Delivery Unit', 'probation', 'N53')
  const operator = generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const trustListJws = signTrustList(
    {
      iss: 'Holdall demo trust list',
      iat: now,
      exp: now + 7 * 86_400,
      organisations: [prisonHealthcare, surgery, probation].map((o) => trustListEntry(o)),
    },
    operator.secretKey,
  )
  return {
    prisonHealthcare,
    surgery,
    probation,
    trustListJws,
    operatorPublicKey: operator.publicKey,
    operatorJwk: toPublicJwk(operator.publicKey, 'Ed25519'),
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}
