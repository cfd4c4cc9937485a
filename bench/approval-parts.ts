/**
 * The holder's share of approving a grant over --records records, without a host: checking each
 * record's manifest (strict Ed25519 on each backend) and wrapping each record key to the service
 * (HPKE, X25519 on WebCrypto), timed apart. Prints milliseconds; writes nothing.
 *
 *   tsx bench/approval-parts.ts [--records 1000]
 */
import { parseArgs } from 'node:util'
import {
  generateAgreementKeyPair,
  generateDataKey,
  generateId,
  generateSigningKeyPair,
  signManifest,
  verifyManifest,
  verifyManifestAsync,
  wrapToGrantee,
} from '@holdall/crypto'

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000' } } })
const count = Number(values.records)
const author = generateSigningKeyPair()
const service = generateAgreementKeyPair()
const { keyThumbprint } = await import('@holdall/crypto')
const manifests = Array.from({ length: count }, (_, i) =>
  signManifest(
    {
      vaultId: generateId(),
      recordId: generateId(),
      version: 1,
      keyEpoch: 0,
      recordTypeCode: 1,
      commitment: new Uint8Array(32),
      ciphertextSha256: new Uint8Array(32),
      ciphertextLength: 1024 + i,
      previousManifestSha256: new Uint8Array(32),
      authorKeyId: keyThumbprint(author.publicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    author.secretKey,
  ),
)
const time = async (what: string, work: () => Promise<unknown> | unknown) => {
  const started = performance.now()
  await work()
  console.log(`${what}: ${(performance.now() - started).toFixed(0)} ms`)
}
await time(`verify ${count} manifests, verifyManifest (node:crypto)`, () => {
  for (const m of manifests) verifyManifest(m.bytes, author.publicKey)
})
await time(`verify ${count} manifests, verifyManifestAsync, all at once`, () =>
  Promise.all(manifests.map((m) => verifyManifestAsync(m.bytes, author.publicKey))),
)
const grantId = generateId()
const wrap = () =>
  wrapToGrantee(generateDataKey(), service.publicKey, { grantId, vaultId: grantId, recordId: grantId, version: 1 })
await time(`wrap ${count} keys one after another`, async () => {
  for (let i = 0; i < count; i++) await wrap()
})
await time(`wrap ${count} keys 64 at a time`, async () => {
  for (let i = 0; i < count; i += 64) await Promise.all(Array.from({ length: Math.min(64, count - i) }, wrap))
})
