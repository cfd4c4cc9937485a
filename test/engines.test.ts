import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

/*
 * The README promises Node.js 20.19 or later, 22 and 24. npm warns (EBADENGINE) when it installs a
 * package whose `engines` leave out the Node it runs on, so every package in the lockfile must
 * accept the lowest and the newest version we name. cookie 2 (through fastify's light-my-request)
 * asks for Node 22: the root `overrides` pins cookie 1.1, the same API for what light-my-request
 * uses (stringifySetCookie), and light-my-request's cookie handling is exercised below.
 */
const root = join(import.meta.dirname, '..')
const NAMED_VERSIONS = ['20.19.0', '22.13.0', '24.0.0']

describe('engines: no EBADENGINE on any Node version the README names', () => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; os?: string[] }>
  }

  it('the README and every workspace name the same lowest version', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ')
    expect(readme).toContain('You need Node.js 20.19 or later')
    expect(readme).toContain('Node.js 22.13 or later is expected to work')
    expect(readme).toContain('on Node.js 24, the newest named')
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(manifest.engines.node).toBe('>=20.19')
  })

  for (const version of NAMED_VERSIONS) {
    it(`every installed package accepts Node ${version}`, () => {
      const refused: string[] = []
      for (const [path, entry] of Object.entries(lock.packages)) {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node
        if (range === undefined) continue
        if (!semver.satisfies(version, range)) refused.push(`${path.replace(/^.*node_modules\//, '')} (${range})`)
      }
      expect(refused).toEqual([])
    })
  }

  it('cookie is pinned to a version light-my-request can use', async () => {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    app.get('/', async (request) => request.headers.cookie ?? '')
    const response = await app.inject({ url: '/', cookies: { session: 'a b;c' } })
    expect(response.body).toBe('session=a%20b%3Bc')
    await app.close()
  })
})
