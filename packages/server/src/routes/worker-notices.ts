import {
  type WorkerNoticesClaims,
  workerNoticesClaimsSchema,
  workerNoticesRequestSchema,
  workerNoticesSchema,
} from '@holdall/protocol'
import { compactVerify, importJWK } from 'jose'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { type App, route } from '../http/route.js'

/** How far a request's `iat` may be from the host's clock (REC-WORKER-03). */
const NOTICE_REQUEST_SKEW_MS = 5 * 60 * 1000

/**
 * Issue 16: the host tells a key-worker organisation which recoveries naming it wait (spec 9.6,
 * REC-WORKER-03), so its desk can expect the person, or warn them if they did not start one. The
 * organisation signs its request with its trust-list key; it learns nothing of vaults whose set-up
 * names another organisation.
 */
export function registerWorkerNoticeRoutes(app: App, ctx: AppContext): void {
  route(app, {
    method: 'POST',
    url: '/worker/recoveries',
    auth: 'public',
    tag: 'recovery',
    summary: 'A key-worker organisation: the waiting recoveries whose set-up names it, asked under its listed key',
    schema: { body: workerNoticesRequestSchema, response: { 200: workerNoticesSchema } },
    async handler(request) {
      const claims = await checkNoticeRequest(ctx, request.body.request)
      const rows = await ctx.repos.recoveries.waitingForWorker(claims.iss)
      return {
        recoveries: rows.map((r) => ({
          recovery_id: r.id,
          vault_id: r.vault_id,
          started_at: r.started_at,
          ready_at: r.ready_at,
          with_kit: r.with_kit === 1,
          worker_released: r.worker_released_at !== null,
        })),
      }
    },
  })
}

async function checkNoticeRequest(ctx: AppContext, jws: string): Promise<WorkerNoticesClaims> {
  let claims: WorkerNoticesClaims
  try {
    const [, body] = jws.split('.')
    const unverified = workerNoticesClaimsSchema.parse(JSON.parse(Buffer.from(body ?? '', 'base64url').toString()))
    const entry = ctx.trustList?.find(unverified.iss)
    if (entry === undefined) throw new Error('not listed')
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: entry.signing_key }, 'EdDSA')
    const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['EdDSA', 'Ed25519'] })
    if (protectedHeader.typ !== 'recovery-notices+jwt') throw new Error('typ')
    claims = workerNoticesClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
  } catch {
    throw new HttpProblem('signature_invalid', 'the request is not signed by a listed organisation')
  }
  if (claims.aud !== `${ctx.config.publicUrl}/worker/recoveries`)
    throw new HttpProblem('forbidden', 'the request is for another host')
  if (Math.abs(ctx.clock() - claims.iat * 1000) > NOTICE_REQUEST_SKEW_MS)
    throw new HttpProblem('forbidden', 'the request is too old or from the future')
  return claims
}
