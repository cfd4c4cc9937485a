import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { clientMetadataDocument, HolderClient, ServiceClient, verifyTrustList } from '@holdall/client'
import { fromPublicJwk, generateDeviceKeys } from '@holdall/crypto'

const host = process.env.HOLDALL_HOST_URL ?? 'http://127.0.0.1:8080'
// The trust list operator's key, pinned by the service (npm run dev writes a development one).
const anchorFile = process.env.HOLDALL_TRUST_ANCHOR_FILE ?? '.holdall-dev/trust-anchor.jwk'
const operatorPublicKey = fromPublicJwk(JSON.parse(readFileSync(anchorFile, 'utf8')), 'Ed25519')

// The service's client_id is the URL of its metadata document, served by its own web site:
// https in production; a development host also accepts http://127.0.0.1.
const site = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(clientMetadataDocument(identity)))
})
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
const address = site.address() as { port: number }
const identity = {
  clientId: `http://127.0.0.1:${address.port}/holdall/client.json`,
  name: 'Example Surgery',
  category: 'gp_surgery' as const,
  registryCode: 'B99999',
  keys: generateDeviceKeys(), // keep these on the service's server, never in a browser
}

// The holder's phone: a vault with one appointment, and the code shown at the desk.
const holder = await HolderClient.createVault(host)
await holder.putRecord(
  'appointment',
  {
    recordType: 'appointment',
    with: 'Dr Khan',
    purpose: 'Medication review',
    time: '2027-01-05T10:00:00Z',
    address: '1 Park Row, Leeds',
  },
  'GP appointment',
)
const { qr: code } = await holder.createPairingCode() // the QR text: the code and the vault's device-list root

// The surgery asks, with the QR code it scanned; both screens show the binding message.
const gp = new ServiceClient(host, identity)
const request = holder.waitForRequest(10_000)
const { authReqId } = await gp.requestAccess({
  pairingCode: code,
  bindingMessage: 'Example 2231',
  details: [
    {
      type: 'holdall_records',
      actions: ['read'],
      record_types: ['appointment'],
      purpose: 'Your review',
      duration_days: 1,
    },
  ],
})
const [pending] = await request
if (pending === undefined) throw new Error('the request did not reach the phone')
await holder.approve(pending) // on the phone: Share

await gp.waitForDecision(authReqId, { intervalMs: 500 }) // throws access_denied on refusal
const trusted = verifyTrustList(await (await fetch(`${host}/trust-list`)).text(), operatorPublicKey)
for (const view of await gp.records()) {
  const { issuer, payload } = await gp.readRecord(view, trusted) // the signature is checked first
  console.log(`${view.record_type} written by ${issuer}:`, payload)
}
site.close()
