/**
 * The envelope benchmarks (throughput and memory), each case in its own process; prints tables
 * and writes bench/results/crypto-<timestamp>.json. Run by `npm run bench` (bench/run.ts).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

const here = import.meta.dirname
const run = (script: string, ...args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, script), ...args], {
      cwd: join(here, '..'),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    }).trim(),
  )

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: totalmem() / 2 ** 30,
}
console.log(
  `machine: node ${machine.node}, ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB.toFixed(0)} GiB`,
)

console.log('\nEnvelope throughput, 64 MiB, MiB/s (median of rounds; ratios are medians of per-round ratios)')
const throughput = run('envelope-throughput.ts')
const t = throughput.mibPerSecond
const r = throughput.ratios
console.table([
  { case: 'raw one-shot XChaCha20-Poly1305 encrypt', 'MiB/s': t.rawEncrypt.toFixed(1) },
  { case: 'raw one-shot encrypt + SHA-256 of output', 'MiB/s': t.rawEncryptSha256.toFixed(1) },
  { case: 'envelope encrypt stream, digest: false', 'MiB/s': t.streamEncryptNoDigest.toFixed(1) },
  { case: 'envelope encrypt stream, with SHA-256 for the manifest (default)', 'MiB/s': t.streamEncrypt.toFixed(1) },
  { case: 'raw one-shot XChaCha20-Poly1305 decrypt', 'MiB/s': t.rawDecrypt.toFixed(1) },
  { case: 'raw one-shot decrypt + SHA-256 of input', 'MiB/s': t.rawDecryptSha256.toFixed(1) },
  { case: 'envelope decrypt stream', 'MiB/s': t.streamDecrypt.toFixed(1) },
  { case: 'envelope decrypt stream, checked against manifest SHA-256', 'MiB/s': t.streamDecryptVerified.toFixed(1) },
])
console.table([
  {
    ratio: 'encrypt stream, digest: false / raw one-shot',
    value: r.encryptStreamNoDigestVsRawOneShot.toFixed(2),
    goal: '>= 0.90',
  },
  {
    ratio: 'encrypt stream with SHA-256 / (raw one-shot + SHA-256), same work',
    value: r.encryptStreamVsRawOneShotPlusSha256.toFixed(2),
    goal: '>= 0.90',
  },
  {
    ratio: 'encrypt stream with SHA-256 / raw one-shot (shows the hash cost)',
    value: r.encryptStreamVsRawOneShot.toFixed(2),
    goal: '-',
  },
  { ratio: 'decrypt stream / raw one-shot', value: r.decryptStreamVsRawOneShot.toFixed(2), goal: '>= 0.90' },
  {
    ratio: 'verified decrypt stream / (raw one-shot + SHA-256), same work',
    value: r.decryptVerifiedStreamVsRawOneShotPlusSha256.toFixed(2),
    goal: '>= 0.90',
  },
])

console.log('\nPeak RSS growth while streaming 256 MiB in 64 KiB pieces (fresh process each)')
const memoryCases = [
  { case: 'passthrough', gcEvery: 0 },
  { case: 'encrypt', gcEvery: 0 },
  { case: 'decrypt', gcEvery: 0 },
  { case: 'passthrough', gcEvery: 64 },
  { case: 'encrypt', gcEvery: 64 },
  { case: 'decrypt', gcEvery: 64 },
]
const memory = memoryCases.map((c) => run('envelope-memory.ts', '--case', c.case, '--gc-every', String(c.gcEvery)))
const floor = (gcEvery: number) => memory.find((m) => m.case === 'passthrough' && m.gcEvery === gcEvery).rssGrowthMiB
console.table(
  memory.map((m) => ({
    case: m.case === 'passthrough' ? 'bare TransformStream (baseline)' : `envelope ${m.case}`,
    GC: m.gcEvery === 0 ? 'V8 default' : `forced every ${m.gcEvery} pieces`,
    'growth (MiB)': m.rssGrowthMiB.toFixed(1),
    'vs baseline': (m.rssGrowthMiB / floor(m.gcEvery)).toFixed(2),
    goal: m.case === 'passthrough' ? '' : '< 32 MiB',
    'MiB/s': (256 / m.seconds).toFixed(1),
  })),
)

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
mkdirSync(join(here, 'results'), { recursive: true })
const file = join(here, 'results', `crypto-${stamp}.json`)
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, throughput, memory }, null, 2)}\n`)
console.log(`\nwrote ${file}`)
