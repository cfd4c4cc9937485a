import { resolve } from 'node:path'
import { z } from 'zod'

/** How the surgery service is run. Read from the environment by main.ts; tests build it directly. */
export interface SurgeryConfig {
  /** The Holdall host the surgery asks through, e.g. http://127.0.0.1:8080. No trailing slash. */
  readonly hostUrl: string
  readonly port: number
  readonly listenHost: string
  /** Where the surgery is reached from outside: its client_id is `${publicUrl}/client-metadata.json`. */
  readonly publicUrl: string
  /** Holds the service's private keys (keys.json, mode 0600) and, in development, a trust list. */
  readonly dataDir: string
  /** The surgery's name and ODS code, as published in its metadata document. */
  readonly name: string
  readonly odsCode: string
  /**
   * The trust list operator's Ed25519 public key (JWK file), pinned here and never fetched from the
   * host: without it every signature is shown as unverifiable.
   */
  readonly trustAnchorFile: string | undefined
  /** How long a reception session (and everything read in it) lives in memory. */
  readonly sessionMinutes: number
}

const envSchema = z.object({
  HOLDALL_HOST_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  SURGERY_PORT: z.coerce.number().int().min(0).max(65_535).default(8090),
  SURGERY_LISTEN_HOST: z.string().min(1).default('127.0.0.1'),
  SURGERY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SURGERY_DATA_DIR: z.string().min(1).default('./.surgery'),
  SURGERY_NAME: z.string().min(1).max(200).default('Riverside Surgery'),
  SURGERY_ODS_CODE: z
    .string()
    .regex(/^[A-Z0-9]{3,10}$/)
    .default('B86011'),
  HOLDALL_TRUST_ANCHOR_FILE: z.string().min(1).optional(),
  SURGERY_SESSION_MINUTES: z.coerce.number().int().min(1).max(240).default(30),
})

export function configFromEnv(env: Record<string, string | undefined> = process.env): SurgeryConfig {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new Error(`invalid configuration in: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`)
  }
  const e = parsed.data
  const dataDir = resolve(e.SURGERY_DATA_DIR)
  return {
    hostUrl: e.HOLDALL_HOST_URL.replace(/\/+$/, ''),
    port: e.SURGERY_PORT,
    listenHost: e.SURGERY_LISTEN_HOST,
    publicUrl: (e.SURGERY_PUBLIC_URL ?? `http://${e.SURGERY_LISTEN_HOST}:${e.SURGERY_PORT}`).replace(/\/+$/, ''),
    dataDir,
    name: e.SURGERY_NAME,
    odsCode: e.SURGERY_ODS_CODE,
    trustAnchorFile: e.HOLDALL_TRUST_ANCHOR_FILE,
    sessionMinutes: e.SURGERY_SESSION_MINUTES,
  }
}
