import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs'
import type { JWK } from 'jose'
import { ConfigError, type ServerConfig } from './config.js'
import { loadTrustList } from './services/trust-list.js'

/*
 * What `holdall-server` checks before it opens anything, and how it explains what went wrong when
 * it cannot start: one line that names the setting and the fix, never a stack trace alone.
 */

/**
 * The trust list and the operator key it must verify under, read and verified now, so a missing
 * or badly signed file stops the host before it opens its database.
 */
export async function readTrustListFiles(
  listFile: string | undefined,
  anchorFile: string | undefined,
  now: number,
  /** HOLDALL_TRUST_KEY_ROTATIONS_FILE: the operator's key rotation statements, one per line (spec 11.1). */
  rotationsFile?: string | undefined,
): Promise<{ jws: string; anchor: JWK; rotations: string[] } | undefined> {
  if (listFile === undefined && anchorFile === undefined) return undefined
  if (listFile === undefined)
    throw new ConfigError(
      'HOLDALL_TRUST_ANCHOR_FILE is set but HOLDALL_TRUST_LIST_FILE is not: give both (the list and the key that signed it), or neither',
    )
  if (anchorFile === undefined)
    throw new ConfigError(
      'HOLDALL_TRUST_LIST_FILE needs HOLDALL_TRUST_ANCHOR_FILE, the operator public key (JWK) that signed it',
    )
  const jws = readSettingFile('HOLDALL_TRUST_LIST_FILE', listFile).trim()
  let anchor: JWK
  try {
    anchor = JSON.parse(readSettingFile('HOLDALL_TRUST_ANCHOR_FILE', anchorFile)) as JWK
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(
      `HOLDALL_TRUST_ANCHOR_FILE (${anchorFile}) is not JSON: it must hold the operator's public JWK`,
    )
  }
  const rotations =
    rotationsFile === undefined
      ? []
      : readSettingFile('HOLDALL_TRUST_KEY_ROTATIONS_FILE', rotationsFile)
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '')
  try {
    await loadTrustList(jws, anchor, now, rotations)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ConfigError(
      `HOLDALL_TRUST_LIST_FILE (${listFile}) does not verify under HOLDALL_TRUST_ANCHOR_FILE (${anchorFile}): ${reason}; sign it again with that key (development: npm run dev:fixtures)`,
    )
  }
  return { jws, anchor, rotations }
}

function readSettingFile(setting: string, path: string): string {
  if (!existsSync(path))
    throw new ConfigError(`${setting}: ${path} does not exist (a development set: npm run dev:fixtures)`)
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`${setting}: ${path} cannot be read (${codeOf(error) ?? 'error'}): check its permissions`)
  }
}

/** The data folder exists (made if missing) and this user may read and write it. */
export function checkDataDir(config: ServerConfig): void {
  const usesFolder =
    config.databaseUrl === undefined ||
    (config.blobStore ?? (config.databaseUrl ? 'database' : 'filesystem')) === 'filesystem'
  if (!usesFolder) return
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    accessSync(config.dataDir, constants.R_OK | constants.W_OK | constants.X_OK)
  } catch (error) {
    throw new ConfigError(
      `HOLDALL_DATA_DIR (${config.dataDir}) cannot be used (${codeOf(error) ?? 'error'}): give a folder this user can read and write, e.g. HOLDALL_DATA_DIR=./.holdall`,
    )
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The error and everything it wraps (`cause`, AggregateError's `errors`), outermost first. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = []
  const visit = (e: unknown) => {
    if (e === undefined || e === null || out.includes(e) || out.length > 20) return
    out.push(e)
    visit((e as { cause?: unknown }).cause)
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) visit(inner)
  }
  visit(error)
  return out
}

/** A native module compiled for another Node.js (ABI) version, as Node reports it. */
export function isNativeModuleMismatch(error: unknown): boolean {
  return chain(error).some((e) => {
    const message = e instanceof Error ? e.message : String(e)
    return (
      /NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header|wrong ELF class/.test(
        message,
      ) ||
      (codeOf(e) === 'ERR_DLOPEN_FAILED' && /better.sqlite3|better_sqlite3/.test(message))
    )
  })
}

export const NATIVE_MODULE_FIX = `better-sqlite3 was built for another Node.js version than this one (${process.version}): run npm rebuild better-sqlite3`

/**
 * One line that says why the host could not start and what to change. `config` is undefined when
 * the configuration itself could not be read.
 */
export function explainStartupError(error: unknown, config: ServerConfig | undefined): string {
  if (error instanceof ConfigError) return error.message
  if (isNativeModuleMismatch(error)) return NATIVE_MODULE_FIX
  const errors = chain(error)
  const withCode = (...codes: string[]) => errors.find((e) => codes.includes(codeOf(e) ?? ''))
  const port = config?.port ?? 'PORT'
  if (withCode('EADDRINUSE'))
    return `PORT ${port} is already in use on ${config?.host ?? 'HOST'}: stop what is using it, or choose another (PORT=8081 npm start)`
  const listen = errors.find((e) => (e as { syscall?: string }).syscall === 'listen')
  if (listen !== undefined && codeOf(listen) === 'EACCES')
    return `PORT ${port}: this user may not listen on it (ports below 1024 need privileges): choose PORT=8080 or higher`
  if (listen !== undefined && codeOf(listen) === 'EADDRNOTAVAIL')
    return `HOST ${config?.host ?? ''} is not an address of this machine: use HOST=127.0.0.1, or one of its own addresses`
  if (config?.databaseUrl !== undefined) {
    const where = postgresAddress(config.databaseUrl)
    if (withCode('ECONNREFUSED'))
      return `DATABASE_URL: nothing answers at ${where} (connection refused): start PostgreSQL there, or unset DATABASE_URL to use SQLite`
    if (withCode('ENOTFOUND', 'EAI_AGAIN'))
      return `DATABASE_URL: the host name in it (${where}) cannot be found: correct DATABASE_URL`
    if (withCode('3D000')) {
      const database = new URL(config.databaseUrl).pathname.slice(1)
      return `DATABASE_URL: PostgreSQL at ${where} has no database "${database}": create it (createdb -h ${new URL(config.databaseUrl).hostname} -U postgres ${database})`
    }
    if (withCode('28P01', '28000'))
      return `DATABASE_URL: PostgreSQL at ${where} refused the user or password in it: correct DATABASE_URL`
  }
  const sqlite = errors.find((e) => /^SQLITE_(CANTOPEN|READONLY|IOERR|PERM)/.test(codeOf(e) ?? ''))
  if (sqlite !== undefined && config !== undefined)
    return `HOLDALL_DATA_DIR (${config.dataDir}): the SQLite database there cannot be opened for writing (${codeOf(sqlite)}): give a folder this user can write`
  const message = errors.map((e) => (e instanceof Error ? e.message : String(e))).join(': ')
  // Never the database URL itself: it may carry a password.
  const safe = config?.databaseUrl === undefined ? message : message.split(config.databaseUrl).join('DATABASE_URL')
  return `${safe} (HOLDALL_LOG=1 prints the whole error)`
}

function postgresAddress(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`
  } catch {
    return 'the address in DATABASE_URL'
  }
}
