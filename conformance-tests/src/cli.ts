#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { FEATURES, isFeatureName } from './features.js'
import { createFixtures, trustAnchorJwk } from './fixtures.js'
import { runConformance } from './run.js'

const HELP = `holdall-conformance: the Holdall host conformance suite (black box, over HTTP)

  holdall-conformance --base-url <url> [options]
      Runs every suite against the host at <url> and ends with "N passed, N failed, N skipped".
      Exits 1 if any test failed.
      --fixtures <dir>            use fixtures written by "holdall-conformance fixtures"; without
                                  it the suite makes fresh keys and serves their metadata on
                                  127.0.0.1, so the host must be allowed to fetch loopback metadata
      --metadata-listen <h:port>  where to serve the organisations' metadata documents
      --without <feature>         declare that the host lacks an optional feature (repeatable)
      --suite <name>              run only suites whose file name contains <name> (repeatable)
      --timeout <seconds>         per-test timeout (default 60)
      --partner-url <url>         partner mode (spec 11.6): also run the cross-host checks with a
                                  second host at <url> (a holder there, services and issuers found
                                  through the base host's trust list); both hosts must serve the
                                  same trust list, whose host registry names both (fixtures --host-url)

  holdall-conformance fixtures --out <dir> --metadata-base-url <url> [--host-url <url>]...
      Writes fixtures.json (the suite's organisations and keys: keep it private),
      trust-list.jwt and trust-anchor.jwk. Configure the host to serve that trust list, serve
      <url> from where this suite runs (or a tunnel to --metadata-listen), then run with --fixtures.
      Each --host-url is listed in the trust list's host registry (numbers 1, 2, ... in order):
      give the base and partner hosts' public URLs for partner mode.

Optional features:
${Object.entries(FEATURES)
  .map(([name, text]) => `  ${name}: ${text}`)
  .join('\n')}
`

function seconds(value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) === 0) throw new Error('--timeout takes a whole number of seconds')
  return Number(value)
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'base-url': { type: 'string' },
      fixtures: { type: 'string' },
      'metadata-listen': { type: 'string' },
      'metadata-base-url': { type: 'string' },
      out: { type: 'string' },
      without: { type: 'string', multiple: true },
      suite: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'partner-url': { type: 'string' },
      'host-url': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return 0
  }
  if (positionals[0] === 'fixtures') {
    if (values.out === undefined || values['metadata-base-url'] === undefined)
      throw new Error('fixtures needs --out and --metadata-base-url')
    const hostUrls = values['host-url'] ?? []
    for (const url of hostUrls)
      if (!/^https?:\/\/[^/]+$/.test(url)) throw new Error('--host-url takes an origin, e.g. http://127.0.0.1:8080')
    const fixtures = createFixtures(values['metadata-base-url'], 30, hostUrls)
    const out = resolve(values.out)
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'fixtures.json'), JSON.stringify(fixtures.file, null, 2), { mode: 0o600 })
    writeFileSync(join(out, 'trust-list.jwt'), `${fixtures.trustList}\n`)
    writeFileSync(join(out, 'trust-anchor.jwk'), `${JSON.stringify(trustAnchorJwk(fixtures))}\n`)
    process.stdout.write(
      `Wrote ${out}/fixtures.json, trust-list.jwt and trust-anchor.jwk.\nFor the reference host: HOLDALL_TRUST_LIST_FILE=${out}/trust-list.jwt HOLDALL_TRUST_ANCHOR_FILE=${out}/trust-anchor.jwk\n`,
    )
    return 0
  }
  if (positionals.length > 0 && positionals[0] !== 'run') throw new Error(`unknown command ${positionals[0]}`)
  const baseUrl = values['base-url']
  if (baseUrl === undefined || !/^https?:\/\//.test(baseUrl)) throw new Error('--base-url <http(s) url> is required')
  const partnerUrl = values['partner-url']
  if (partnerUrl !== undefined && !/^https?:\/\//.test(partnerUrl))
    throw new Error('--partner-url takes an http(s) url')
  const without = values.without ?? []
  for (const name of without) if (!isFeatureName(name)) throw new Error(`unknown feature ${name}`)
  let metadataListen: { host: string; port: number } | undefined
  if (values['metadata-listen'] !== undefined) {
    const match = /^(.+):(\d+)$/.exec(values['metadata-listen'])
    if (match === null) throw new Error('--metadata-listen takes host:port')
    metadataListen = { host: (match[1] as string).replace(/^\[|\]$/g, ''), port: Number(match[2]) }
  }
  const result = await runConformance({
    baseUrl,
    ...(values.fixtures === undefined ? {} : { fixturesDir: resolve(values.fixtures) }),
    ...(metadataListen === undefined ? {} : { metadataListen }),
    without: without.filter(isFeatureName),
    ...(values.suite === undefined ? {} : { suites: values.suite }),
    ...(values.timeout === undefined ? {} : { timeoutMs: seconds(values.timeout) * 1000 }),
    ...(partnerUrl === undefined ? {} : { partnerUrl }),
  })
  return result.failed > 0 ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`holdall-conformance: ${error instanceof Error ? error.message : String(error)}\n${HELP}`)
    process.exitCode = 2
  },
)
