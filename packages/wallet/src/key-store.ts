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
export const DB_NAME = 'holdall-wallet'
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
  // Issue 19: every store has a second-PIN slot from the start (filler until one is set).
  await putEntry(SECOND_ENTRY, await secondPinFiller(kdf, salt))
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
  // Issue 19: the second-PIN slot is always read, and always tried, whichever PIN this is.
  const second = await getEntry(SECOND_ENTRY)
  const attempts = ((await withStore<unknown>('readonly', (s) => s.get(ATTEMPTS_ENTRY))) as Attempts | undefined) ?? {
    failures: 0,
    waitUntil: 0,
  }
  if (Date.now() < attempts.waitUntil) return { kind: 'wait', until: attempts.waitUntil }
  const key = await pinKey(pin, entry.salt, entry.kdf)
  let serialised: SerialisedVault
  try {
    const [real, decoy] = [await tryOpen(key, entry), await tryOpen(key, second)]
    if (real === undefined && decoy !== undefined) {
      if (attempts.failures > 0) await withStore('readwrite', (s) => s.delete(ATTEMPTS_ENTRY))
      return { kind: 'open', store: decoyStore(key, second as SealedEntry, decoy as DecoyContents) }
    }
    if (real === undefined) throw new Error('wrong PIN')
    serialised = real as SerialisedVault
  } catch {
    const failures = attempts.failures + 1
    const waitUntil = failures >= FREE_TRIES ? Date.now() + FIRST_WAIT_MS * 2 ** (failures - FREE_TRIES) : 0
    await withStore('readwrite', (s) => s.put({ failures, waitUntil } satisfies Attempts, ATTEMPTS_ENTRY))
    return waitUntil > 0 ? { kind: 'wait', until: waitUntil } : { kind: 'wrongPin', triesLeft: FREE_TRIES - failures }
  }
  if (attempts.failures > 0) await withStore('readwrite', (s) => s.delete(ATTEMPTS_ENTRY))
  // A store made before the second slot existed gets its filler now (no second PIN can exist yet).
  if (second === undefined) await putEntry(SECOND_ENTRY, await secondPinFiller(entry.kdf, entry.salt))
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

/*
 * Issue 19, the duress PIN ([DUR-PIN-01], [DUR-PIN-02]; spec 10.9). A second slot, `SECOND_ENTRY`,
 * sits beside the keys in every store: sealed like them, under the same salt and scrypt cost, and
 * padded to a fixed size. Until the holder sets a second PIN it holds random bytes sealed under a
 * random key that is thrown away. Unlocking reads both slots, runs scrypt once and tries both, so a
 * real unlock and a duress unlock do the same work and the same reads. The second slot holds only
 * the decoy's T1 items (and, if chosen, the alert's capability): no key of the vault, no vault id,
 * so nothing the duress PIN opens leads to the real keys, and the real slot never opens under it.
 */
const SECOND_ENTRY = 'device-keys-2'
/** The second slot's plaintext is padded to a multiple of this, so a filler and a small decoy look alike. */
const SECOND_PAD = 8192

/** What the second PIN opens: T1 copies only ([DUR-PIN-01]) and, if the holder chose it, an alert. */
export interface DecoyContents {
  readonly decoy: 1
  readonly records: unknown
  /** The silent alert's one-time capability ([DUR-ALERT-01]); absent unless the holder chose a supporter. */
  readonly alert?: { readonly url: string; readonly token: string }
}

async function sealPadded(
  key: CryptoKey,
  kdf: SealedEntry['kdf'],
  salt: Uint8Array<ArrayBuffer>,
  value: unknown,
): Promise<SealedEntry> {
  const text = JSON.stringify(value)
  const size = Math.ceil((new TextEncoder().encode(text).length + 1) / SECOND_PAD) * SECOND_PAD
  const padded = { p: text, z: ' '.repeat(size - new TextEncoder().encode(JSON.stringify({ p: text, z: '' })).length) }
  return seal(key, kdf, salt, padded)
}

async function secondPinFiller(kdf: SealedEntry['kdf'], salt: Uint8Array<ArrayBuffer>): Promise<SealedEntry> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
  return sealPadded(key, kdf, salt, { filler: toB64(crypto.getRandomValues(new Uint8Array(32))) })
}

/** Opens an entry, or undefined if this key does not open it (or there is none). */
async function tryOpen(key: CryptoKey, entry: SealedEntry | undefined): Promise<unknown> {
  if (entry === undefined) return undefined
  try {
    const opened = (await open(key, entry)) as { p?: unknown }
    return typeof opened.p === 'string' ? JSON.parse(opened.p) : opened
  } catch {
    return undefined
  }
}

/**
 * Sets (or, with `decoy` undefined, clears) the second PIN. Refused if it opens the real slot (it is
 * the real PIN). Needs no key of the vault: it seals a new slot under the second PIN alone.
 */
export async function setSecondPin(pin: string, decoy: DecoyContents | undefined): Promise<'set' | 'samePin'> {
  const entry = await getEntry(KEYS_ENTRY)
  if (entry === undefined) throw new Error('no vault on this device')
  if (decoy === undefined) {
    await putEntry(SECOND_ENTRY, await secondPinFiller(entry.kdf, entry.salt))
    return 'set'
  }
  const key = await pinKey(pin, entry.salt, entry.kdf)
  if ((await tryOpen(key, entry)) !== undefined) return 'samePin'
  await putEntry(SECOND_ENTRY, await sealPadded(key, entry.kdf, entry.salt, decoy))
  return 'set'
}

/**
 * The decoy's store: reads the same entries a real session reads (and cannot open them), answers
 * with the decoy's items only. Its device keys are random bytes made now, registered nowhere.
 */
function decoyStore(
  key: CryptoKey,
  slot: SealedEntry,
  contents: DecoyContents,
): UnlockedStore & { decoy: DecoyContents } {
  let current = contents
  const junk = () => crypto.getRandomValues(new Uint8Array(32))
  return {
    decoy: contents,
    vault: {
      vaultId: toB64(crypto.getRandomValues(new Uint8Array(16))),
      device: {
        signing: { secretKey: junk(), publicKey: junk() },
        agreement: { secretKey: junk(), publicKey: junk() },
      },
    },
    async saveRecords(records) {
      current = { ...current, records }
      await putEntry(SECOND_ENTRY, await sealPadded(key, slot.kdf, slot.salt, current))
    },
    async loadRecords() {
      await getEntry(RECORDS_ENTRY)
      return current.records
    },
    async saveLog() {},
    async loadLog() {
      await getEntry(LOG_ENTRY)
      return undefined
    },
    async saveLogEvents() {},
    async loadLogEvents() {
      await getEntry(LOG_EVENTS_ENTRY)
      return undefined
    },
    // The phones and recovery state: read like a real session reads it, never opened or written.
    async saveDevices() {},
    async loadDevices() {
      await getEntry(DEVICES_ENTRY)
      return undefined
    },
    async saveVault() {},
  }
}

/** The decoy's contents if this store was opened with the second PIN (held in memory only). */
export function decoyOf(store: UnlockedStore): DecoyContents | undefined {
  return (store as { decoy?: DecoyContents }).decoy
}
