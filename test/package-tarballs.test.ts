import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { describe, expect, it } from 'vitest'

/*
 * `npm pack` must give a clean tarball: compiled ESM, declarations and their maps, the README,
 * the LICENSE and package.json; never tests, sources outside dist, or TypeScript build info. And
 * publint, the linter npm packages are judged by, must find nothing to say about any of them.
 */
const root = join(import.meta.dirname, '..')
const license = readFileSync(join(root, 'LICENSE'), 'utf8')

const PUBLISHED = {
  '@holdall/protocol': 'packages/protocol',
  '@holdall/crypto': 'packages/crypto',
  '@holdall/log': 'packages/log',
  '@holdall/client': 'packages/client',
  '@holdall/server': 'packages/server',
  '@holdall/conformance': 'conformance-tests',
} as const

describe('the licence', () => {
  it('is the Apache License 2.0, in full, at the root', () => {
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/)
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION')
    expect(license).toContain('9. Accepting Warranty or Additional Liability.')
    expect(license).toContain('END OF TERMS AND CONDITIONS')
  })
})

describe('published tarballs', () => {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: root })

  for (const [workspace, dir] of Object.entries(PUBLISHED)) {
    it(`${workspace} packs only its build output, with the README and the LICENSE`, () => {
      const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--workspace', workspace], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      const [report] = JSON.parse(json) as [{ files: { path: string }[] }]
      const paths = report.files.map((f) => f.path)
      expect(paths).toContain('package.json')
      expect(paths).toContain('README.md')
      expect(paths).toContain('LICENSE')
      expect(paths).toContain('dist/index.js')
      expect(paths).toContain('dist/index.d.ts')
      for (const path of paths) {
        expect(path, path).toMatch(/^(package\.json|README\.md|LICENSE|dist\/[\w./-]+\.(js|d\.ts|js\.map|d\.ts\.map))$/)
        expect(path).not.toMatch(/tsbuildinfo|\.test\.|^test\/|^src\//)
      }
    })

    it(`${workspace} carries the root LICENSE unchanged, and says where it comes from`, () => {
      expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(license)
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
      expect(manifest.license).toBe('Apache-2.0')
      expect(manifest.repository).toMatchObject({ type: 'git', directory: dir })
      expect(manifest.repository.url).toMatch(/^git\+https:\/\//)
      expect(manifest.homepage).toMatch(/^https:\/\//)
      expect(manifest.bugs.url).toMatch(/^https:\/\//)
    })

    it(`${workspace}: publint finds nothing, not even a suggestion`, async () => {
      const pkgDir = join(root, dir)
      const { messages, pkg } = await publint({ pkgDir, level: 'suggestion', strict: true })
      expect(messages.map((message) => formatMessage(message, pkg, { color: false }))).toEqual([])
    }, 60_000)
  }
})
