import type { SharedCounter } from './shared-counter.js'

/** What `@fastify/rate-limit` (v10) calls on a custom `store`, typed here to avoid the dependency. */
export interface RateLimitStore {
  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
    max: number,
  ): void
  child(routeOptions: unknown): RateLimitStore
}

/**
 * A store for `@fastify/rate-limit` over the shared counter, so every instance on the database
 * counts against the same limit: `register(rateLimit, { store: rateLimitStoreFor(ctx.counter) })`.
 * Fixed windows only (the plugin's continueExceeding and exponentialBackoff are not honoured).
 * A counter that cannot be reached is reported as an error; the plugin's `skipOnError` decides
 * whether that lets the request through.
 */
export function rateLimitStoreFor(counter: SharedCounter, now: () => number = Date.now) {
  return class SharedRateLimitStore implements RateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      _max?: number,
    ): void {
      counter.hit(key, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: Math.max(0, hit.resetAt - now()) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error('rate-limit counter failed')),
      )
    }

    child(_routeOptions?: unknown): RateLimitStore {
      return new SharedRateLimitStore()
    }
  }
}
