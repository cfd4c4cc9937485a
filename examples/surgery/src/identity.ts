import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ServiceIdentity } from '@holdall/client'
import { base64urlDecode, base64urlEncode, type DeviceKeys, generateDeviceKeys } from '@holdall/crypto'
import { z } from 'zod'

const keyFileSchema = z
  .object({
    signing: z.object({ secretKey: z.string(), publicKey: z.string() }).strict(),
    agreement: z.object({ secretKey: z.string(), publicKey: z.string() }).strict(),
  })
  .strict()

/**
 * The surgery's keys, made once and kept in its data folder, readable by the service's user only.
 * They never reach a browser: pages get only what the service read with them.
 */
export function loadOrCreateKeys(dataDir: string): DeviceKeys {
  const file = join(dataDir, 'keys.json')
  if (existsSync(file)) {
    const stored = keyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
    const pair = (p: { secretKey: string; publicKey: string }) => ({
      secretKey: base64urlDecode(p.secretKey),
      publicKey: base64urlDecode(p.publicKey),
    })
    return { signing: pair(stored.signing), agreement: pair(stored.agreement) }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const keys = generateDeviceKeys()
  const pair = (p: { secretKey: Uint8Array; publicKey: Uint8Array }) => ({
    secretKey: base64urlEncode(p.secretKey),
    publicKey: base64urlEncode(p.publicKey),
  })
  writeFileSync(file, JSON.stringify({ signing: pair(keys.signing), agreement: pair(keys.agreement) }), {
    mode: 0o600,
    flag: 'wx',
  })
  chmodSync(file, 0o600)
  return keys
}

/** The surgery as the protocol sees it: its client_id is the URL of its metadata document. */
export function surgeryIdentity(options: {
  publicUrl: string
  name: string
  odsCode: string
  keys: DeviceKeys
}): ServiceIdentity {
  return {
    clientId: `${options.publicUrl}/client-metadata.json`,
    name: options.name,
    category: 'gp_surgery',
    registryCode: options.odsCode,
    keys: options.keys,
  }
}
