/**
 * Growth: the authorised read's latency as the host fills up. One host; the benchmark's own
 * vault and grant are made through the SDK; then synthetic vaults, records, versions, wraps and
 * log entries are added straight into the database (1 record in 100 per vault, at most 10,000
 * vaults) until it holds each --records total, and the read is measured at each size.
 * Then, separately: approving one grant over --approve-records records, end to end (the holder
 * unwraps and re-wraps every record key and uploads the wraps). Writes
 * bench/results/growth-<stamp>.json.
 *
 *   tsx bench/growth.ts [--records 1000,100000,1000000] [--approve-records 1000]
 *                       [--duration 8] [--connections 50] [--only sqlite,postgres] [--skip-approve]
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { HolderClient } from '@holdall/client'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { BenchService, benchWorld, type DatabaseChoice, dpopKeyOf, medicationList, seedGrant } from './lib/holdall.js'
import { freePort } from './lib/ports.js'
import { runLoadProcess } from './lib/processes.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000,100000,1000000' },
    'approve-records': { type: 'string', default: '1000' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string', default: 'sqlite,postgres' },
    'skip-approve': { type: 'boolean', default: false },
  },
})

const MANIFEST = 'M'.repeat(342)
const WRAP = 'W'.repeat(107)

/** Adds synthetic rows so the database holds `total` records in all (`have` already there). */
async function fill(
  database: DatabaseChoice,
  target: { dataDir?: string | undefined; url?: string | undefined },
  have: number,
  total: number,
) {
  const add = total - have
  if (add <= 0) return
  const vaults = Math.min(10_000, Math.max(1, Math.ceil(total / 100)))
  const started = performance.now()
  if (database === 'sqlite') {
    const db = new SQLite(join(target.dataDir as string, 'holdall.sqlite3'))
    db.pragma('busy_timeout = 10000')
    const vault = db.prepare(
      'INSERT OR IGNORE INTO vaults (id, key_epoch, inbox_public_jwk, inbox_statement, used_bytes, created_at) VALUES (?, 0, ?, ?, 0, ?)',
    )
    const record = db.prepare(
      "INSERT INTO records (vault_id, record_id, record_type, latest_version, state, created_at) VALUES (?, ?, 'medication_list', 1, 'vault', ?)",
    )
    const version = db.prepare(
      'INSERT INTO record_versions (vault_id, record_id, version, key_epoch, ciphertext_sha256, ciphertext_length, manifest, author_key_id, created_at) VALUES (?, ?, 1, 0, ?, 1024, ?, ?, ?)',
    )
    const wrap = db.prepare(
      "INSERT INTO key_wraps (vault_id, record_id, version, kind, grant_id, key_epoch, wrap) VALUES (?, ?, 1, 'epoch', NULL, 0, ?)",
    )
    const log = db.prepare(
      "INSERT INTO access_log (vault_id, seq, at, event, actor, details, prev_hash, hash) VALUES (?, ?, ?, 'record_written', 'device', '{}', 'p', 'h')",
    )
    const now = Date.now()
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const v = `synthetic-vault-${i % vaults}`
        const r = `synthetic-record-${i}`
        vault.run(v, '{}', 's', now)
        record.run(v, r, now)
        version.run(v, r, `sha-${i}`, MANIFEST, 'author', now)
        wrap.run(v, r, WRAP)
        log.run(v, 1_000_000 + i, now)
      }
    })
    for (let from = have; from < total; from += 50_000) batch(from, Math.min(total, from + 50_000))
    db.close()
  } else {
    const client = new pg.Client({ connectionString: target.url })
    await client.connect()
    const now = Date.now()
    await client.query(
      `INSERT INTO vaults (id, key_epoch, inbox_public_jwk, inbox_statement, used_bytes, created_at)
       SELECT 'synthetic-vault-' || g, 0, '{}', 's', 0, $1 FROM generate_series(0, $2 - 1) g ON CONFLICT DO NOTHING`,
      [now, vaults],
    )
    for (let from = have; from < total; from += 200_000) {
      const to = Math.min(total, from + 200_000)
      const series = `FROM generate_series(${from}, ${to - 1}) g`
      const v = `'synthetic-vault-' || (g % ${vaults})`
      await client.query(
        `INSERT INTO records (vault_id, record_id, record_type, latest_version, state, created_at) SELECT ${v}, 'synthetic-record-' || g, 'medication_list', 1, 'vault', ${now} ${series}`,
      )
      await client.query(
        `INSERT INTO record_versions (vault_id, record_id, version, key_epoch, ciphertext_sha256, ciphertext_length, manifest, author_key_id, created_at) SELECT ${v}, 'synthetic-record-' || g, 1, 0, 'sha-' || g, 1024, '${MANIFEST}', 'author', ${now} ${series}`,
      )
      await client.query(
        `INSERT INTO key_wraps (vault_id, record_id, version, kind, grant_id, key_epoch, wrap) SELECT ${v}, 'synthetic-record-' || g, 1, 'epoch', NULL, 0, '${WRAP}' ${series}`,
      )
      await client.query(
        `INSERT INTO access_log (vault_id, seq, at, event, actor, details, prev_hash, hash) SELECT ${v}, 1000000 + g, ${now}, 'record_written', 'device', '{}', 'p', 'h' ${series}`,
      )
    }
    await client.query('ANALYZE')
    await client.end()
  }
  process.stderr.write(`filled to ${total} records in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
}

async function readGrowth(database: DatabaseChoice, sizes: number[]) {
  const world = await benchWorld(database)
  try {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    await world.startHost({ port, publicUrl: url })
    const { gp } = await seedGrant(world, url)
    const token = await gp.token()
    const rows = []
    let have = 1
    for (const size of sizes) {
      await fill(database, { dataDir: join(world.dir, 'data-0'), url: world.databaseUrl }, have, size)
      have = size
      const result = await runLoadProcess({
        targets: [url],
        path: '/grant/records',
        connections: Number(values.connections),
        warmupMs: 1000,
        durationMs: Number(values.duration) * 1000,
        prepare: 30_000,
        auth: { kind: 'dpop', publicUrl: url, token, ...dpopKeyOf(world.gp) },
      })
      process.stderr.write(
        `${database} ${size}: ${fixed(result.requestsPerSecond, 0)} req/s, p99 ${fixed(result.p99Ms, 1)} ms\n`,
      )
      rows.push({ database, records: size, ...result })
    }
    return rows
  } finally {
    await world.close()
  }
}

async function approveMany(database: DatabaseChoice, count: number) {
  const world = await benchWorld(database)
  try {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    await world.startHost({ port, publicUrl: url })
    const holder = await HolderClient.createVault(url)
    const seeding = performance.now()
    for (let i = 0; i < count; i++) await holder.putRecord('medication_list', medicationList(), `Record ${i}`)
    const seedSeconds = (performance.now() - seeding) / 1000
    const gp = new BenchService(url, world.gp)
    const { qr: code } = await holder.createPairingCode()
    const { authReqId } = await gp.requestAccess({
      pairingCode: code,
      bindingMessage: 'Riverside approve',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Benchmark',
          duration_days: 1,
        },
      ],
    })
    const [request] = await holder.pendingRequests()
    const started = performance.now()
    await holder.approve(request as NonNullable<typeof request>, world.trust)
    const approveSeconds = (performance.now() - started) / 1000
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 10_000 })
    const served = (await gp.records()).length
    return { database, records: count, approveSeconds, served, seedSeconds }
  } finally {
    await world.close()
  }
}

/** A figure, or "no requests" for a window that measured none (NaN latencies). */
function fixed(value: number | null | undefined, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'no requests'
}

const sizes = values.records
  .split(',')
  .filter((size) => size.trim() !== '')
  .map(Number)
const databases = values.only.split(',') as DatabaseChoice[]
const reads: Array<Awaited<ReturnType<typeof readGrowth>>[number]> = []
for (const database of databases) reads.push(...(await readGrowth(database, sizes)))
const approvals = []
if (!values['skip-approve'])
  for (const database of databases) approvals.push(await approveMany(database, Number(values['approve-records'])))

if (reads.length > 0) {
  console.log(`\nGrowth: authorised read at ${values.connections} connections, ${values.duration} s per size`)
  console.table(
    reads.map((r) => {
      const first = reads.find((x) => x.database === r.database)
      return {
        database: r.database,
        records: r.records,
        'req/s': fixed(r.requestsPerSecond, 0),
        'p50 ms': fixed(r.p50Ms, 2),
        'p99 ms': fixed(r.p99Ms, 2),
        'p99 vs smallest': first === undefined ? '' : fixed(r.p99Ms / first.p99Ms, 2),
      }
    }),
  )
  console.log('goal: p99 at 1 million records within 1.5x of p99 at 1 thousand')
}
if (approvals.length > 0) {
  console.table(
    approvals.map((a) => ({
      database: a.database,
      records: a.records,
      'approve, end to end (s)': a.approveSeconds.toFixed(2),
      'records the GP then sees': a.served,
    })),
  )
  console.log('goal: approving a grant over 1,000 records under 2 s')
}
writeResults('growth', { machine: machine(), reads, approvals })
