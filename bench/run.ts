/**
 * `npm run bench`: runs each benchmark in its own process; each prints its tables and writes its
 * figures to bench/results/<name>-<timestamp>.json. Benchmarks are measurements, never pass/fail
 * tests; the goals are printed beside the figures so a reader sees where we stand.
 *
 *   npm run bench                              every benchmark, full size (about 15 minutes)
 *   npm run bench -- --only http,revocation    some of them (crypto, log, http, revocation, large-file, growth, start)
 *   npm run bench -- --quick                   scaled down (short runs, 10k records, 32 MiB)
 *
 * Each script also runs alone with its own options, e.g. `npx tsx bench/growth.ts --records 1000,100000`.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'crypto,log,http,revocation,large-file,growth,start' },
    quick: { type: 'boolean', default: false },
  },
})
const here = import.meta.dirname
const quick: Record<string, string[]> = {
  crypto: [],
  log: ['--quick'],
  http: ['--duration', '3', '--warmup', '1'],
  revocation: ['--before', '2', '--after', '1'],
  'large-file': ['--mib', '32'],
  growth: ['--records', '1000,10000', '--approve-records', '100', '--duration', '3'],
  start: ['--rounds', '2'],
}
for (const name of values.only.split(',')) {
  if (!(name in quick)) throw new Error(`no benchmark called ${name}; choose from ${Object.keys(quick).join(', ')}`)
  console.log(`\n=== ${name} ===`)
  execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(here, `${name}.ts`), ...(values.quick ? (quick[name] ?? []) : [])],
    { cwd: join(here, '..'), stdio: 'inherit' },
  )
}
