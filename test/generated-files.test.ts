import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const tsx = join(root, 'node_modules', '.bin', 'tsx')

describe('generated files are fresh', () => {
  it('protocol-spec/vectors/holdall matches scripts/generate-vectors.ts', () => {
    const output = execFileSync(tsx, ['scripts/generate-vectors.ts', '--check'], { cwd: root, encoding: 'utf8' })
    expect(output).toContain('up to date')
  })

  it('protocol-spec/vectors/holdall/log.json matches scripts/generate-log-vectors.ts', () => {
    const output = execFileSync(tsx, ['scripts/generate-log-vectors.ts', '--check'], { cwd: root, encoding: 'utf8' })
    expect(output).toContain('up to date')
  })
})
