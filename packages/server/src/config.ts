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
  /**
   * How long an uploaded envelope that no version or deposit names is kept, and counted against
   * the vault's quota, on the host's clock (default 24 hours).
   */
  readonly unreferencedUploadTtlMs?: number
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
  /**
   * The file holding the key that seals the host's recovery shares at rest (spec 9.4): outside the
   * database, so a database dump alone yields no share. Default `<dataDir>/recovery-escrow.key`,
   * made on first start; several instances must be given the same file.
   */
  readonly recoveryEscrowKeyFile?: string | undefined
  /** Waiting periods of a recovery (spec 9.5), in milliseconds: without and with the printed kit. */
  readonly recoveryWaitMs?: number | undefined
  readonly recoveryKitWaitMs?: number | undefined
  /**
   * The file of the host's log keys (spec 8.8, services/log-key.ts). Absent: `log-key` in
   * `dataDir`, written with a new key on first start. Instances sharing a database share it.
   */
  readonly logKeyFile?: string | undefined
  /** How long a vault that moved away keeps its tombstone here (spec 12.6), ms; default 180 days. */
  readonly tombstoneMs?: number | undefined
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
  HOLDALL_UNREFERENCED_UPLOAD_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(24 * 3600),
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
  HOLDALL_RECOVERY_ESCROW_KEY_FILE: z.string().min(1).optional(),
  HOLDALL_RECOVERY_WAIT_SECONDS: z.coerce.number().int().min(1).optional(),
  HOLDALL_RECOVERY_KIT_WAIT_SECONDS: z.coerce.number().int().min(1).optional(),
  HOLDALL_LOG_KEY_FILE: z.string().min(1).optional(),
  HOLDALL_TOMBSTONE_SECONDS: z.coerce.number().int().min(86_400).optional(),
})

/** A setting that is missing or wrong: its message names the setting and how to fix it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/** What each setting expects, said the way an operator fixes it. */
const EXPECTED: Record<string, string> = {
  PORT: 'a port number from 0 to 65535, e.g. PORT=8081',
  HOST: 'an address to listen on, e.g. HOST=127.0.0.1',
  HOLDALL_DATA_DIR: 'a folder path, e.g. HOLDALL_DATA_DIR=./.holdall',
  HOLDALL_PUBLIC_URL: 'an http(s) URL, e.g. HOLDALL_PUBLIC_URL=https://vault.example.org',
  HOLDALL_ALLOW_LOOPBACK_METADATA: '0 or 1',
  HOLDALL_MAX_RECORD_BYTES: 'a whole number of bytes, at least 1024',
  HOLDALL_VAULT_QUOTA_BYTES: 'a whole number of bytes, at least 1024',
  HOLDALL_UNREFERENCED_UPLOAD_SECONDS: 'a whole number of seconds, at least 60',
  HOLDALL_TRUST_LIST_FILE: 'the path of a signed trust list file',
  HOLDALL_RATE_LIMIT_FACTOR: 'a number from 1 to 1000',
  HOLDALL_CORS_ORIGINS: 'comma-separated origins such as https://app.example.org, with no path',
  DATABASE_URL: 'a postgres:// URL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/holdall, or unset for SQLite',
  HOLDALL_BLOB_STORE: 'filesystem or database',
  HOLDALL_RECOVERY_ESCROW_KEY_FILE: 'the path of the recovery escrow key file (32 random bytes), outside the database',
  HOLDALL_RECOVERY_WAIT_SECONDS: 'a whole number of seconds, at least 1 (default 172800, 48 hours)',
  HOLDALL_RECOVERY_KIT_WAIT_SECONDS: 'a whole number of seconds, at least 1 (default 86400, 24 hours)',
  HOLDALL_LOG_KEY_FILE: 'the path of the log key file (written with a new key if absent)',
  HOLDALL_TOMBSTONE_SECONDS: 'a whole number of seconds, at least 86400 (default 15552000, 180 days)',
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Whether a URL names this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url)
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

export function configFromEnv(env: Record<string, string | undefined> = process.env): ServerConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    // One line per wrong setting; never the value itself (DATABASE_URL may carry a password).
    const lines = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))].map(
      (name) => `${name} is not valid: expected ${EXPECTED[name] ?? 'a valid value'}`,
    )
    throw new ConfigError(lines.join('; '))
  }
  const e = parsed.data
  const publicUrl = (
    e.HOLDALL_PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`
  ).replace(/\/+$/, '')
  if (e.HOLDALL_ALLOW_LOOPBACK_METADATA === '1') refuseDevelopmentSettingOutsideDevelopment(env, publicUrl)
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: resolve(e.HOLDALL_DATA_DIR),
    publicUrl,
    allowLoopbackMetadata: e.HOLDALL_ALLOW_LOOPBACK_METADATA === '1',
    maxRecordBytes: e.HOLDALL_MAX_RECORD_BYTES,
    vaultQuotaBytes: e.HOLDALL_VAULT_QUOTA_BYTES,
    unreferencedUploadTtlMs: e.HOLDALL_UNREFERENCED_UPLOAD_SECONDS * 1000,
    trustListFile: e.HOLDALL_TRUST_LIST_FILE,
    corsOrigins: e.HOLDALL_CORS_ORIGINS,
    rateLimitFactor: e.HOLDALL_RATE_LIMIT_FACTOR,
    databaseUrl: e.DATABASE_URL,
    blobStore: e.HOLDALL_BLOB_STORE,
    recoveryEscrowKeyFile: e.HOLDALL_RECOVERY_ESCROW_KEY_FILE,
    recoveryWaitMs: e.HOLDALL_RECOVERY_WAIT_SECONDS === undefined ? undefined : e.HOLDALL_RECOVERY_WAIT_SECONDS * 1000,
    recoveryKitWaitMs:
      e.HOLDALL_RECOVERY_KIT_WAIT_SECONDS === undefined ? undefined : e.HOLDALL_RECOVERY_KIT_WAIT_SECONDS * 1000,
    logKeyFile: e.HOLDALL_LOG_KEY_FILE === undefined ? undefined : resolve(e.HOLDALL_LOG_KEY_FILE),
    tombstoneMs: e.HOLDALL_TOMBSTONE_SECONDS === undefined ? undefined : e.HOLDALL_TOMBSTONE_SECONDS * 1000,
  }
}

/**
 * Loopback metadata lets anyone who can run a process on the host's machine stand up an
 * organisation: fine on a developer's laptop, never on a host others use. So it is refused in
 * production, and whenever the host is reached from anywhere but this machine.
 */
function refuseDevelopmentSettingOutsideDevelopment(env: Record<string, string | undefined>, publicUrl: string): void {
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'HOLDALL_ALLOW_LOOPBACK_METADATA=1 is a development setting and NODE_ENV is production: unset one of them',
    )
  }
  if (!isLoopbackUrl(publicUrl)) {
    throw new ConfigError(
      `HOLDALL_ALLOW_LOOPBACK_METADATA=1 is a development setting, refused because the public URL (${publicUrl}) is not a loopback address: unset it, or develop on http://127.0.0.1`,
    )
  }
}
