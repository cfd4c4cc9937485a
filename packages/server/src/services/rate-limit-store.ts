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
export function rateLimitStoreFor(
  counter: SharedCounter,
  now: () => number = Date.now,
): new (
  pluginOptions?: unknown,
) => RateLimitStore {
  return class SharedRateLimitStore implements RateLimitStore {
    // A route with its own limit counts apart from the global limit (as the plugin's own stores
    // do): the prefix names the route, so every instance derives the same key for it.
    // (The plugin constructs the store itself, with its options: the prefix is set by child().)
    #prefix = 'rate:'

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      _max?: number,
    ): void {
      counter.hit(`${this.#prefix}${key}`, timeWindow).then(
        (hit) => callback(null, { current: hit.count, ttl: Math.max(0, hit.resetAt - now()) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error('rate-limit counter failed')),
      )
    }

    child(routeOptions?: unknown): RateLimitStore {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } } | undefined)?.routeInfo
      const name = `${String(route?.method ?? '')} ${String(route?.url ?? '')}`
      const store = new SharedRateLimitStore()
      store.#prefix = `${this.#prefix}${name}:`
      return store
    }
  }
}
