import type { FastifyInstance } from 'fastify'
import { declaredRoutes } from './authenticate.js'

/**
 * The methods a path is served with, from the table of declared routes: a request that found no
 * route may have found a known path with the wrong method, which is a 405 with `Allow`
 * (RFC 9110 15.5.6), not a 404. Patterns are compiled once, on the first miss.
 */
export function allowedMethodsFinder(app: FastifyInstance): (path: string) => readonly string[] {
  let patterns: { method: string; pattern: RegExp }[] | undefined
  return (path) => {
    patterns ??= declaredRoutes(app).map(({ method, url }) => ({ method, pattern: compile(url) }))
    const methods = new Set(patterns.filter(({ pattern }) => pattern.test(path)).map(({ method }) => method))
    // Fastify answers HEAD for every GET route (exposeHeadRoutes).
    if (methods.has('GET')) methods.add('HEAD')
    return [...methods].sort()
  }
}

function compile(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${source}$`)
}
