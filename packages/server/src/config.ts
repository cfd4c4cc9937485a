import { resolve } from 'node:path'
import { z } from 'zod'

/**
 * Server configuration, from the environment with safe defaults. Everything that decides how
 * the host is reached from outside (the public URL used in DPoP `htu` checks) is configured,
 * never taken from request headers.
 */
export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  /** The external origin, e.g. https://vault.example.org. No trailing slash. */
  readonly publicUrl: string
  /** Development only: accept metadata documents served from loopback addresses over http. */
  readonly allowLoopbackMetadata: boolean
  readonly maxRecordBytes: number
  readonly vaultQuotaBytes: number
  /** Path of a signed trust list (compact JWS) to serve; none means no trust list. */
  readonly trustListFile: string | undefined
  /** Origins whose browser code may call the host (CORS). Empty or absent: none may. */
  readonly corsOrigins?: readonly string[]
  /**
   * Multiplies every rate limit (hardening.ts). 1 in production; a conformance or load run from one
   * address raises it, since every one of its requests comes from that address.
   */
  readonly rateLimitFactor?: number
  /**
   * A postgres:// URL: the database is PostgreSQL, which several instances can share. Absent:
   * SQLite in `dataDir` (the default).
   */
  readonly databaseUrl?: string | undefined
  /**
   * Where envelopes live: 'filesystem' (under `dataDir`, the default on SQLite) or 'database'
   * (the default on PostgreSQL, so every instance reaches every envelope).
   */
  readonly blobStore?: 'filesystem' | 'database' | undefined
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  HOLDALL_DATA_DIR: z.string().min(1).default('./.holdall'),
  HOLDALL_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  HOLDALL_ALLOW_LOOPBACK_METADATA: z.enum(['0', '1']).default('0'),
  HOLDALL_MAX_RECORD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  HOLDALL_VAULT_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(250 * 1024 * 1024),
  HOLDALL_TRUST_LIST_FILE: z.string().min(1).optional(),
  HOLDALL_RATE_LIMIT_FACTOR: z.coerce.number().min(1).max(1000).default(1),
  HOLDALL_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }).refine((origin) => !origin.endsWith('/'), 'an origin, no path'))),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  HOLDALL_BLOB_STORE: z.enum(['filesystem', 'database']).optional(),
})

export function configFromEnv(env: Record<string, string | undefined> = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')
    throw new Error(`invalid configuration in: ${fields}`)
  }
  const e = parsed.data
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: resolve(e.HOLDALL_DATA_DIR),
    publicUrl: (e.HOLDALL_PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(
      /\/+$/,
      '',
    ),
    allowLoopbackMetadata: e.HOLDALL_ALLOW_LOOPBACK_METADATA === '1',
    maxRecordBytes: e.HOLDALL_MAX_RECORD_BYTES,
    vaultQuotaBytes: e.HOLDALL_VAULT_QUOTA_BYTES,
    trustListFile: e.HOLDALL_TRUST_LIST_FILE,
    corsOrigins: e.HOLDALL_CORS_ORIGINS,
    rateLimitFactor: e.HOLDALL_RATE_LIMIT_FACTOR,
    databaseUrl: e.DATABASE_URL,
    blobStore: e.HOLDALL_BLOB_STORE,
  }
}
