import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from './processes.js'

export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    /** The machine is shared: load before the run says how noisy the figures may be. */
    loadAverage: loadavg(),
  }
}

/** Writes bench/results/<name>-<timestamp>.json and says where. */
export function writeResults(name: string, figures: object): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const dir = join(repoRoot, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}-${stamp}.json`)
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...figures }, null, 2)}\n`)
  console.log(`wrote ${file}`)
  return file
}
