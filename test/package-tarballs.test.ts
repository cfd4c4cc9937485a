import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * `npm pack` must give a clean tarball: compiled ESM, declarations and their maps, the README
 * and package.json; never tests, sources outside dist, or TypeScript build info.
 */
const root = join(import.meta.dirname, '..')

describe('published tarballs', () => {
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: root })

  for (const workspace of [
    '@holdall/protocol',
    '@holdall/crypto',
    '@holdall/client',
    '@holdall/server',
    '@holdall/conformance',
  ]) {
    it(`${workspace} packs only its build output`, () => {
      const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--workspace', workspace], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      const [report] = JSON.parse(json) as [{ files: { path: string }[] }]
      const paths = report.files.map((f) => f.path)
      expect(paths).toContain('package.json')
      expect(paths).toContain('README.md')
      expect(paths).toContain('dist/index.js')
      expect(paths).toContain('dist/index.d.ts')
      for (const path of paths) {
        expect(path, path).toMatch(/^(package\.json|README\.md|LICENSE|dist\/[\w./-]+\.(js|d\.ts|js\.map|d\.ts\.map))$/)
        expect(path).not.toMatch(/tsbuildinfo|\.test\.|^test\/|^src\//)
      }
    })
  }
})
