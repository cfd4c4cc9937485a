#!/usr/bin/env node
// Builds only what a command is about to run, and only when its inputs changed since the last
// build: `npm start`, `npm run dev`, the demos, the surgery and the conformance CLI call this
// instead of a whole-repository `tsc -b` (which re-checks every test project, each time, since
// test projects emit nothing and so always look out of date). `npm test` stays the full check.
//
//   node scripts/build-runtime.mjs [--wallet] [--server-bundle] [--dry-run] <tsconfig project folder>...
//
// For each named project and every project it references, a fingerprint of its inputs (path,
// size and modification time of every source file, its tsconfig and package.json, the shared
// tsconfig.base.json and the TypeScript version) is compared with the one written after the last
// successful build; any difference, or a missing output, runs `tsc -b` on the named projects.
// `--wallet` does the same for the wallet bundle, whose inputs also include the trust anchor
// pinned into it (HOLDALL_TRUST_ANCHOR_FILE). `--server-bundle` does the same for the one-file
// host that `npm start` runs (SERVER_BUNDLE, below). `--dry-run` builds nothing and prints what
// would be built and why. Plain JavaScript so that starting it costs no compiler: with nothing
// changed this reads file metadata only (no file contents, no tsc, no esbuild), in milliseconds.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const stampDir = join(root, 'node_modules', '.cache', 'holdall-build')

/**
 * The host as one ES module (esbuild, from packages/server/dist/cli.js), which is what `npm start`
 * runs: loading ~600 small modules one by one is most of a host's start-up time (about 1.5 CPU
 * seconds against 0.7; bench/README.md). Only better-sqlite3 (a native addon) and pg (loaded
 * only for a PostgreSQL DATABASE_URL) stay outside. It sits in build/, beside dist/, so that the
 * wallet is found at the same relative path; it is never published (package.json files: dist).
 */
export const SERVER_BUNDLE = join(root, 'packages', 'server', 'build', 'holdall-server.mjs')

/** Every file under `dir` (skipping build output and dependencies), as "path size mtime" lines. */
function listing(dir) {
  if (!existsSync(dir)) return []
  const lines = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'build') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) lines.push(...listing(path))
    else {
      const stat = statSync(path)
      lines.push(`${relative(root, path)} ${stat.size} ${stat.mtimeMs}`)
    }
  }
  return lines
}

function fileLine(path) {
  if (!existsSync(path)) return `${relative(root, path)} missing`
  const stat = statSync(path)
  return `${relative(root, path)} ${stat.size} ${stat.mtimeMs}`
}

/** The project folder and every folder its tsconfig references, transitively. */
function closure(project, seen = new Set()) {
  const dir = resolve(root, project)
  if (seen.has(dir)) return seen
  seen.add(dir)
  // tsconfig files are JSON with comments allowed; ours have none, so JSON.parse is enough.
  const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'))
  for (const reference of config.references ?? []) closure(relative(root, resolve(dir, reference.path)), seen)
  return seen
}

/** Outputs that must exist for a build to count: every emitting project's dist/index.js. */
function outputsPresent(dirs) {
  for (const dir of dirs) {
    const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'))
    if (config.compilerOptions?.noEmit === true) continue
    if (!existsSync(join(dir, 'dist', 'index.js'))) return false
  }
  return true
}

function fingerprint(lines) {
  return createHash('sha256').update(lines.sort().join('\n')).digest('hex')
}

function upToDate(file, print) {
  return existsSync(file) && readFileSync(file, 'utf8') === print
}

function remember(file, print) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, print)
}

/** Runs a build step (or, in a dry run, only says which and why); exits on failure. */
function step(done, dryRun, name, why, action) {
  done.push(`${name} (${why})`)
  if (dryRun) return
  try {
    action()
  } catch (error) {
    process.stderr.write(`build failed: ${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exit(1)
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`${relative(root, command)} ${args.join(' ')} exited ${result.status}`)
}

const bin = (name) => join(root, 'node_modules', '.bin', name)
const versionOf = (pkg) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version

/** Fingerprint lines of the TypeScript projects named and those they reference. */
function projectLines(projects) {
  const dirs = new Set()
  for (const project of projects) closure(project, dirs)
  const lines = [`typescript ${versionOf('typescript')}`, fileLine(join(root, 'tsconfig.base.json'))]
  for (const dir of dirs) {
    lines.push(...listing(join(dir, 'src')), fileLine(join(dir, 'tsconfig.json')), fileLine(join(dir, 'package.json')))
  }
  return { dirs, lines }
}

/**
 * Brings what the named projects need up to date. Returns the steps it ran (or, with `dryRun`,
 * would run), each with its reason: an empty list means nothing was out of date.
 *
 * @param {{ projects?: string[], wallet?: boolean, serverBundle?: boolean, dryRun?: boolean }} options
 * @returns {string[]}
 */
export function buildRuntime({ projects = [], wallet = false, serverBundle = false, dryRun = false } = {}) {
  const done = []
  if (serverBundle && !projects.includes('packages/server')) projects = [...projects, 'packages/server']
  if (projects.length > 0) {
    const { dirs, lines } = projectLines(projects)
    const print = fingerprint(lines)
    const stamp = join(
      stampDir,
      `tsc-${createHash('sha256')
        .update([...projects].sort().join(' '))
        .digest('hex')
        .slice(0, 16)}`,
    )
    const why = !upToDate(stamp, print) ? 'sources changed' : !outputsPresent(dirs) ? 'output missing' : undefined
    if (why !== undefined) {
      step(done, dryRun, `tsc -b ${projects.join(' ')}`, why, () => {
        run(bin('tsc'), ['-b', ...projects])
        remember(stamp, print)
      })
    }
  }

  if (serverBundle) {
    // The compiled server and everything it imports: its projects' sources (as above), the
    // installed dependencies (the lock file npm writes into node_modules) and esbuild itself.
    const lines = [
      ...projectLines(['packages/server']).lines,
      `esbuild ${versionOf('esbuild')}`,
      fileLine(join(root, 'node_modules', '.package-lock.json')),
    ]
    const print = fingerprint(lines)
    const stamp = join(stampDir, 'server-bundle')
    const why = !upToDate(stamp, print) ? 'inputs changed' : !existsSync(SERVER_BUNDLE) ? 'output missing' : undefined
    if (why !== undefined) step(done, dryRun, 'esbuild packages/server', why, () => bundleServer(stamp, print))
  }

  if (wallet) {
    const anchorFile = process.env.HOLDALL_TRUST_ANCHOR_FILE
    if (anchorFile !== undefined && !existsSync(anchorFile)) {
      process.stderr.write(
        `HOLDALL_TRUST_ANCHOR_FILE: ${anchorFile} does not exist; make it with npm run dev:fixtures, or unset it\n`,
      )
      process.exit(1)
    }
    const lines = [
      `anchor ${anchorFile === undefined ? 'none' : createHash('sha256').update(readFileSync(anchorFile)).digest('hex')}`,
    ]
    // The wallet bundles these packages from their sources, through their public entry points.
    for (const dir of ['packages/wallet', 'packages/client', 'packages/crypto', 'packages/protocol']) {
      lines.push(...listing(join(root, dir, 'src')), fileLine(join(root, dir, 'package.json')))
    }
    lines.push(...listing(join(root, 'packages/wallet/public')), ...listing(join(root, 'packages/wallet/tools')))
    const print = fingerprint(lines)
    // Kept inside dist, which every wallet build empties first: a build by any other route (npm
    // test, npm run build:wallet with another anchor) removes it, so the next start rebuilds.
    const stamp = join(root, 'packages/wallet/dist/.build-inputs')
    const why = !upToDate(stamp, print)
      ? 'inputs changed'
      : !existsSync(join(root, 'packages/wallet/dist/index.html'))
        ? 'output missing'
        : undefined
    if (why !== undefined) {
      step(done, dryRun, 'wallet', why, () => {
        run(bin('tsx'), [join(root, 'packages/wallet/tools/build-cli.ts')])
        remember(stamp, print)
      })
    }
  }
  return done
}

/** esbuild is loaded only here, when the bundle is out of date. */
function bundleServer(stamp, print) {
  const require = createRequire(import.meta.url)
  const esbuild = require(join(root, 'node_modules', 'esbuild'))
  const result = esbuild.buildSync({
    entryPoints: [join(root, 'packages', 'server', 'dist', 'cli.js')],
    outfile: SERVER_BUNDLE,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: ['better-sqlite3', 'pg'],
    // The CommonJS dependencies (fastify and its plugins) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as holdallCreateRequire } from 'node:module'\nconst require = holdallCreateRequire(import.meta.url)",
    },
    // For `node --enable-source-maps`: stack traces that name the compiled files, not the bundle.
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  })
  // Written beside, then renamed over: a host starting meanwhile reads the old file or the new
  // one, never half of one.
  mkdirSync(dirname(SERVER_BUNDLE), { recursive: true })
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`
    writeFileSync(temporary, file.contents)
    renameSync(temporary, file.path)
  }
  remember(stamp, print)
}

const isMain = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url
if (isMain) {
  const args = process.argv.slice(2)
  const dryRun = args.includes('--dry-run')
  const done = buildRuntime({
    projects: args.filter((arg) => !arg.startsWith('--')),
    wallet: args.includes('--wallet'),
    serverBundle: args.includes('--server-bundle'),
    dryRun,
  })
  if (dryRun)
    process.stdout.write(done.length === 0 ? 'up to date\n' : `would build:\n${done.map((d) => `  ${d}\n`).join('')}`)
}
