import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Plugin } from 'esbuild'

const walletDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const packagesDir = join(walletDir, '..')

export interface WalletBuildOptions {
  /** Where to write the app; defaults to packages/wallet/dist. It is emptied first. */
  readonly outDir?: string
  /**
   * The trust list operator's public key (an Ed25519 JWK), pinned into the app: the wallet checks
   * the host's trust list with it and never takes the key from the host. Undefined means the
   * wallet treats every organisation as unchecked and refuses deposits.
   */
  readonly trustAnchor?: { kty: 'OKP'; crv: 'Ed25519'; x: string } | undefined
  readonly minify?: boolean
}

export interface WalletBuildResult {
  readonly outDir: string
  /** Bytes of JavaScript a first visit downloads, gzipped (the budget is 150 KB). */
  readonly firstLoadJsGzipBytes: number
  readonly files: readonly string[]
}

/*
 * zod 4 bundles every one of its ~40 locales into anything that imports `z`, about 300 KB of
 * minified text the wallet never uses (it shows its own words, not zod's). Only English stays.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) => {
      if (!args.importer.includes(`${'node_modules'}/zod/`)) return undefined
      return { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
    })
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)}`,
      resolveDir: dirname(args.path),
    }))
  },
}

const hashOf = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 12)

/**
 * Builds the wallet: one hashed JavaScript file, one hashed stylesheet, index.html that names
 * them, the service worker (which caches exactly these files for offline reading), the web app
 * manifest and the icon. Internal packages are bundled from their sources, through their public
 * entry points only.
 */
export async function buildWallet(options: WalletBuildOptions = {}): Promise<WalletBuildResult> {
  const outDir = options.outDir ?? join(walletDir, 'dist')
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(join(outDir, 'assets'), { recursive: true })
  // Code splitting (issue 16): screens a first visit does not need (phones, recovery) load on
  // demand, in their own chunk; the first load is the entry and the chunks it imports statically.
  const result = await build({
    entryPoints: [join(walletDir, 'src/main.tsx')],
    bundle: true,
    format: 'esm',
    splitting: true,
    outdir: join(outDir, 'assets'),
    entryNames: 'app-[hash]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    absWorkingDir: outDir,
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    write: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    alias: {
      '@holdall/protocol': join(packagesDir, 'protocol/src/index.ts'),
      '@holdall/crypto': join(packagesDir, 'crypto/src/index.ts'),
      '@holdall/client': join(packagesDir, 'client/src/index.ts'),
    },
    define: { HOLDALL_TRUST_ANCHOR: JSON.stringify(options.trustAnchor ?? null) },
    plugins: [zodEnglishOnly],
  })
  const relative = (path: string) => path.slice(outDir.length + 1).replaceAll('\\', '/')
  const outputs = result.metafile.outputs
  const entry = result.outputFiles.find((f) => outputs[relative(f.path)]?.entryPoint !== undefined)
  if (entry === undefined) throw new Error('esbuild produced no output')
  for (const file of result.outputFiles) writeFileSync(file.path, file.contents)
  const jsName = relative(entry.path)
  const chunks = result.outputFiles.filter((f) => f !== entry).map((f) => relative(f.path))
  // The first load: the entry and every chunk it imports statically, transitively.
  const firstLoad = new Set<string>([jsName])
  for (const name of firstLoad)
    for (const imported of outputs[name]?.imports ?? [])
      if (imported.kind === 'import-statement')
        firstLoad.add(imported.path.startsWith('assets/') ? imported.path : `assets/${imported.path.split('/').pop()}`)
  const firstLoadJsGzipBytes = result.outputFiles
    .filter((f) => firstLoad.has(relative(f.path)))
    .reduce((sum, f) => sum + gzipSync(f.contents, { level: 9 }).length, 0)
  const css = readFileSync(join(walletDir, 'public/styles.css'))
  const cssName = `assets/styles-${hashOf(css)}.css`
  writeFileSync(join(outDir, cssName), css)
  const html = readFileSync(join(walletDir, 'public/index.html'), 'utf8')
    .replace('%SCRIPT%', `/${jsName}`)
    .replace('%STYLES%', `/${cssName}`)
  writeFileSync(join(outDir, 'index.html'), html)
  copyFileSync(join(walletDir, 'public/manifest.webmanifest'), join(outDir, 'manifest.webmanifest'))
  copyFileSync(join(walletDir, 'public/icon.svg'), join(outDir, 'icon.svg'))
  const shell = ['/', `/${jsName}`, ...chunks.map((c) => `/${c}`), `/${cssName}`, '/manifest.webmanifest', '/icon.svg']
  const worker = readFileSync(join(walletDir, 'public/sw.js'), 'utf8')
    .replace('%VERSION%', hashOf(Buffer.concat([...result.outputFiles.map((f) => f.contents), css, Buffer.from(html)])))
    .replace('%SHELL%', JSON.stringify(shell))
  writeFileSync(join(outDir, 'sw.js'), worker)
  return {
    outDir,
    firstLoadJsGzipBytes,
    files: ['index.html', jsName, ...chunks, cssName, 'manifest.webmanifest', 'icon.svg', 'sw.js'],
  }
}
