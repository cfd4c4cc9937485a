#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { buildApp } from './app.js'
import { configFromEnv } from './config.js'

/** The only place that listens. Stops cleanly on SIGINT/SIGTERM: no process.exit in the server. */
async function main(): Promise<void> {
  const config = configFromEnv()
  const anchorFile = process.env.HOLDALL_TRUST_ANCHOR_FILE
  const trustList =
    config.trustListFile !== undefined && anchorFile !== undefined
      ? { jws: readFileSync(config.trustListFile, 'utf8').trim(), anchor: JSON.parse(readFileSync(anchorFile, 'utf8')) }
      : undefined
  const app = await buildApp({
    config,
    logger: process.env.HOLDALL_LOG === '1',
    ...(trustList === undefined ? {} : { trustList }),
  })
  await app.listen({ host: config.host, port: config.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  process.stdout.write(`Holdall host listening on http://${config.host}:${port} (public URL ${config.publicUrl})\n`)
  process.stdout.write(
    // Never the database URL itself: it may carry a password.
    `${config.databaseUrl === undefined ? `SQLite in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)'}. API: ${config.publicUrl}/docs and ${config.publicUrl}/openapi.json\n`,
  )
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close()
    })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`holdall-server: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
