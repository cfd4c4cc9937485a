/**
 * The load generator, run in its own process so its work is not counted as the server's: a
 * fixed number of keep-alive connections (node:http), each sending its next request as soon as
 * the last one is answered (closed loop), for a fixed time after a warm-up. Prints one JSON line.
 *
 * Every request carries what the server under test must check: nothing (bare route), an Ed25519
 * signature (the ceiling route), or a fresh DPoP proof and access token (Holdall). Signatures and
 * proofs are made before the timed window, so the generator's own CPU use during it is the same
 * small amount in every case (a proof is valid for 60 s, longer than any run).
 */
import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto'
import { Agent, request } from 'node:http'

export interface LoadOptions {
  /** Base URLs; connection i goes to targets[i % targets.length]. */
  readonly targets: readonly string[]
  readonly path: string
  readonly connections: number
  readonly warmupMs: number
  readonly durationMs: number
  /** Requests to prepare (proofs are single-use); more are made on the fly if the run needs them. */
  readonly prepare: number
  /** Sent with every request as they are (a presented log checkpoint, say). */
  readonly headers?: Readonly<Record<string, string>>
  /**
   * As a service that checks the log does (spec 8.7.1): each connection presents, in
   * `Holdall-Log-Checkpoint`, the checkpoint of the last answer's `log_proof` (the proof itself is
   * the service's CPU, not the host's, and is not checked here).
   */
  readonly followLogProof?: boolean
  readonly auth:
    | { readonly kind: 'none' }
    | { readonly kind: 'signature'; readonly d: string; readonly x: string }
    | {
        readonly kind: 'dpop'
        readonly publicUrl: string
        readonly token: string
        readonly d: string
        readonly x: string
      }
}

export interface LoadResult {
  readonly requests: number
  readonly ok: number
  readonly failed: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url')

function headerMaker(options: LoadOptions): () => Record<string, string> {
  const auth = options.auth
  if (auth.kind === 'none') return () => ({})
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: auth.d, x: auth.x }, format: 'jwk' })
  if (auth.kind === 'signature') {
    // About the size of a DPoP proof's signing input.
    return () => {
      const message = b64(randomBytes(300))
      return { 'x-signed': `${message}.${b64(sign(null, Buffer.from(message), key))}` }
    }
  }
  const header = b64(JSON.stringify({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: { kty: 'OKP', crv: 'Ed25519', x: auth.x } }))
  const ath = b64(createHash('sha256').update(auth.token).digest())
  const htu = `${auth.publicUrl}${options.path.split('?')[0]}`
  return () => {
    const payload = b64(
      JSON.stringify({ jti: b64(randomBytes(16)), htm: 'GET', htu, iat: Math.floor(Date.now() / 1000), ath }),
    )
    const input = `${header}.${payload}`
    return { authorization: `DPoP ${auth.token}`, dpop: `${input}.${b64(sign(null, Buffer.from(input), key))}` }
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const make = headerMaker(options)
  const prepared: Array<Record<string, string>> = []
  for (let i = 0; i < options.prepare; i++) prepared.push(make())
  const extra = options.headers ?? {}
  const next = () => ({ ...extra, ...(prepared.pop() ?? make()) })
  const agents = options.targets.map(() => new Agent({ keepAlive: true, maxSockets: options.connections }))
  const latencies: number[] = []
  let ok = 0
  let failed = 0
  let measuring = false
  let stopping = false

  const presented = new Map<number, string>()
  const once = (target: string, agent: Agent, connection: number) =>
    new Promise<number>((resolve) => {
      const held = presented.get(connection)
      const headers = held === undefined ? next() : { ...next(), 'holdall-log-checkpoint': held }
      const req = request(`${target}${options.path}`, { agent, headers }, (res) => {
        const chunks: Buffer[] = []
        if (options.followLogProof === true) res.on('data', (chunk: Buffer) => chunks.push(chunk))
        else res.resume()
        res.on('end', () => {
          if (options.followLogProof === true && res.statusCode === 200) {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { log_proof?: { checkpoint: string } }
            if (body.log_proof !== undefined) presented.set(connection, b64(body.log_proof.checkpoint))
          }
          resolve(res.statusCode ?? 0)
        })
      })
      req.on('error', () => resolve(0))
      req.end()
    })

  const loop = async (i: number) => {
    const target = options.targets[i % options.targets.length] as string
    const agent = agents[i % agents.length] as Agent
    while (!stopping) {
      const started = performance.now()
      const status = await once(target, agent, i)
      if (!measuring) continue
      latencies.push(performance.now() - started)
      if (status >= 200 && status < 300) ok++
      else failed++
    }
  }
  const loops = Array.from({ length: options.connections }, (_, i) => loop(i))
  await new Promise((resolve) => setTimeout(resolve, options.warmupMs))
  measuring = true
  const start = performance.now()
  process.stdout.write('measuring\n')
  await new Promise((resolve) => setTimeout(resolve, options.durationMs))
  measuring = false
  const seconds = (performance.now() - start) / 1000
  process.stdout.write('done\n')
  stopping = true
  await Promise.all(loops)
  for (const agent of agents) agent.destroy()
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    ok,
    failed,
    seconds,
    requestsPerSecond: ok / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number),
  }
}

if (process.argv[1] === import.meta.filename) {
  const options = JSON.parse(process.argv[2] as string) as LoadOptions
  runLoad(options).then(
    (result) => process.stdout.write(`result ${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`)
      process.exitCode = 1
    },
  )
}
