#!/usr/bin/env node
// Builds only what a command is about to run, and only when its inputs changed since the last
// build: `npm start`, `npm run dev`, the demos, the surgery and the conformance CLI call this
// instead of a whole-repository `tsc -b` (which re-checks every test project, each time, since
// test projects emit nothing and so always look out of date). `npm test` stays the full check.
//
//   node scripts/build-runtime.mjs [--wallet] <tsconfig project folder>...
//
// For each named project and every project it references, a fingerprint of its inputs (path,
// size and modification time of every source file, its tsconfig and package.json, the shared
// tsconfig.base.json and the TypeScript version) is compared with the one written after the last
// successful build; any difference, or a missing output, runs `tsc -b` on the named projects.
// `--wallet` does the same for the wallet bundle, whose inputs also include the trust anchor
// pinned into it (HOLDALL_TRUST_ANCHOR_FILE). Plain JavaScript so that starting it costs no
// compiler: a second `npm start` with nothing changed spends milliseconds here.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const stampDir = join(root, 'node_modules', '.cache', 'holdall-build')

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

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    process.stderr.write(`build failed: ${relative(root, command)} ${args.join(' ')}\n`)
    process.exit(result.status ?? 1)
  }
}

const args = process.argv.slice(2)
const projects = args.filter((arg) => !arg.startsWith('--'))
const bin = (name) => join(root, 'node_modules', '.bin', name)
const typescriptVersion = JSON.parse(
  readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'),
).version

if (projects.length > 0) {
  const dirs = new Set()
  for (const project of projects) closure(project, dirs)
  const lines = [`typescript ${typescriptVersion}`, fileLine(join(root, 'tsconfig.base.json'))]
  for (const dir of dirs) {
    lines.push(...listing(join(dir, 'src')), fileLine(join(dir, 'tsconfig.json')), fileLine(join(dir, 'package.json')))
  }
  const print = fingerprint(lines)
  const stamp = join(
    stampDir,
    `tsc-${createHash('sha256').update(projects.sort().join(' ')).digest('hex').slice(0, 16)}`,
  )
  if (!upToDate(stamp, print) || !outputsPresent(dirs)) {
    run(bin('tsc'), ['-b', ...projects])
    remember(stamp, print)
  }
}

if (args.includes('--wallet')) {
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
  if (!upToDate(stamp, print) || !existsSync(join(root, 'packages/wallet/dist/index.html'))) {
    run(bin('tsx'), [join(root, 'packages/wallet/tools/build-cli.ts')])
    remember(stamp, print)
  }
}
