import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ServiceIdentity, signTrustList, trustListEntry } from '@holdall/client'
import { generateSigningKeyPair, toPublicJwk } from '@holdall/crypto'

/**
 * Development only: a trust list that lists this surgery, signed by a throwaway operator key, so a
 * local `npm start` host shows it as verified. A real surgery is listed by the real operator, and
 * pins that operator's public key; it never signs its own listing.
 */
export function writeDevTrustList(
  dataDir: string,
  surgery: ServiceIdentity,
  now = Date.now(),
): { listFile: string; anchorFile: string } {
  const operator = generateSigningKeyPair()
  const iat = Math.floor(now / 1000)
  const jws = signTrustList(
    {
      format: 2,
      iss: 'Holdall surgery development trust list',
      iat,
      exp: iat + 30 * 86_400,
      organisations: [trustListEntry(surgery)],
    },
    operator.secretKey,
  )
  const listFile = join(dataDir, 'dev-trust-list.jws')
  const anchorFile = join(dataDir, 'dev-trust-anchor.jwk')
  writeFileSync(listFile, `${jws}\n`)
  writeFileSync(anchorFile, `${JSON.stringify(toPublicJwk(operator.publicKey, 'Ed25519'))}\n`)
  return { listFile, anchorFile }
}
