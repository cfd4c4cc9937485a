import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from 'node:test'
import { verifyTrustList } from '@holdall/client'
import { CONFIG_ENV, type SuiteConfig } from './config.js'
import { FEATURES, type FeatureName, type FeatureState } from './features.js'
import { createFixtures, type Fixtures, loadFixtures, metadataDocuments } from './fixtures.js'
import { serveMetadata } from './metadata-server.js'

export interface RunOptions {
  /** The host under test. */
  baseUrl: string
  /** A directory written by `holdall-conformance fixtures`; without it, fresh fixtures are made. */
  fixturesDir?: string
  /** Where the metadata server listens; by default the loopback port of the fixtures' URL. */
  metadataListen?: { host: string; port: number }
  /** Optional features the operator declares the host does not implement. */
  without?: FeatureName[]
  /** Run only suites whose file name contains one of these. */
  suites?: string[]
  /** Per-test timeout in milliseconds. */
  timeoutMs?: number
  /** Partner mode (spec 11.6): a second host; the partner suite runs its cross-host checks. */
  partnerUrl?: string
  /** Where progress lines go. */
  write?: (line: string) => void
}

export interface RunResult {
  passed: number
  failed: number
  skipped: number
  /** The last line printed, as CI parses it: `N passed, N failed, N skipped`. */
  summary: string
}

const suitesDir = join(import.meta.dirname, 'suites')

export function suiteFiles(filter: string[] = [], partner = false): string[] {
  return (
    readdirSync(suitesDir)
      .filter((f) => f.endsWith('.suite.js'))
      // The cross-host checks need a second host: they run in partner mode only.
      .filter((f) => partner || !f.startsWith('partner.'))
      .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)))
      .sort()
      .map((f) => join(suitesDir, f))
  )
}

export async function detectFeatures(
  baseUrl: string,
  fixtures: Fixtures,
  without: FeatureName[],
): Promise<Record<FeatureName, FeatureState>> {
  const features = {} as Record<FeatureName, FeatureState>
  for (const name of Object.keys(FEATURES) as FeatureName[]) features[name] = true
  for (const name of without) features[name] = 'declared absent by --without'
  if (features['verified-organisations'] === true) {
    try {
      const discovery = (await (await fetch(`${baseUrl}/.well-known/holdall`)).json()) as { trust_list_uri?: string }
      const response = await fetch(discovery.trust_list_uri ?? `${baseUrl}/trust-list`)
      if (!response.ok) throw new Error(`GET /trust-list answered ${response.status}`)
      const trusted = verifyTrustList(await response.text(), fixtures.operatorPublicKey)
      if (trusted.byClientId(fixtures.organisations.prisonHealthcare.clientId) === undefined) {
        throw new Error("the host's trust list does not list the suite's organisations")
      }
    } catch (error) {
      features['verified-organisations'] =
        `the host does not serve the suite's trust list (${error instanceof Error ? error.message : String(error)})`
    }
  }
  return features
}

/** Runs the suites against `baseUrl` and counts the results. Never throws for a failing host. */
export async function runConformance(options: RunOptions): Promise<RunResult> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const scratch = mkdtempSync(join(tmpdir(), 'holdall-conformance-'))
  let fixtures: Fixtures
  let listen = options.metadataListen
  if (options.fixturesDir !== undefined) {
    fixtures = loadFixtures(JSON.parse(readFileSync(join(options.fixturesDir, 'fixtures.json'), 'utf8')))
    if (listen === undefined) {
      const url = new URL(fixtures.metadataBaseUrl)
      listen = {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      }
    }
  } else {
    // Fresh keys, and a metadata server on a loopback port chosen now.
    const probe = await serveMetadata(new Map(), listen ?? { host: '127.0.0.1', port: 0 })
    await probe.close()
    listen = { host: listen?.host ?? '127.0.0.1', port: probe.port }
    fixtures = createFixtures(`http://${listen.host}:${listen.port}`)
  }
  const fixturesFile = join(scratch, 'fixtures.json')
  writeFileSync(fixturesFile, JSON.stringify(fixtures.file), { mode: 0o600 })
  const metadata = await serveMetadata(metadataDocuments(fixtures), listen)

  write(`Holdall conformance suite against ${baseUrl}`)
  const reachable = await fetch(`${baseUrl}/.well-known/holdall`).then(
    (response) => response.ok,
    () => false,
  )
  if (!reachable) write(`warning: ${baseUrl}/.well-known/holdall did not answer 200; expect every test to fail`)
  const features = await detectFeatures(baseUrl, fixtures, options.without ?? [])
  write(`organisations' metadata served at ${fixtures.metadataBaseUrl}`)
  for (const [name, state] of Object.entries(features)) {
    write(`feature ${name}: ${state === true ? 'yes' : `no (${state})`}`)
  }

  const partnerUrl = options.partnerUrl?.replace(/\/+$/, '')
  if (partnerUrl !== undefined) write(`partner host (cross-host checks): ${partnerUrl}`)
  const config: SuiteConfig = { baseUrl, fixturesFile, features, ...(partnerUrl === undefined ? {} : { partnerUrl }) }
  process.env[CONFIG_ENV] = JSON.stringify(config)
  let passed = 0
  let failed = 0
  let skipped = 0
  try {
    const files = suiteFiles(options.suites, partnerUrl !== undefined)
    if (files.length === 0) throw new Error(`no suite matches ${options.suites?.join(', ')}`)
    const stream = run({ files, concurrency: 1, timeout: options.timeoutMs ?? 60_000 })
    for await (const event of stream) {
      if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
      const data = event.data as {
        name: string
        nesting: number
        skip?: boolean | string
        todo?: boolean | string
        details: { type?: string; error?: Error & { cause?: unknown } }
      }
      const indent = '  '.repeat(data.nesting)
      const skippedReason = data.skip !== undefined && data.skip !== false ? data.skip : undefined
      if (data.details.type === 'suite' && skippedReason === undefined) {
        if (event.type === 'test:pass') {
          write(`${indent}${data.name}`)
          continue
        }
        // A suite fails on its own when a hook or its body throws; when only its tests failed,
        // they were counted already. Either way nothing is lost: a suite-level error counts once.
        const error = data.details.error as (Error & { failureType?: string }) | undefined
        if (error?.failureType === 'subtestsFailed') {
          write(`${indent}✖ ${data.name}`)
          continue
        }
        failed += 1
        write(`${indent}✖ ${data.name}\n${indent}    ${describe(error)}`)
        continue
      }
      if (event.type === 'test:fail') {
        failed += 1
        write(`${indent}✖ ${data.name}\n${indent}    ${describe(data.details.error)}`)
      } else if (skippedReason !== undefined) {
        // A skipped suite counts once: its tests never ran, so none of them may count as passed.
        skipped += 1
        write(`${indent}- ${data.name} (skipped: ${typeof skippedReason === 'string' ? skippedReason : 'no reason'})`)
      } else {
        passed += 1
        write(`${indent}✔ ${data.name}`)
      }
    }
  } finally {
    delete process.env[CONFIG_ENV]
    await metadata.close()
    rmSync(scratch, { recursive: true, force: true })
  }
  const summary = `${passed} passed, ${failed} failed, ${skipped} skipped`
  write(summary)
  return { passed, failed, skipped, summary }
}

function describe(error: (Error & { cause?: unknown }) | undefined): string {
  if (error === undefined) return 'failed'
  const cause = error.cause instanceof Error ? error.cause : error
  return cause.message.split('\n').slice(0, 6).join('\n      ')
}
