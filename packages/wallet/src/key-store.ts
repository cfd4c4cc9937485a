import type { DeviceKeys } from '@holdall/crypto'
import { scryptAsync } from '@noble/hashes/scrypt.js'

/*
 * The local key store: this device's keys and vault id, in IndexedDB, encrypted (AES-256-GCM,
 * WebCrypto) under a key derived from the PIN with scrypt. Nothing here is ever sent to the host,
 * and nothing sensitive goes to localStorage.
 *
 * Why scrypt with N = 2^15, r = 8, p = 1 (32 MiB): it is memory-hard, so each guess costs an
 * attacker 32 MiB as well as time, and a cheap phone with 2 GB of memory can afford it in about a
 * second. Argon2id would be a little better, but @noble's argon2 is several times slower in plain
 * JavaScript, which a cheap phone would feel on every unlock.
 *
 * The limit, said plainly: a 6-digit PIN has a million values. Someone who copies this phone's
 * storage can try them all offline; at 32 MiB per guess that is hours to days on one computer and
 * much less on many. The PIN protects against a casual finder of an unlocked-screen phone, not a
 * determined attacker with the storage. The phone's own screen lock and disk encryption are the
 * first line; a lost phone should be followed by removing the device (key rotation, spec 3.9).
 */

export const KDF_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const
const DB_NAME = 'holdall-wallet'
const STORE = 'sealed'
const KEYS_ENTRY = 'device-keys'
const RECORDS_ENTRY = 'records'
const LOG_ENTRY = 'vault-log'
const LOG_EVENTS_ENTRY = 'vault-log-events'
const DEVICES_ENTRY = 'devices'
const AAD = new TextEncoder().encode('holdall-wallet/v1')

interface SealedEntry {
  readonly v: 1
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number }
  readonly salt: Uint8Array<ArrayBuffer>
  readonly iv: Uint8Array<ArrayBuffer>
  readonly ciphertext: ArrayBuffer
}

export interface StoredVault {
  readonly vaultId: string
  readonly device: DeviceKeys
  /**
   * The root fingerprint of the vault's device chain, kept from creation, so reopening checks the
   * host's chain against it. Stores written before it existed have none (the chain is then
   * trusted on first use, with this device in it).
   */
  readonly rootFingerprint?: string
}

/** An unlocked store: holds the AES key (non-extractable) in memory until locked. */
export interface UnlockedStore {
  readonly vault: StoredVault
  saveRecords(records: unknown): Promise<void>
  loadRecords(): Promise<unknown>
  /** The device's record of the vault's verifiable log (last checkpoint, any alarm), sealed like the records. */
  saveLog(record: unknown): Promise<void>
  loadLog(): Promise<unknown>
  /** The key-transparency entries (devices, grants) this phone verified in the log, sealed like the records. */
  saveLogEvents(events: unknown): Promise<void>
  loadLogEvents(): Promise<unknown>
  /** Issue 16: the phones and recovery state (kit, key worker, a recovery waiting), sealed like the records. */
  saveDevices(state: unknown): Promise<void>
  loadDevices(): Promise<unknown>
  /** Issue 16: re-seals the keys entry (a recovered vault pins its chain root once joined). */
  saveVault(vault: StoredVault): Promise<void>
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(STORE)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb()
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = use(db.transaction(STORE, mode).objectStore(STORE))
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
  } finally {
    db.close()
  }
}

const getEntry = (name: string) => withStore<SealedEntry | undefined>('readonly', (s) => s.get(name))
const putEntry = (name: string, entry: SealedEntry) => withStore('readwrite', (s) => s.put(entry, name))

export async function hasVault(): Promise<boolean> {
  return (await getEntry(KEYS_ENTRY)) !== undefined
}

async function pinKey(pin: string, salt: Uint8Array<ArrayBuffer>, kdf: SealedEntry['kdf']): Promise<CryptoKey> {
  const bytes = await scryptAsync(new TextEncoder().encode(pin), salt, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
    maxmem: 64 * 1024 * 1024,
  })
  const raw = new Uint8Array(bytes)
  bytes.fill(0)
  try {
    return await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
  } finally {
    raw.fill(0)
  }
}

async function seal(
  key: CryptoKey,
  kdf: SealedEntry['kdf'],
  salt: Uint8Array<ArrayBuffer>,
  value: unknown,
): Promise<SealedEntry> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const plaintext = new TextEncoder().encode(JSON.stringify(value))
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, key, plaintext)
  return { v: 1, kdf, salt, iv, ciphertext }
}

async function open(key: CryptoKey, entry: SealedEntry): Promise<unknown> {
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: entry.iv, additionalData: AAD },
    key,
    entry.ciphertext,
  )
  return JSON.parse(new TextDecoder().decode(plaintext))
}

const toB64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromB64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))

interface SerialisedVault {
  vaultId: string
  signing: [string, string]
  agreement: [string, string]
  rootFingerprint?: string
}

function unlocked(key: CryptoKey, entry: SealedEntry, vault: StoredVault): UnlockedStore {
  return {
    vault,
    async saveRecords(records) {
      await putEntry(RECORDS_ENTRY, await seal(key, entry.kdf, entry.salt, records))
    },
    async loadRecords() {
      const sealed = await getEntry(RECORDS_ENTRY)
      return sealed === undefined ? undefined : open(key, sealed)
    },
    async saveLog(record) {
      await putEntry(LOG_ENTRY, await seal(key, entry.kdf, entry.salt, record))
    },
    async loadLog() {
      const sealed = await getEntry(LOG_ENTRY)
      return sealed === undefined ? undefined : open(key, sealed)
    },
    async saveLogEvents(events) {
      await putEntry(LOG_EVENTS_ENTRY, await seal(key, entry.kdf, entry.salt, events))
    },
    async loadLogEvents() {
      const sealed = await getEntry(LOG_EVENTS_ENTRY)
      return sealed === undefined ? undefined : open(key, sealed)
    },
    async saveDevices(state) {
      await putEntry(DEVICES_ENTRY, await seal(key, entry.kdf, entry.salt, state))
    },
    async loadDevices() {
      const sealed = await getEntry(DEVICES_ENTRY)
      return sealed === undefined ? undefined : open(key, sealed)
    },
    async saveVault(next) {
      await putEntry(KEYS_ENTRY, await seal(key, entry.kdf, entry.salt, serialise(next)))
    },
  }
}

/**
 * Issue 16: forgets everything on this phone (a forgotten PIN: the old keys and copies cannot be
 * opened again), before a recovery seals a new device key under a new PIN.
 */
export async function clearStore(): Promise<void> {
  await withStore('readwrite', (s) => s.clear())
}

function serialise(vault: StoredVault): SerialisedVault {
  return {
    vaultId: vault.vaultId,
    signing: [toB64(vault.device.signing.secretKey), toB64(vault.device.signing.publicKey)],
    agreement: [toB64(vault.device.agreement.secretKey), toB64(vault.device.agreement.publicKey)],
    ...(vault.rootFingerprint === undefined ? {} : { rootFingerprint: vault.rootFingerprint }),
  }
}

/** Seals a new device's keys under the PIN. */
export async function createStore(pin: string, vault: StoredVault): Promise<UnlockedStore> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const kdf = { name: 'scrypt', ...KDF_PARAMS } as const
  const key = await pinKey(pin, salt, kdf)
  const entry = await seal(key, kdf, salt, serialise(vault))
  await putEntry(KEYS_ENTRY, entry)
  return unlocked(key, entry, vault)
}

/*
 * Wrong-PIN back-off: after 5 wrong PINs in a row, each further try waits 30 s, then 1 min, 2 min…
 * It slows someone trying PINs on the phone's own screen; it does nothing against a copy of the
 * storage (see above), and says so rather than pretend.
 */
const ATTEMPTS_ENTRY = 'wrong-pins'
const FREE_TRIES = 5
const FIRST_WAIT_MS = 30_000
interface Attempts {
  readonly failures: number
  readonly waitUntil: number
}

export type UnlockResult =
  | { readonly kind: 'open'; readonly store: UnlockedStore }
  /** `triesLeft`: wrong PINs still allowed before each try must wait. */
  | { readonly kind: 'wrongPin'; readonly triesLeft: number }
  | { readonly kind: 'wait'; readonly until: number }

/** Opens the store with the PIN: AES-GCM refuses to open under a key from the wrong PIN. */
export async function unlockStore(pin: string): Promise<UnlockResult> {
  const entry = await getEntry(KEYS_ENTRY)
  if (entry === undefined) throw new Error('no vault on this device')
  const attempts = ((await withStore<unknown>('readonly', (s) => s.get(ATTEMPTS_ENTRY))) as Attempts | undefined) ?? {
    failures: 0,
    waitUntil: 0,
  }
  if (Date.now() < attempts.waitUntil) return { kind: 'wait', until: attempts.waitUntil }
  const key = await pinKey(pin, entry.salt, entry.kdf)
  let serialised: SerialisedVault
  try {
    serialised = (await open(key, entry)) as SerialisedVault
  } catch {
    const failures = attempts.failures + 1
    const waitUntil = failures >= FREE_TRIES ? Date.now() + FIRST_WAIT_MS * 2 ** (failures - FREE_TRIES) : 0
    await withStore('readwrite', (s) => s.put({ failures, waitUntil } satisfies Attempts, ATTEMPTS_ENTRY))
    return waitUntil > 0 ? { kind: 'wait', until: waitUntil } : { kind: 'wrongPin', triesLeft: FREE_TRIES - failures }
  }
  if (attempts.failures > 0) await withStore('readwrite', (s) => s.delete(ATTEMPTS_ENTRY))
  const vault: StoredVault = {
    vaultId: serialised.vaultId,
    device: {
      signing: { secretKey: fromB64(serialised.signing[0]), publicKey: fromB64(serialised.signing[1]) },
      agreement: { secretKey: fromB64(serialised.agreement[0]), publicKey: fromB64(serialised.agreement[1]) },
    },
    ...(serialised.rootFingerprint === undefined ? {} : { rootFingerprint: serialised.rootFingerprint }),
  }
  return { kind: 'open', store: unlocked(key, entry, vault) }
}
