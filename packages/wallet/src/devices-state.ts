import type { RecoveryKit, TrustedOrganisation, TrustedOrganisations } from '@holdall/client'
import type { Recovery } from '@holdall/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import type { UnlockedStore } from './key-store.js'

/*
 * Issue 16: what the wallet keeps about phones and recovery, sealed under the PIN with the keys:
 * the key worker the holder chose, the latest recovery kit, and a recovery this phone is waiting on.
 */

export interface WaitingRecovery {
  readonly recovery: Recovery
  /** The kit share (base64url) and the chain root from the kit's QR code (base64url), if given. */
  readonly kitShare?: string
  readonly root?: string
  /**
   * The end of the wait as the host first said it, kept on the phone: a later answer that says
   * sooner is not believed (the wait shown and the Finish button go by the later of the two).
   */
  readonly firstReadyAt: number
}

export interface DevicesState {
  readonly vaultId: string
  readonly workerClientId?: string
  readonly kit?: RecoveryKit
  readonly recovering?: WaitingRecovery | undefined
}

export async function loadDevicesState(store: UnlockedStore): Promise<DevicesState> {
  const saved = (await store.loadDevices().catch(() => undefined)) as DevicesState | undefined
  return saved?.vaultId === store.vault.vaultId ? saved : { vaultId: store.vault.vaultId }
}

export async function saveDevicesState(store: UnlockedStore, change: Partial<DevicesState>): Promise<DevicesState> {
  const next = { ...(await loadDevicesState(store)), ...change, vaultId: store.vault.vaultId }
  await store.saveDevices(next)
  return next
}

/** The organisations that may hold a recovery share: probation and listed support services. */
export function keyWorkers(trust: TrustedOrganisations | undefined): TrustedOrganisation[] {
  if (trust === undefined) return []
  return trust.list.organisations
    .filter((o) => o.category === 'probation' || o.category === 'supporter')
    .map((o) => trust.byClientId(o.client_id))
    .filter((o): o is TrustedOrganisation => o !== undefined)
}

// ---- codes a person types from one screen to another ----------------------------------------

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/**
 * Bytes as Crockford base32 in groups of four, ending in a 2-byte SHA-256 checksum so a typo is
 * found (the codes that link a phone, and the vault number).
 */
export function formatCode(bytes: Uint8Array): string {
  const all = new Uint8Array(bytes.length + 2)
  all.set(bytes)
  all.set(sha256(bytes).subarray(0, 2), bytes.length)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of all) {
    value = ((value << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(value >> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out.replace(/(.{4})(?=.)/g, '$1 ')
}

/** Reads a typed code of `length` bytes; undefined if it is mistyped. */
export function parseCode(typed: string, length: number): Uint8Array | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (code.length !== Math.ceil(((length + 2) * 8) / 5)) return undefined
  const out = new Uint8Array(length + 2)
  let bits = 0
  let value = 0
  let index = 0
  for (const symbol of code) {
    const digit = ALPHABET.indexOf(symbol)
    if (digit < 0) return undefined
    value = ((value << 5) | digit) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      if (index < out.length) out[index++] = (value >> bits) & 0xff
    }
  }
  const body = out.subarray(0, length)
  const check = sha256(body)
  return check[0] === out[length] && check[1] === out[length + 1] ? body.slice() : undefined
}

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
