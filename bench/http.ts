/**
 * HTTP ceilings versus us, in one run (see README.md): a bare Fastify JSON route, the same route
 * verifying one Ed25519 signature per request with node:crypto, and our authorised read on
 * SQLite, on PostgreSQL with one instance and with two. The load generator is another process.
 * Prints a table; writes bench/results/http-<stamp>.json.
 *
 *   tsx bench/http.ts [--duration 10] [--warmup 2] [--connections 50] [--only sqlite,postgres]
 */
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
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
  const written = new Map(files.map((f) => [f, existsSync(f) ? statSync(f).mtimeMs : 0]))
  for (const server of servers) process.kill(server.pid, 'SIGUSR2')
  // Wait until every host has written its count (a loaded machine may take more than 200 ms).
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    if (files.every((f) => existsSync(f) && statSync(f).mtimeMs > (written.get(f) ?? 0))) break
  }
  let data = 0
  let control = 0
  for (const file of files) {
    if (!existsSync(file)) return undefined
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
    const { gp, holder } = await seedGrant(world, publicUrl)
    const token = await gp.token()
    const [record] = await gp.records()
    const targets = ports.map((p) => `http://127.0.0.1:${p}`)
    const label = `${database}${database === 'postgres' ? `, ${instances} instance${instances > 1 ? 's' : ''}` : ''}`
    const auth = { kind: 'dpop', publicUrl, token, ...dpopKeyOf(world.gp) }
    const rows = [
      await measure(`(3) Holdall authorised read, ${label}`, servers, { targets, path: '/grant/records', auth }),
    ]
    if (instances === 1) rows.push(...(await inlineProofs(label, servers, targets, auth, gp)))
    if (instances === 1)
      rows.push(
        await measure(`    Holdall envelope download, ${label}`, servers, {
          targets,
          path: `/grant/blobs/${record?.ciphertext_sha256}`,
          auth,
        }),
      )
    if (instances === 1) rows.push(...(await withProofs(label, servers, targets, auth, gp, holder)))
    return rows
  } finally {
    await world.close()
  }
}

/**
 * The same authorised read as a service that checks the log makes it (spec 8.7, 8.8): the read
 * presents the checkpoint the service holds (the host checks it against its tree), and each key
 * read is followed by the key_served proof request (inclusion proof, signed checkpoint, and
 * consistency from the presented one). Measured as two rows; `read with proofs` combines them
 * as one read plus one proof request per record (the bench vault has one record).
 */
async function withProofs(
  label: string,
  servers: readonly Measured[],
  targets: readonly string[],
  auth: object,
  gp: Awaited<ReturnType<typeof seedGrant>>['gp'],
  holder: Awaited<ReturnType<typeof seedGrant>>['holder'],
): Promise<Row[]> {
  const grant = await gp.grant()
  const [record] = await gp.records()
  await gp.log.proveServed(grant.vault_id, grant.grant_id, record as NonNullable<typeof record>)
  const headers = await gp.log.presentHeaders(grant.vault_id)
  const { entries } = await holder.vaultLog.sync()
  const served = entries.filter((e) => e.entry.type === 'key_served').at(-1)?.index ?? 0
  const read = await measure(`(3p) Holdall authorised read presenting its checkpoint, ${label}`, servers, {
    targets,
    path: '/grant/records',
    auth,
    headers,
  })
  const proof = await measure(`    key_served proof request (GET /grant/log/key-served), ${label}`, servers, {
    targets,
    path: `/grant/log/key-served?index=${served}`,
    auth,
    headers,
  })
  // One read and one proof request per record read: the combined rate, CPU and statements.
  const perRead = 1 / read.requestsPerSecond + 1 / proof.requestsPerSecond
  const combined: Row = {
    ...read,
    case: `(3+) authorised read with proofs (3p + proof request), ${label}`,
    requestsPerSecond: 1 / perRead,
    serverCpuMicros: read.serverCpuMicros + proof.serverCpuMicros,
    ...(read.sqlPerRequest === undefined || proof.sqlPerRequest === undefined
      ? {}
      : {
          sqlPerRequest: {
            data: read.sqlPerRequest.data + proof.sqlPerRequest.data,
            control: read.sqlPerRequest.control + proof.sqlPerRequest.control,
          },
        }),
  }
  return [read, proof, combined]
}

/**
 * The read as a service that checks the log makes it since spec 8.7.1: one request per read,
 * asking for the proof of its own key_served entry in the answer (`Holdall-Log-Proof: inline`)
 * and presenting the checkpoint of its last answer. Interleaved with the plain read twice, so
 * that warm-up and the machine's load fall on both alike; the ratio is of the sums.
 */
async function inlineProofs(
  label: string,
  servers: readonly Measured[],
  targets: readonly string[],
  auth: object,
  gp: Awaited<ReturnType<typeof seedGrant>>['gp'],
): Promise<Row[]> {
  const grant = await gp.grant()
  await gp.records()
  const headers = { ...(await gp.log.presentHeaders(grant.vault_id)), 'holdall-log-proof': 'inline' }
  const load = { targets, path: '/grant/records', auth, headers, followLogProof: true }
  const first = await measure(`(3i) Holdall authorised read with its proof inline, ${label}`, servers, load)
  const plain = await measure(`(3) Holdall authorised read (again), ${label}`, servers, {
    targets,
    path: '/grant/records',
    auth,
  })
  const second = await measure(`(3i) Holdall authorised read with its proof inline (again), ${label}`, servers, load)
  return [first, plain, second]
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
const plain = rows.find((r) => r.case.startsWith('(3) Holdall authorised read, sqlite'))
const proved = rows.find((r) => r.case.startsWith('(3+)') && r.case.endsWith('sqlite'))
if (plain !== undefined && proved !== undefined)
  console.log(
    `read + separate proof request / plain read (sqlite, same run): ${(proved.requestsPerSecond / plain.requestsPerSecond).toFixed(2)}`,
  )
const sum = (prefix: string) =>
  rows
    .filter((r) => r.case.startsWith(prefix) && r.case.endsWith('sqlite'))
    .reduce((total, r) => total + r.requestsPerSecond, 0)
if (sum('(3i)') > 0 && sum('(3) ') > 0)
  console.log(
    `read with its proof inline / plain read (sqlite, same run, interleaved): ${(sum('(3i)') / sum('(3) ')).toFixed(2)} (issue 13 goal: >= 0.90)`,
  )
writeResults('http', { machine: machine(), connections, durationMs, warmupMs, rows })
