/**
 * Revocation under load: a GP reads in a loop (--loops concurrent loops, spread over two
 * instances on one PostgreSQL, and over one SQLite instance for comparison); after --before
 * seconds the holder revokes through the first instance. Every read is timed; a read counts as
 * "after" if it was sent after the revocation had returned. Goal: none of those succeeds.
 * Writes bench/results/revocation-<stamp>.json.
 *
 *   tsx bench/revocation.ts [--loops 16] [--before 3] [--after 2] [--only postgres,sqlite]
 */
import { parseArgs } from 'node:util'
import { HostConnection } from '@holdall/client'
import { benchWorld, type DatabaseChoice, seedGrant } from './lib/holdall.js'
import { freePort } from './lib/ports.js'
import { machine, writeResults } from './lib/report.js'

const { values } = parseArgs({
  options: {
    loops: { type: 'string', default: '16' },
    before: { type: 'string', default: '3' },
    after: { type: 'string', default: '2' },
    only: { type: 'string', default: 'postgres,sqlite' },
  },
})

async function runCase(database: DatabaseChoice) {
  const instances = database === 'postgres' ? 2 : 1
  const world = await benchWorld(database)
  try {
    const ports = await Promise.all(Array.from({ length: instances }, () => freePort()))
    const publicUrl = `http://127.0.0.1:${ports[0]}`
    for (const port of ports) await world.startHost({ port, publicUrl })
    const { holder, gp, grant } = await seedGrant(world, publicUrl)
    const token = await gp.token()
    // Each loop sends to one instance, as a load balancer would spread them.
    const reads: Array<{ sentAt: number; status: number; instance: number }> = []
    let stopping = false
    const loop = async (i: number) => {
      const instance = i % instances
      const target = `http://127.0.0.1:${ports[instance]}`
      const connection = new HostConnection(publicUrl, world.gp.keys.signing, (input, init) =>
        fetch(String(input).replace(publicUrl, target), init),
      )
      while (!stopping) {
        const sentAt = performance.now()
        const response = await connection.send({ method: 'GET', path: '/grant/records', accessToken: token })
        await response.arrayBuffer()
        reads.push({ sentAt, status: response.status, instance })
      }
    }
    const loops = Array.from({ length: Number(values.loops) }, (_, i) => loop(i))
    await new Promise((resolve) => setTimeout(resolve, Number(values.before) * 1000))
    const revokeSent = performance.now()
    await holder.revoke(grant.grant_id)
    const revoked = performance.now()
    await new Promise((resolve) => setTimeout(resolve, Number(values.after) * 1000))
    stopping = true
    await Promise.all(loops)
    const after = reads.filter((r) => r.sentAt > revoked)
    const during = reads.filter((r) => r.sentAt >= revokeSent && r.sentAt <= revoked)
    return {
      database,
      instances,
      reads: reads.length,
      okBefore: reads.filter((r) => r.sentAt < revokeSent && r.status === 200).length,
      revokeMs: revoked - revokeSent,
      sentWhileRevoking: during.length,
      okWhileRevoking: during.filter((r) => r.status === 200).length,
      sentAfter: after.length,
      okAfter: after.filter((r) => r.status === 200).length,
      refusedAfter: after.filter((r) => r.status === 401).length,
      okAfterPerInstance: Array.from(
        { length: instances },
        (_, k) => after.filter((r) => r.instance === k && r.status === 200).length,
      ),
    }
  } finally {
    await world.close()
  }
}

const rows = []
for (const database of values.only.split(',') as DatabaseChoice[]) rows.push(await runCase(database))
console.log(`\nRevocation under load: ${values.loops} read loops; the holder revokes after ${values.before} s`)
console.table(
  rows.map((r) => ({
    database: `${r.database}, ${r.instances} instance${r.instances > 1 ? 's' : ''}`,
    'reads ok before': r.okBefore,
    'revoke took ms': r.revokeMs.toFixed(1),
    'sent while revoking (ok)': `${r.sentWhileRevoking} (${r.okWhileRevoking})`,
    'sent after revoke returned': r.sentAfter,
    'refused (401)': r.refusedAfter,
    'succeeded after (goal 0)': r.okAfter,
  })),
)
writeResults('revocation', { machine: machine(), loops: Number(values.loops), rows })
