import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type ServiceIdentity, signTrustList, trustListEntry, verifyTrustList } from '@holdall/client'
import { createFixtures, ORGANISATIONS } from '@holdall/conformance'
import {
  base64urlDecode,
  base64urlEncode,
  type DeviceKeys,
  fromPublicJwk,
  generateDeviceKeys,
  toPublicJwk,
} from '@holdall/crypto'
import type { OrganisationCategory } from '@holdall/protocol'

/*
 * The development fixtures: one folder (`.holdall-dev`, or HOLDALL_DEV_DIR) with the keys of every
 * organisation the demos, the surgery and the conformance suite play, and ONE trust list that
 * names them all, signed by a development operator key. A host started with that list (npm run
 * dev does it) lets every demo run against it, any number of times, without a restart.
 *
 *   organisations.json       the demos' organisations and their private keys (0600)
 *   surgery/keys.json        the surgery's private keys, in the surgery's own format (0600)
 *   conformance/             the conformance suite's fixtures, carrying the same trust list
 *   trust-list.jws           the signed list the host serves (HOLDALL_TRUST_LIST_FILE)
 *   trust-anchor.jwk         the operator's public key (HOLDALL_TRUST_ANCHOR_FILE), pinned by the
 *                            wallet, the surgery and the demos
 *
 * The organisations' client_ids are metadata URLs on fixed loopback ports (the demos and the
 * suite serve them while they run), so the host must be allowed loopback metadata: a development
 * setting it refuses in production or behind a public URL.
 */

export const DEV_DIR = resolve(process.env.HOLDALL_DEV_DIR ?? '.holdall-dev')
/*
 * Fixed loopback ports, written into the organisations' client_ids (and so into the trust list)
 * when the fixtures are made; the variables move them, e.g. for tests beside a running dev host.
 */
/** Where the demos serve their organisations' metadata documents while they run. */
export const DEMO_METADATA_URL = `http://127.0.0.1:${process.env.HOLDALL_DEV_DEMO_METADATA_PORT ?? '8091'}`
/** Where the conformance suite serves its organisations' metadata documents while it runs. */
export const CONFORMANCE_METADATA_URL = `http://127.0.0.1:${process.env.HOLDALL_DEV_CONFORMANCE_METADATA_PORT ?? '8092'}`
/** The surgery's public URL in development (npm run dev starts it there). */
export const SURGERY_URL = `http://127.0.0.1:${process.env.SURGERY_PORT ?? '8090'}`
const LIST_DAYS = 365
// 3: the organisations of demo:week scenarios 6, 8, 9 and 10 were added (older fixtures are remade).
const FORMAT = 'holdall-dev-fixtures/3'

const DEMO_ORGANISATIONS = {
  prisonHealthcare: {
    path: '/hmp-leeds-healthcare',
    name: 'HMP Leeds Healthcare',
    category: 'prison_healthcare',
    code: 'NTE01',
  },
  surgery: { path: '/riverside-surgery', name: 'Riverside Surgery (demo)', category: 'gp_surgery', code: 'B86011' },
  probation: { path: '/leeds-probation', name: 'Leeds Probation Delivery Unit', category: 'probation', code: 'N53' },
  // Issue 21: npm run demo:week.
  pharmacy: { path: '/high-street-pharmacy', name: 'High Street Pharmacy', category: 'pharmacy', code: 'FA123' },
  housing: { path: '/leeds-housing-options', name: 'Leeds Housing Options', category: 'housing', code: 'E08000035' },
  employer: { path: '/build-right', name: 'Build Right Ltd', category: 'employer', code: '87654321' },
  // demo:week scenarios 6, 8, 9 and 10.
  prison: { path: '/hmp-leeds', name: 'HMP Leeds', category: 'prison', code: 'LEI' },
  drugService: { path: '/forward-leeds', name: 'Forward Leeds', category: 'drug_service', code: 'FL001' },
  jobcentre: { path: '/leeds-jobcentre', name: 'Leeds City Jobcentre', category: 'jobcentre', code: 'JCP01' },
  bank: { path: '/northern-bank', name: 'Northern Bank', category: 'bank', code: 'FRN123456' },
} as const satisfies Record<string, { path: string; name: string; category: OrganisationCategory; code: string }>

export type DemoOrganisationName = keyof typeof DEMO_ORGANISATIONS

interface StoredPair {
  secretKey: string
  publicKey: string
}
interface StoredKeys {
  signing: StoredPair
  agreement: StoredPair
}

export interface DevFixtures {
  readonly dir: string
  readonly organisations: Record<DemoOrganisationName, ServiceIdentity>
  readonly trustListJws: string
  readonly operatorPublicKey: Uint8Array
  readonly files: { trustList: string; trustAnchor: string; surgeryDataDir: string; conformance: string }
}

const encode = (keys: DeviceKeys): StoredKeys => ({
  signing: { secretKey: base64urlEncode(keys.signing.secretKey), publicKey: base64urlEncode(keys.signing.publicKey) },
  agreement: {
    secretKey: base64urlEncode(keys.agreement.secretKey),
    publicKey: base64urlEncode(keys.agreement.publicKey),
  },
})
const decode = (keys: StoredKeys): DeviceKeys => ({
  signing: { secretKey: base64urlDecode(keys.signing.secretKey), publicKey: base64urlDecode(keys.signing.publicKey) },
  agreement: {
    secretKey: base64urlDecode(keys.agreement.secretKey),
    publicKey: base64urlDecode(keys.agreement.publicKey),
  },
})

function demoIdentities(stored: Record<DemoOrganisationName, StoredKeys>, base = DEMO_METADATA_URL) {
  const out = {} as Record<DemoOrganisationName, ServiceIdentity>
  for (const name of Object.keys(DEMO_ORGANISATIONS) as DemoOrganisationName[]) {
    const org = DEMO_ORGANISATIONS[name]
    out[name] = {
      clientId: `${base}${org.path}`,
      name: org.name,
      category: org.category,
      registryCode: org.code,
      keys: decode(stored[name]),
    }
  }
  return out
}

const filesOf = (dir: string) => ({
  trustList: join(dir, 'trust-list.jws'),
  trustAnchor: join(dir, 'trust-anchor.jwk'),
  surgeryDataDir: join(dir, 'surgery'),
  conformance: join(dir, 'conformance'),
})

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 })
  chmodSync(path, 0o600)
}

/**
 * Makes every key and the trust list, replacing what `dir` held. The operator key is the
 * conformance fixtures' own, so the suite verifies the list the host serves with the key it knows.
 */
export function writeDevFixtures(dir = DEV_DIR, now = Date.now()): DevFixtures {
  const files = filesOf(dir)
  mkdirSync(files.surgeryDataDir, { recursive: true, mode: 0o700 })
  mkdirSync(files.conformance, { recursive: true, mode: 0o700 })
  const stored = {} as Record<DemoOrganisationName, StoredKeys>
  for (const name of Object.keys(DEMO_ORGANISATIONS) as DemoOrganisationName[])
    stored[name] = encode(generateDeviceKeys())
  const demo = demoIdentities(stored)
  const surgeryKeys = generateDeviceKeys()
  const surgery: ServiceIdentity = {
    clientId: `${SURGERY_URL}/client-metadata.json`,
    name: 'Riverside Surgery',
    category: 'gp_surgery',
    registryCode: 'B86011',
    keys: surgeryKeys,
  }
  const conformance = createFixtures(CONFORMANCE_METADATA_URL, LIST_DAYS)
  const listed = (Object.keys(ORGANISATIONS) as (keyof typeof ORGANISATIONS)[])
    .filter((name) => ORGANISATIONS[name].listed)
    .map((name) => conformance.organisations[name])
  const iat = Math.floor(now / 1000)
  const trustListJws = signTrustList(
    {
      format: 2,
      iss: 'Holdall development trust list (npm run dev:fixtures): never for real records',
      iat,
      exp: iat + LIST_DAYS * 86_400,
      organisations: [...Object.values(demo), surgery, ...listed].map((identity) => trustListEntry(identity)),
    },
    base64urlDecode(conformance.file.operator.secretKey),
  )
  writePrivate(
    join(dir, 'organisations.json'),
    `${JSON.stringify({ format: FORMAT, organisations: stored }, null, 2)}\n`,
  )
  // The surgery reads its keys from SURGERY_DATA_DIR/keys.json (examples/surgery/src/identity.ts).
  writePrivate(join(files.surgeryDataDir, 'keys.json'), JSON.stringify(encode(surgeryKeys)))
  writePrivate(
    join(files.conformance, 'fixtures.json'),
    JSON.stringify({ ...conformance.file, trustList: trustListJws }, null, 2),
  )
  const anchor = `${JSON.stringify(toPublicJwk(conformance.operatorPublicKey, 'Ed25519'))}\n`
  writeFileSync(join(files.conformance, 'trust-list.jwt'), `${trustListJws}\n`)
  writeFileSync(join(files.conformance, 'trust-anchor.jwk'), anchor)
  writeFileSync(files.trustList, `${trustListJws}\n`)
  writeFileSync(files.trustAnchor, anchor)
  return { dir, organisations: demo, trustListJws, operatorPublicKey: conformance.operatorPublicKey, files }
}

export class MissingFixturesError extends Error {
  override readonly name = 'MissingFixturesError'
}

/** Reads the fixtures `writeDevFixtures` wrote; a missing, foreign or expired set says how to remake it. */
export function loadDevFixtures(dir = DEV_DIR, now = Date.now()): DevFixtures {
  const files = filesOf(dir)
  const remake = `run npm run dev:fixtures (or npm run dev, which makes them)`
  if (!existsSync(join(dir, 'organisations.json')) || !existsSync(files.trustList) || !existsSync(files.trustAnchor))
    throw new MissingFixturesError(`no development fixtures in ${dir}: ${remake}`)
  const file = JSON.parse(readFileSync(join(dir, 'organisations.json'), 'utf8')) as {
    format?: string
    organisations: Record<DemoOrganisationName, StoredKeys>
  }
  if (file.format !== FORMAT) throw new MissingFixturesError(`${dir}/organisations.json is not ours: ${remake}`)
  const trustListJws = readFileSync(files.trustList, 'utf8').trim()
  let operatorPublicKey: Uint8Array
  try {
    operatorPublicKey = fromPublicJwk(JSON.parse(readFileSync(files.trustAnchor, 'utf8')), 'Ed25519')
    verifyTrustList(trustListJws, operatorPublicKey, now)
  } catch {
    throw new MissingFixturesError(`the development trust list in ${dir} has expired or does not verify: ${remake}`)
  }
  return { dir, organisations: demoIdentities(file.organisations), trustListJws, operatorPublicKey, files }
}
