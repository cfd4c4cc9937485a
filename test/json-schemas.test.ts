import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { PUBLISHED_SCHEMAS, schemasDir } from '../scripts/generate-schemas.js'

/*
 * The JSON Schemas in protocol-spec/schemas are what a second implementation validates with, so
 * they must be fresh, and must agree with zod on every example: a valid example passes both, an
 * invalid one fails both.
 */
const root = join(import.meta.dirname, '..')
const examplesDir = join(root, 'protocol-spec', 'examples')

const ajv = new Ajv2020({ strict: true, allErrors: true })
addFormats.default(ajv)
const validator = (name: string) => {
  const schema = JSON.parse(readFileSync(join(schemasDir, `${name}.schema.json`), 'utf8')) as { $id: string }
  return ajv.getSchema(schema.$id) ?? ajv.compile(schema)
}

describe('JSON Schemas of the wire', () => {
  it('protocol-spec/schemas matches scripts/generate-schemas.ts', () => {
    const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/generate-schemas.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(output).toContain('schemas up to date')
  })

  it('every schema compiles under JSON Schema 2020-12 in strict mode', () => {
    for (const name of Object.keys(PUBLISHED_SCHEMAS)) {
      expect(() => validator(name), name).not.toThrow()
    }
  })

  for (const folder of readdirSync(examplesDir).filter((f) => !f.includes('.'))) {
    describe(`examples of ${folder}`, () => {
      const entry = PUBLISHED_SCHEMAS[folder]
      it('name a published schema, and include valid and invalid ones', () => {
        expect(entry, `no schema called ${folder}`).toBeDefined()
        const files = readdirSync(join(examplesDir, folder))
        expect(files.some((f) => f.startsWith('valid-'))).toBe(true)
        expect(files.some((f) => f.startsWith('invalid-'))).toBe(true)
        expect(
          files.every((f) => /^(valid|invalid)-[a-z0-9-]+\.json$/.test(f)),
          files.join(', '),
        ).toBe(true)
      })
      for (const file of readdirSync(join(examplesDir, folder))) {
        const shouldPass = file.startsWith('valid-')
        it(`${file} ${shouldPass ? 'passes' : 'fails'} both the JSON Schema and zod`, () => {
          const value = JSON.parse(readFileSync(join(examplesDir, folder, file), 'utf8'))
          const validate = validator(folder)
          expect(validate(value), JSON.stringify(validate.errors)).toBe(shouldPass)
          expect(entry?.schema.safeParse(value).success).toBe(shouldPass)
        })
      }
    })
  }
})
