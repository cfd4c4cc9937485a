/**
 * The ceilings our authorised read is compared with, in a process of its own: a bare Fastify
 * JSON route, and the same route verifying one Ed25519 signature per request with node:crypto
 * (what a DPoP proof costs at least). Prints `listening <port>` when ready.
 */
import { createPublicKey, verify } from 'node:crypto'
import Fastify from 'fastify'

const [x] = process.argv.slice(2)
const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: x as string }, format: 'jwk' })
const app = Fastify({ logger: false })

app.get('/bare', async () => ({ ok: true, at: Date.now() }))

app.get('/verify', async (request, reply) => {
  const signed = request.headers['x-signed']
  const [message, signature] = typeof signed === 'string' ? signed.split('.') : []
  if (message === undefined || signature === undefined) return reply.code(400).send({ ok: false })
  const good = verify(null, Buffer.from(message), publicKey, Buffer.from(signature, 'base64url'))
  if (!good) return reply.code(401).send({ ok: false })
  return { ok: true, at: Date.now() }
})

app.listen({ host: '127.0.0.1', port: 0 }).then(() => {
  const address = app.server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close())
