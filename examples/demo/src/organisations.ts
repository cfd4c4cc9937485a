import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clientMetadataDocument, type ServiceIdentity, signTrustList, trustListEntry } from '@holdall/client'
import { generateDeviceKeys, generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'
import type { OrganisationCategory } from '@holdall/protocol'
import type { DevFixtures } from './dev-fixtures.js'

/**
 * The demo's organisations, each publishing its metadata document from a small web server on
 * 127.0.0.1 (as a surgery's own website would), and a trust list that lists them. With the
 * development fixtures (a host you started with `npm run dev`), they are the fixtures' keys, served
 * on the fixtures' fixed port, and the list is the one that host serves; without, fresh keys on
 * any free port and a list signed by a throwaway key, for the host the demo starts itself.
 */
export async function demoOrganisations(fixtures?: DevFixtures) {
  const documents = new Map<string, unknown>()
  const server: Server = createServer((req, res) => {
    const document = documents.get(req.url ?? '')
    if (document === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document))
  })
  const port = fixtures === undefined ? 0 : Number(new URL(fixtures.organisations.surgery.clientId).port)
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} is in use: the demo serves its organisations' metadata there; stop what uses it (another demo still running?)`,
            )
          : error,
      ),
    )
    server.listen(port, '127.0.0.1', resolve)
  })
  const close = () => new Promise((resolve) => server.close(resolve))
  const publish = (identity: ServiceIdentity) => {
    documents.set(new URL(identity.clientId).pathname, clientMetadataDocument(identity))
    return identity
  }
  if (fixtures !== undefined) {
    const { prisonHealthcare, surgery, probation, pharmacy, housing, employer, prison, drugService, jobcentre, bank } =
      fixtures.organisations
    return {
      prison: publish(prison),
      drugService: publish(drugService),
      jobcentre: publish(jobcentre),
      bank: publish(bank),
      prisonHealthcare: publish(prisonHealthcare),
      surgery: publish(surgery),
      probation: publish(probation),
      pharmacy: publish(pharmacy),
      housing: publish(housing),
      employer: publish(employer),
      trustListJws: fixtures.trustListJws,
      operatorPublicKey: fixtures.operatorPublicKey,
      operatorJwk: toPublicJwk(fixtures.operatorPublicKey, 'Ed25519'),
      close,
    }
  }
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const make = (path: string, name: string, category: OrganisationCategory, registryCode: string) =>
    publish({ clientId: `${base}${path}`, name, category, registryCode, keys: generateDeviceKeys() })
  const prisonHealthcare = make('/hmp-leeds-healthcare', 'HMP Leeds Healthcare', 'prison_healthcare', 'NTE01')
  const surgery = make('/riverside-surgery', 'Riverside Surgery', 'gp_surgery', 'B86011')
  const probation = make('/leeds-probation', 'Leeds Probation Delivery Unit', 'probation', 'N53')
  // Issue 21: npm run demo:week.
  const pharmacy = make('/high-street-pharmacy', 'High Street Pharmacy', 'pharmacy', 'FA123')
  const housing = make('/leeds-housing-options', 'Leeds Housing Options', 'housing', 'E08000035')
  const employer = make('/build-right', 'Build Right Ltd', 'employer', '87654321')
  // Scenarios 6, 8, 9 and 10 of npm run demo:week.
  const prison = make('/hmp-leeds', 'HMP Leeds', 'prison', 'LEI')
  const drugService = make('/forward-leeds', 'Forward Leeds', 'drug_service', 'FL001')
  const jobcentre = make('/leeds-jobcentre', 'Leeds City Jobcentre', 'jobcentre', 'JCP01')
  const bank = make('/northern-bank', 'Northern Bank', 'bank', 'FRN123456')
  const operator = generateSigningKeyPair()
  const now = Math.floor(Date.now() / 1000)
  const trustListJws = signTrustList(
    {
      format: 2,
      iss: 'Holdall demo trust list',
      iat: now,
      exp: now + 7 * 86_400,
      organisations: [
        prisonHealthcare,
        surgery,
        probation,
        pharmacy,
        housing,
        employer,
        prison,
        drugService,
        jobcentre,
        bank,
      ].map((o) => trustListEntry(o)),
    },
    operator.secretKey,
  )
  return {
    prisonHealthcare,
    surgery,
    probation,
    pharmacy,
    housing,
    employer,
    prison,
    drugService,
    jobcentre,
    bank,
    trustListJws,
    operatorPublicKey: operator.publicKey,
    operatorJwk: toPublicJwk(operator.publicKey, 'Ed25519'),
    close,
  }
}

export type DemoOrganisations = Awaited<ReturnType<typeof demoOrganisations>>
