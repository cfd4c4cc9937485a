#!/usr/bin/env node
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { configFromEnv, type ServerConfig } from './config.js'
import { scaledRateLimits } from './hardening.js'
import { checkDataDir, explainStartupError, readTrustListFiles } from './startup-checks.js'

/** How long opening the database may take before the host gives up and says which setting to check. */
const STARTUP_TIMEOUT_MS = 30_000

let config: ServerConfig | undefined

/** The only place that listens. Stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  config = configFromEnv()
  const trustList = await readTrustListFiles(
    config.trustListFile,
    process.env.HOLDALL_TRUST_ANCHOR_FILE,
    Date.now(),
    process.env.HOLDALL_TRUST_KEY_ROTATIONS_FILE || undefined,
  )
  checkDataDir(config)
  // Imported here, not at the top: better-sqlite3 built for another Node.js fails as it loads,
  // and only inside main() can that be explained (startup-checks.ts) instead of a stack trace.
  const { buildApp } = await import('./app.js')
  // The wallet built beside this package (npm run build:wallet), unless HOLDALL_WALLET_DIR says otherwise.
  const walletDir = process.env.HOLDALL_WALLET_DIR ?? fileURLToPath(new URL('../../wallet/dist', import.meta.url))
  const hasWallet = existsSync(join(walletDir, 'index.html'))
  const watchdog = setTimeout(() => {
    fail(
      new Error(
        config?.databaseUrl === undefined
          ? `the host did not start within ${STARTUP_TIMEOUT_MS / 1000} s`
          : `DATABASE_URL: no answer from PostgreSQL within ${STARTUP_TIMEOUT_MS / 1000} s: check the address in it, and that PostgreSQL is running there`,
      ),
    )
  }, STARTUP_TIMEOUT_MS)
  watchdog.unref()
  const app = await buildApp({
    config,
    ...sqlCounting(process.env.HOLDALL_SQL_COUNT_FILE),
    logger: process.env.HOLDALL_LOG === '1',
    rateLimits: scaledRateLimits(config.rateLimitFactor ?? 1),
    ...(trustList === undefined ? {} : { trustList }),
    ...(hasWallet ? { walletDir } : {}),
  })
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    await app.close()
    throw error
  } finally {
    clearTimeout(watchdog)
  }
  // Before saying it listens: whoever waits for that line may stop the host at once.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close()
    })
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  process.stdout.write(`Holdall host listening on http://${config.host}:${port} (public URL ${config.publicUrl})\n`)
  process.stdout.write(
    // Never the database URL itself: it may carry a password.
    `${config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}. API: ${config.publicUrl}/docs and ${config.publicUrl}/openapi.json\n`,
  )
  if (hasWallet) process.stdout.write(`Wallet: ${config.publicUrl}/\n`)
  if (config.allowLoopbackMetadata)
    process.stdout.write('Development settings: metadata documents may be fetched from 127.0.0.1\n')
}

/**
 * Benchmarks only (bench/http.ts): counts the SQL statements the host runs, data statements and
 * transaction control apart, and writes both to the named file on SIGUSR2.
 */
function sqlCounting(file: string | undefined) {
  if (file === undefined) return {}
  const counts = { data: 0, control: 0 }
  process.on('SIGUSR2', () => writeFileSync(file, `${counts.data} ${counts.control}\n`))
  return {
    onQuery: (text: string) => {
      if (/^\s*(begin|commit|rollback|savepoint|release)\b/i.test(text)) counts.control++
      else counts.data++
    },
  }
}

/**
 * A host that cannot start says why in one line and exits non-zero. Whatever it had opened
 * before failing (a PostgreSQL listener, a pool) must not keep a broken process alive, so after
 * the message the process ends: the only exit the server makes on purpose.
 */
function fail(error: unknown): void {
  process.stderr.write(`holdall-server: ${explainStartupError(error, config)}\n`)
  if (process.env.HOLDALL_LOG === '1' && error instanceof Error) process.stderr.write(`${error.stack}\n`)
  process.exit(1)
}

main().catch(fail)
