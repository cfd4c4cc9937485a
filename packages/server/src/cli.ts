#!/usr/bin/env node
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from './app.js'
import { configFromEnv } from './config.js'
import { scaledRateLimits } from './hardening.js'

/** The only place that listens. Stops cleanly on SIGINT/SIGTERM: no process.exit in the server. */
async function main(): Promise<void> {
  const config = configFromEnv()
  const anchorFile = process.env.HOLDALL_TRUST_ANCHOR_FILE
  const trustList =
    config.trustListFile !== undefined && anchorFile !== undefined
      ? { jws: readFileSync(config.trustListFile, 'utf8').trim(), anchor: JSON.parse(readFileSync(anchorFile, 'utf8')) }
      : undefined
  // The wallet built beside this package (npm run build:wallet), unless HOLDALL_WALLET_DIR says otherwise.
  const walletDir = process.env.HOLDALL_WALLET_DIR ?? fileURLToPath(new URL('../../wallet/dist', import.meta.url))
  const app = await buildApp({
    config,
    ...sqlCounting(process.env.HOLDALL_SQL_COUNT_FILE),
    logger: process.env.HOLDALL_LOG === '1',
    rateLimits: scaledRateLimits(config.rateLimitFactor ?? 1),
    ...(trustList === undefined ? {} : { trustList }),
    ...(existsSync(join(walletDir, 'index.html')) ? { walletDir } : {}),
  })
  await app.listen({ host: config.host, port: config.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  process.stdout.write(`Holdall host listening on http://${config.host}:${port} (public URL ${config.publicUrl})\n`)
  process.stdout.write(
    // Never the database URL itself: it may carry a password.
    `${config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}. API: ${config.publicUrl}/docs and ${config.publicUrl}/openapi.json\n`,
  )
  if (existsSync(join(walletDir, 'index.html'))) process.stdout.write(`Wallet: ${config.publicUrl}/\n`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close()
    })
  }
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

main().catch((error: unknown) => {
  process.stderr.write(`holdall-server: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
