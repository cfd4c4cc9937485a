import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/*
 * The package boundaries of ARCHITECTURE.md, enforced. If this test fails, either the change
 * crossed a boundary or ARCHITECTURE.md (and the table below) must change with it, on purpose.
 */

const root = join(import.meta.dirname, '..')

interface Rule {
  /** Internal packages this one may import. */
  internal: string[]
  /** External packages this one may depend on at run time. */
  external: RegExp
  /** Runs in browsers too: no node: built-ins, no Node-only globals. */
  isomorphic: boolean
  /** Published to npm: must pack cleanly with typed ESM exports. */
  published: boolean
}

const RULES: Record<string, Rule> = {
  '@holdall/protocol': { internal: [], external: /^zod$/, isomorphic: true, published: true },
  '@holdall/client': {
    internal: ['@holdall/protocol', '@holdall/crypto', '@holdall/log'],
    external: /^$/,
    isomorphic: true,
    published: true,
  },
  '@holdall/server': {
    internal: ['@holdall/protocol', '@holdall/crypto', '@holdall/log'],
    external:
      /^(fastify|@fastify\/(swagger|type-provider-zod|helmet|cors|rate-limit)|openapi-types|jose|kysely|better-sqlite3|pg|zod)$/,
    isomorphic: false,
    published: true,
  },
  // The black-box suite: public entry points only, never the server it tests.
  '@holdall/conformance': {
    internal: ['@holdall/protocol', '@holdall/crypto', '@holdall/client', '@holdall/log'],
    external: /^$/,
    isomorphic: false,
    published: true,
  },
  // The holder's wallet: a browser app, bundled by esbuild; the host serves its files but never imports it.
  '@holdall/wallet': {
    internal: ['@holdall/client', '@holdall/crypto', '@holdall/protocol'],
    external: /^(preact|lean-qr|@noble\/hashes)$/,
    isomorphic: true,
    published: false,
  },
  // Examples use public entry points only; they are private and never published.
  // The demos, and the development fixtures (which carry the conformance suite's organisations).
  '@holdall/example-demo': {
    internal: [
      '@holdall/client',
      '@holdall/crypto',
      '@holdall/protocol',
      '@holdall/server',
      '@holdall/conformance',
      '@holdall/example-reader',
    ],
    external: /^$/,
    isomorphic: false,
    published: false,
  },
  // The surgery is a service: the SDK's public entry points plus its own web server. Its tests
  // start a real host, so @holdall/server is a devDependency, never imported from src.
  '@holdall/example-surgery': {
    internal: ['@holdall/client', '@holdall/crypto', '@holdall/protocol'],
    external: /^(fastify|zod)$/,
    isomorphic: false,
    published: false,
  },
  // The desk reader for offline shares (spec chapter 10): the SDK's public entry points and node:http.
  // It never imports the server: it must work with no request to the holder's host.
  '@holdall/example-reader': {
    internal: ['@holdall/client', '@holdall/crypto', '@holdall/protocol'],
    external: /^$/,
    isomorphic: false,
    published: false,
  },
  // The key-worker organisation's desk: the SDK only; its test starts a real host.
  '@holdall/example-key-worker': {
    internal: ['@holdall/client', '@holdall/crypto'],
    external: /^$/,
    isomorphic: false,
    published: false,
  },
  '@holdall/example-crypto-journey': {
    internal: ['@holdall/crypto'],
    external: /^$/,
    isomorphic: false,
    published: false,
  },
  // The verifiable log: Merkle tree, proofs, signed-note checkpoints, entries, client verifier.
  // Strict Ed25519 verification comes from @holdall/crypto, so there is one rule for it.
  '@holdall/log': {
    internal: ['@holdall/crypto'],
    external: /^@noble\/(curves|hashes)$/,
    isomorphic: true,
    published: true,
  },
  '@holdall/crypto': {
    internal: [],
    external: /^(@noble\/(ciphers|curves|hashes)|hpke|@panva\/hpke-noble|shamir-secret-sharing)$/,
    isomorphic: true,
    published: true,
  },
}

interface Workspace {
  name: string
  dir: string
  manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
}

function workspaces(): Workspace[] {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  return rootManifest.workspaces.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    return { name: manifest.name as string, dir, manifest }
  })
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|tsx|mts)$/.test(entry)) out.push(path)
  }
  return out
}

/** Every module specifier in a file: static imports, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = []
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1] as string)
  return found
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string)
}

describe('package boundaries (ARCHITECTURE.md)', () => {
  const all = workspaces()

  it('every workspace package has a rule', () => {
    for (const ws of all)
      expect(Object.keys(RULES), `${ws.name} needs a rule here and in ARCHITECTURE.md`).toContain(ws.name)
  })

  for (const ws of all) {
    const rule = RULES[ws.name]
    if (rule === undefined) continue

    describe(ws.name, () => {
      const dependencies = Object.keys(ws.manifest.dependencies ?? {})

      it('declares only allowed run-time dependencies', () => {
        for (const dep of dependencies) {
          const allowed = dep.startsWith('@holdall/') ? rule.internal.includes(dep) : rule.external.test(dep)
          expect(allowed, `${ws.name} must not depend on ${dep}`).toBe(true)
        }
      })

      it('imports only what it declares, through public entry points', () => {
        const srcDir = join(root, ws.dir, 'src')
        for (const file of sourceFiles(srcDir)) {
          const where = relative(root, file)
          for (const spec of specifiers(readFileSync(file, 'utf8'))) {
            if (spec.startsWith('.')) {
              const target = join(file, '..', spec)
              expect(target.startsWith(srcDir), `${where}: relative import ${spec} leaves the package`).toBe(true)
              continue
            }
            if (spec.startsWith('node:')) {
              expect(rule.isomorphic, `${where}: ${spec} in an isomorphic package`).toBe(false)
              continue
            }
            const pkg = packageOf(spec)
            expect(dependencies, `${where}: imports ${pkg}, which ${ws.name} does not declare`).toContain(pkg)
            if (pkg.startsWith('@holdall/')) {
              expect(spec, `${where}: deep import ${spec}`).toBe(pkg)
            }
          }
        }
      })

      if (rule.isomorphic)
        it('uses no Node-only globals', () => {
          for (const file of sourceFiles(join(root, ws.dir, 'src'))) {
            const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
            // A property of `globalThis`, declared optional (`process?:`) and read as `.process`, is
            // feature detection that a browser passes by taking another path; a bare global is not.
            expect(code, relative(root, file)).not.toMatch(/(?<![.\w])(Buffer|process|require|__dirname)\b(?!\?:)/)
          }
        })

      it('references in tsconfig exactly the internal packages it depends on', () => {
        const tsconfig = JSON.parse(readFileSync(join(root, ws.dir, 'tsconfig.json'), 'utf8')) as {
          references?: { path: string }[]
        }
        const referenced = (tsconfig.references ?? []).map((r) => r.path).sort()
        const expected = dependencies
          .filter((d) => d.startsWith('@holdall/'))
          // Where the package lives (conformance-tests/ is not under packages/).
          .map((d) => relative(join(root, ws.dir), join(root, all.find((w) => w.name === d)?.dir ?? `packages/${d}`)))
          .sort()
        expect(referenced).toEqual(expected)
      })

      if (!rule.published)
        it('is private, so it can never be published by accident', () => {
          const manifest = JSON.parse(readFileSync(join(root, ws.dir, 'package.json'), 'utf8'))
          expect(manifest.private).toBe(true)
        })

      if (rule.published)
        it('is publishable: ESM, typed exports, only dist in the tarball', () => {
          const manifest = JSON.parse(readFileSync(join(root, ws.dir, 'package.json'), 'utf8'))
          expect(manifest.type).toBe('module')
          expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' })
          expect(manifest.files).toContain('dist')
          expect(manifest.sideEffects).toBe(false)
          for (const range of Object.values<string>(manifest.dependencies ?? {})) expect(range).not.toBe('*')
        })
    })
  }
})
