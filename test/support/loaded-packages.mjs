// Preloaded (node --import) by test/start.test.ts: as the process exits, writes to stderr one line
// naming every package under node_modules whose CommonJS files it loaded, so a test can see what
// a host start loads (the PostgreSQL driver or not, the dependencies from node_modules or from
// the bundle) without changing the host.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

process.on('exit', () => {
  const names = new Set()
  for (const path of Object.keys(require.cache)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)
    if (match !== null) names.add(match[1])
  }
  process.stderr.write(`loaded packages: ${JSON.stringify([...names].sort())}\n`)
})
