import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

/*
 * Two projects: every test on SQLite (the default), and the server tests again on PostgreSQL,
 * each host in a database of its own that is dropped afterwards. HOLDALL_TEST_POSTGRES_URL names
 * the server (default: 127.0.0.1:5432, trust auth, database `test`, as on our machines and CI);
 * HOLDALL_TEST_POSTGRES=0 leaves the PostgreSQL project out on a machine without one.
 */
const postgresUrl = process.env.HOLDALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const withPostgres = process.env.HOLDALL_TEST_POSTGRES !== '0'

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources: no build step between an edit and a test run.
    alias: {
      '@holdall/protocol': source('protocol'),
      '@holdall/crypto': source('crypto'),
      '@holdall/log': source('log'),
      '@holdall/client': source('client'),
      '@holdall/server': source('server'),
    },
  },
  test: {
    testTimeout: 60_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        extends: true as const,
        test: {
          name: 'sqlite',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['packages/server/test/postgres/**', '**/node_modules/**'],
        },
      },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['packages/server/test/**/*.test.ts'],
                // These read the SQLite file and the blob folder directly to prove that a refused
                // request stored nothing, or fill a disk under SQLite: they test storage, not SQL.
                exclude: [
                  'packages/server/test/attacks/**',
                  'packages/server/test/fuzz.test.ts',
                  'packages/server/test/faults.test.ts',
                  '**/node_modules/**',
                ],
                env: { HOLDALL_TEST_POSTGRES_URL: postgresUrl },
              },
            },
          ]
        : []),
    ],
  },
})
