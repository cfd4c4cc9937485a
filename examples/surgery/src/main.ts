import { readFileSync } from 'node:fs'
import { fromPublicJwk } from '@holdall/crypto'
import { buildSurgeryApp } from './app.js'
import { configFromEnv } from './config.js'
import { writeDevTrustList } from './dev-trust-list.js'
import { loadOrCreateKeys, surgeryIdentity } from './identity.js'

/*
 * npm run surgery                      the reception page on SURGERY_PORT (8090), asking through
 *                                      HOLDALL_HOST_URL (http://127.0.0.1:8080)
 * npm run surgery -- dev-trust-list    development only: write a trust list naming this surgery
 *                                      for a local host to serve (see examples/surgery/README.md)
 */
async function main(): Promise<void> {
  const config = configFromEnv()
  const keys = loadOrCreateKeys(config.dataDir)
  const identity = surgeryIdentity({ publicUrl: config.publicUrl, name: config.name, odsCode: config.odsCode, keys })

  if (process.argv.includes('dev-trust-list')) {
    const { listFile, anchorFile } = writeDevTrustList(config.dataDir, identity)
    process.stdout.write(`Wrote ${listFile} and ${anchorFile}. Start the host with:\n`)
    process.stdout.write(
      `  HOLDALL_ALLOW_LOOPBACK_METADATA=1 HOLDALL_TRUST_LIST_FILE=${listFile} HOLDALL_TRUST_ANCHOR_FILE=${anchorFile} npm start\n`,
    )
    process.stdout.write(`and this service with:\n  HOLDALL_TRUST_ANCHOR_FILE=${anchorFile} npm run surgery\n`)
    return
  }

  const trustAnchor =
    config.trustAnchorFile === undefined
      ? undefined
      : fromPublicJwk(JSON.parse(readFileSync(config.trustAnchorFile, 'utf8')), 'Ed25519')
  const { app } = await buildSurgeryApp({ config, identity, trustAnchor })
  await app.listen({ host: config.listenHost, port: config.port })
  process.stdout.write(`${config.name} is open at ${config.publicUrl}/ (asking through ${config.hostUrl})\n`)
  process.stdout.write(`Its metadata document (client_id): ${identity.clientId}\n`)
  if (trustAnchor === undefined)
    process.stdout.write('No HOLDALL_TRUST_ANCHOR_FILE: every signature will be shown as one we cannot check.\n')
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close())
}

main().catch((error: unknown) => {
  process.stderr.write(`surgery: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
