/**
 * HTTP ceilings versus us, in one run (see README.md): a bare Fastify JSON route, the same route
 * verifying one Ed25519 signature per request with node:crypto, and our authorised read on
 * SQLite, on PostgreSQL with one instance and with two. The load generator is another process.
 * Prints a table; writes bench/results/http-<stamp>.json.
 *
 *   tsx bench/http.ts [--duration 10] [--warmup 2] [--connections 50] [--only sqlite,postgres]
 */
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchWorld, type DatabaseChoice, dpopKeyOf, seedGrant } from './lib/holdall.js'
import { freePort } from './lib/ports.js'
import { type LoadResultWithCpu, type Measured, repoRoot, runLoadProcess, startMeasured } from './lib/processes.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: 'ceilings,sqlite,postgres' },
  },
})
const durationMs = Number(values.duration) * 1000
const warmupMs = Number(values.warmup) * 1000
const connections = Number(values.connections)
const only = new Set(values.only.split(','))

interface Row extends LoadResultWithCpu {
  readonly case: string
  /** Server CPU (all instances) per answered request, in microseconds. */
  readonly serverCpuMicros: number
  /** SQL statements per answered request over the timed window (Holdall hosts only): data, and BEGIN/COMMIT. */
  readonly sqlPerRequest?: { readonly data: number; readonly control: number }
}

/** Each host counts its statements into a file when told (cli.ts, HOLDALL_SQL_COUNT_FILE). */
async function sqlCounts(servers: readonly Measured[]): Promise<{ data: number; control: number } | undefined> {
  const files = servers.map((s) => sqlCountFiles.get(s)).filter((f): f is string => f !== undefined)
  if (files.length === 0) return undefined
  for (const file of files) rmSync(file, { force: true })
  for (const server of servers) process.kill(server.pid, 'SIGUSR2')
  // A loaded machine may take a while to run the signal handler: wait for every file.
  for (let i = 0; i < 100 && !files.every((f) => existsSync(f)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!files.every((f) => existsSync(f))) return undefined
  let data = 0
  let control = 0
  for (const file of files) {
    const [d, c] = readFileSync(file, 'utf8').trim().split(' ').map(Number)
    data += d ?? 0
    control += c ?? 0
  }
  return { data, control }
}
const sqlCountFiles = new Map<Measured, string>()

async function measure(name: string, servers: readonly Measured[], load: object): Promise<Row> {
  let before = 0
  let after = 0
  let sqlBefore: { data: number; control: number } | undefined
  let sqlAfter: { data: number; control: number } | undefined
  const total = () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0)
  const result = await runLoadProcess(
    { connections, warmupMs, durationMs, prepare: Math.ceil((durationMs + warmupMs) / 1000) * 4000, ...load },
    {
      start: () => {
        before = total()
        void sqlCounts(servers).then((c) => (sqlBefore = c))
      },
      end: () => {
        after = total()
        void sqlCounts(servers).then((c) => (sqlAfter = c))
      },
    },
  )
  await new Promise((resolve) => setTimeout(resolve, 400))
  const ok = Math.max(1, result.ok)
  const sqlPerRequest =
    sqlBefore === undefined || sqlAfter === undefined
      ? undefined
      : { data: (sqlAfter.data - sqlBefore.data) / ok, control: (sqlAfter.control - sqlBefore.control) / ok }
  const row = {
    case: name,
    ...result,
    serverCpuMicros: ((after - before) / ok) * 1e6,
    ...(sqlPerRequest === undefined ? {} : { sqlPerRequest }),
  }
  process.stderr.write(`${name}: ${row.requestsPerSecond.toFixed(0)} req/s, p99 ${row.p99Ms.toFixed(1)} ms\n`)
  return row
}

async function ceilings(): Promise<Row[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const x = publicKey.export({ format: 'jwk' }).x as string
  const server = await startMeasured(
    process.execPath,
    ['--import', 'tsx', `${repoRoot}/bench/lib/ceiling-server.ts`, x],
    {
      ready: /listening (\d+)/,
    },
  )
  const url = `http://127.0.0.1:${server.match[1]}`
  try {
    return [
      await measure('(1) bare Fastify JSON route', [server], { targets: [url], path: '/bare', auth: { kind: 'none' } }),
      await measure('(2) same route + one Ed25519 verify (node:crypto)', [server], {
        targets: [url],
        path: '/verify',
        auth: { kind: 'signature', d: jwk.d, x },
      }),
    ]
  } finally {
    await server.stop()
  }
}

async function holdall(database: DatabaseChoice, instances: number): Promise<Row[]> {
  const world = await benchWorld(database)
  try {
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()))
    const publicUrl = `http://127.0.0.1:${ports[0]}`
    const servers: Measured[] = []
    for (const port of ports) {
      const countFile = join(world.dir, `sql-count-${port}`)
      const server = await world.startHost({ port, publicUrl, env: { HOLDALL_SQL_COUNT_FILE: countFile } })
      sqlCountFiles.set(server, countFile)
      servers.push(server)
    }
    const { gp } = await seedGrant(world, publicUrl)
    const token = await gp.token()
    const [record] = await gp.records()
    const targets = ports.map((p) => `http://127.0.0.1:${p}`)
    const label = `${database}${database === 'postgres' ? `, ${instances} instance${instances > 1 ? 's' : ''}` : ''}`
    const auth = { kind: 'dpop', publicUrl, token, ...dpopKeyOf(world.gp) }
    const rows = [
      await measure(`(3) Holdall authorised read, ${label}`, servers, { targets, path: '/grant/records', auth }),
    ]
    if (instances === 1)
      rows.push(
        await measure(`    Holdall envelope download, ${label}`, servers, {
          targets,
          path: `/grant/blobs/${record?.ciphertext_sha256}`,
          auth,
        }),
      )
    return rows
  } finally {
    await world.close()
  }
}

const rows: Row[] = []
if (only.has('ceilings')) rows.push(...(await ceilings()))
if (only.has('sqlite')) rows.push(...(await holdall('sqlite', 1)))
if (only.has('postgres')) rows.push(...(await holdall('postgres', 1)), ...(await holdall('postgres', 2)))

const bare = rows.find((r) => r.case.startsWith('(1)'))
const verify = rows.find((r) => r.case.startsWith('(2)'))
console.log(
  `\nHTTP, ${connections} connections, ${values.duration} s after ${values.warmup} s warm-up; load generator in its own process`,
)
console.table(
  rows.map((r) => ({
    case: r.case,
    'req/s': r.requestsPerSecond.toFixed(0),
    'p50 ms': r.p50Ms.toFixed(2),
    'p99 ms': r.p99Ms.toFixed(2),
    'server CPU µs/req': r.serverCpuMicros.toFixed(0),
    failed: r.failed,
    'SQL/req': r.sqlPerRequest === undefined ? '' : r.sqlPerRequest.data.toFixed(2),
    'BEGIN+COMMIT/req': r.sqlPerRequest === undefined ? '' : r.sqlPerRequest.control.toFixed(2),
    'vs (1)': bare === undefined ? '' : (r.requestsPerSecond / bare.requestsPerSecond).toFixed(2),
    'vs (2)': verify === undefined ? '' : (r.requestsPerSecond / verify.requestsPerSecond).toFixed(2),
  })),
)
console.log('goal: authorised read on SQLite >= 0.70 of (2), p99 < 25 ms at 50 connections')
writeResults('http', { machine: machine(), connections, durationMs, warmupMs, rows })
