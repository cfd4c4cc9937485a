/**
 * How long a second `npm start` with nothing changed takes to answer /healthz (issue 20, point 3:
 * within 3 s), against the `npm start` before the one-file host bundle, in the same run.
 *
 *   npx tsx bench/start.ts [--rounds 5]
 *
 * Cases, interleaved round by round so that the machine's load falls on all alike:
 *   npm start            scripts/start.mjs: the build check, then the bundled host, in one process
 *   npm start (before)   the same build check as a prestart step, then packages/server/dist/cli.js
 *   bundle alone         node packages/server/build/holdall-server.mjs (no npm, no build check)
 *   dist/cli.js alone    node packages/server/dist/cli.js, the published holdall-server
 * Each on SQLite in a data folder made by an untimed first start. Wall time is from the spawn to
 * the first 200 from /healthz (polled every 20 ms); CPU is user + system seconds of every process
 * in the started process group until then (npm, sh, the build check, the host), exited children
 * included. Linux only (/proc).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort } from './lib/ports.js'
import { repoRoot } from './lib/processes.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } })
const rounds = Number(values.rounds)
const TICKS_PER_SECOND = 100

/** The old `npm start`, as an npm project of its own whose scripts point into this repository. */
const dir = mkdtempSync(join(tmpdir(), 'holdall-bench-start-'))
const before = join(dir, 'before')
mkdirSync(before)
writeFileSync(
  join(before, 'package.json'),
  JSON.stringify({
    name: 'holdall-start-before',
    private: true,
    scripts: {
      prestart: `node ${join(repoRoot, 'scripts', 'build-runtime.mjs')} --wallet packages/server`,
      start: `node ${join(repoRoot, 'packages', 'server', 'dist', 'cli.js')}`,
    },
  }),
)

const cases: Record<string, { command: string; args: string[]; cwd: string }> = {
  'npm start': { command: 'npm', args: ['start', '--silent'], cwd: repoRoot },
  'npm start (before)': { command: 'npm', args: ['start', '--silent'], cwd: before },
  'bundle alone': { command: process.execPath, args: ['packages/server/build/holdall-server.mjs'], cwd: repoRoot },
  'dist/cli.js alone': { command: process.execPath, args: ['packages/server/dist/cli.js'], cwd: repoRoot },
}

/** CPU seconds of every process in process group `group`, with the children they have reaped. */
function groupCpuSeconds(group: number): number {
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // After "(name) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) !== group) continue
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
  }
  return ticks / TICKS_PER_SECOND
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200
  } catch {
    return false
  }
}

async function startOnce(name: string): Promise<{ wallSeconds: number; cpuSeconds: number }> {
  const spec = cases[name] as (typeof cases)[string]
  const port = await freePort()
  const started = performance.now()
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), HOLDALL_DATA_DIR: join(dir, 'data') },
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const pid = child.pid as number
  let result: { wallSeconds: number; cpuSeconds: number } | undefined
  while (result === undefined) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`)
    if (await healthy(port)) {
      const wallSeconds = (performance.now() - started) / 1000
      result = { wallSeconds, cpuSeconds: groupCpuSeconds(pid) }
    } else await new Promise((resolve) => setTimeout(resolve, 20))
  }
  process.kill(-pid, 'SIGTERM')
  await exited
  // npm does not wait for its child on SIGTERM: wait until the port is free again.
  while (await healthy(port)) await new Promise((resolve) => setTimeout(resolve, 50))
  return result
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

const loadBefore = loadavg()
for (const name of Object.keys(cases)) await startOnce(name) // untimed: migrations, disk cache
const samples: Record<string, { wall: number[]; cpu: number[] }> = {}
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(cases)) {
    const { wallSeconds, cpuSeconds } = await startOnce(name)
    samples[name] ??= { wall: [], cpu: [] }
    samples[name].wall.push(wallSeconds)
    samples[name].cpu.push(cpuSeconds)
  }
}
const loadAfter = loadavg()
rmSync(dir, { recursive: true, force: true })

const baseline = samples['npm start (before)'] as { wall: number[]; cpu: number[] }
const rows = Object.entries(samples).map(([name, { wall, cpu }]) => ({
  case: name,
  'wall median s': Number(median(wall).toFixed(2)),
  'wall max s': Number(Math.max(...wall).toFixed(2)),
  'CPU median s': Number(median(cpu).toFixed(2)),
  'wall vs before': Number((median(wall) / median(baseline.wall)).toFixed(2)),
  'CPU vs before': Number((median(cpu) / median(baseline.cpu)).toFixed(2)),
}))
console.log(
  `Second start to /healthz, ${rounds} rounds; load average ${loadBefore[0]?.toFixed(2)} before, ${loadAfter[0]?.toFixed(2)} after`,
)
console.table(rows)
writeResults('start', { machine: machine(), loadAfter, rounds, rows, samples })
