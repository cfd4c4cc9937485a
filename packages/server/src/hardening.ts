import { createHash } from 'node:crypto'
import fastifyCors from '@fastify/cors'
import fastifyRateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BC_AUTHORIZE_PATH, TOKEN_PATH } from './context.js'
import { HttpProblem } from './errors.js'
import { addSecurityHeaders } from './security-headers.js'

/** Requests per minute. Each limit is per client address unless it says otherwise. */
export interface RateLimits {
  /** Every endpoint, per address: the ceiling for anyone, known or not. */
  readonly perAddress: number
  /** Creating a vault: open to anyone with a key, so a stranger's cheapest way to fill the disk. */
  readonly createVault: number
  /** Asking a holder (CIBA): open to any organisation with a metadata document. */
  readonly backchannel: number
  /** The token endpoint: services poll it every 2 seconds while a holder decides. */
  readonly token: number
  /** Deposits and uploads into one holder's inbox, per presented access token. */
  readonly depositPerToken: number
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  perAddress: 1200,
  createVault: 30,
  backchannel: 60,
  token: 300,
  depositPerToken: 120,
}

/** Every default limit multiplied by `factor` (HOLDALL_RATE_LIMIT_FACTOR). */
export function scaledRateLimits(factor: number): RateLimits {
  const scale = (n: number) => Math.round(n * factor)
  return {
    perAddress: scale(DEFAULT_RATE_LIMITS.perAddress),
    createVault: scale(DEFAULT_RATE_LIMITS.createVault),
    backchannel: scale(DEFAULT_RATE_LIMITS.backchannel),
    token: scale(DEFAULT_RATE_LIMITS.token),
    depositPerToken: scale(DEFAULT_RATE_LIMITS.depositPerToken),
  }
}

export interface HardeningOptions {
  readonly rateLimits?: Partial<RateLimits> | false
  /**
   * Where counters live. The default is this process's memory; several instances behind one
   * name must share a store (anything implementing @fastify/rate-limit's store interface).
   */
  readonly rateLimitStore?: FastifyRateLimitStoreCtor
  /** Origins whose browser code may call this host. None by default: no CORS at all. */
  readonly corsOrigins?: readonly string[]
}

/** A counter key that names a token without holding it (logs and stores never see the token). */
function tokenKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization ?? ''
  return `token:${createHash('sha256').update(authorization).digest('base64url')}`
}

/**
 * Security headers, CORS and rate limits. Registered before any route, so every route is
 * covered; a route's tighter limit is attached by path here rather than in each route file.
 */
export async function registerHardening(app: FastifyInstance, options: HardeningOptions): Promise<void> {
  addSecurityHeaders(app)
  const origins = options.corsOrigins ?? []
  await app.register(fastifyCors, {
    origin: origins.length === 0 ? false : [...origins],
    methods: ['GET', 'POST', 'PUT'],
    allowedHeaders: ['authorization', 'dpop', 'content-type', 'idempotency-key', 'holdall-log-checkpoint'],
    exposedHeaders: ['dpop-nonce', 'www-authenticate', 'retry-after', 'holdall-log-index'],
    credentials: false,
    maxAge: 600,
  })

  if (options.rateLimits === false) return
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits }
  const routeLimits: Record<string, { max: number; keyGenerator?: (r: FastifyRequest) => string }> = {
    'POST /vaults': { max: limits.createVault },
    [`POST ${BC_AUTHORIZE_PATH}`]: { max: limits.backchannel },
    [`POST ${TOKEN_PATH}`]: { max: limits.token },
    'POST /grant/deposits': { max: limits.depositPerToken, keyGenerator: tokenKey },
    'PUT /grant/blobs/:sha256': { max: limits.depositPerToken, keyGenerator: tokenKey },
  }
  // Runs before the rate-limit plugin's own onRoute hook, which reads config.rateLimit.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      const limit = routeLimits[`${method} ${route.url}`]
      if (limit === undefined) continue
      route.config = {
        ...(route.config ?? {}),
        rateLimit: {
          max: limit.max,
          timeWindow: 60_000,
          ...(limit.keyGenerator ? { keyGenerator: limit.keyGenerator } : {}),
        },
      }
    }
  })
  await app.register(fastifyRateLimit, {
    global: true,
    max: limits.perAddress,
    timeWindow: 60_000,
    // The socket address: X-Forwarded-For is not trusted (a proxy in front sets trustProxy).
    keyGenerator: (request) => request.ip,
    ...(options.rateLimitStore === undefined ? {} : { store: options.rateLimitStore }),
    errorResponseBuilder: (_request, context) =>
      new HttpProblem('rate_limited', 'too many requests; wait before trying again', {
        headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      }),
  })
}
