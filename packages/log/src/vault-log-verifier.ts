import { HoldallLogError, type LogErrorCode, type LogEvidence } from './errors.js'
import {
  advanceByEntries,
  advanceByProof,
  emptyTrustedLog,
  type LogTrust,
  type TrustedLog,
  type TrustedLogJson,
  trustCheckpoint,
  trustedLogFromJson,
  trustedLogToJson,
} from './log-verifier.js'

/** A history the host signed and the client could not accept: what the user is shown and can export. */
export interface LogAlarm {
  readonly code: LogErrorCode
  readonly message: string
  readonly evidence: LogEvidence
}

/** What a verifier keeps for one vault, as JSON; the caller seals it on the device. */
export interface VaultLogRecord {
  readonly state?: TrustedLogJson
  readonly alarm?: LogAlarm
}

/** Where a device keeps its record of one vault's log (the wallet: IndexedDB, sealed by the PIN key). */
export interface VaultLogStore {
  load(): Promise<VaultLogRecord | undefined>
  save(record: VaultLogRecord): Promise<void>
}

/** What a sync brings: the host's newest signed checkpoint, and either a proof or the entries. */
export type LogUpdate =
  | { readonly checkpoint: string; readonly consistencyProof: readonly Uint8Array[] }
  | { readonly checkpoint: string; readonly entries: readonly Uint8Array[] }

/**
 * One vault's log as a device follows it across restarts: the last verified checkpoint, and,
 * once the host has signed a history that contradicts it, the alarm with both signed checkpoints.
 * An alarm is saved before the error is thrown and never cleared by a later sync: the device
 * stops trusting the log (every later sync throws `LOG_UNTRUSTED`) and its user can export the
 * evidence. Errors without evidence (a malformed or unsigned note) are thrown and not saved, as
 * nothing the host signed proves anything by them.
 */
export class VaultLogVerifier {
  readonly #store: VaultLogStore
  readonly #trust: LogTrust

  constructor(store: VaultLogStore, trust: LogTrust) {
    this.#store = store
    this.#trust = trust
  }

  /** The trusted state, or undefined before the first checkpoint of a log this device did not create. */
  async trusted(): Promise<TrustedLog | undefined> {
    const record = await this.#store.load()
    return record?.state === undefined ? undefined : trustedLogFromJson(record.state)
  }

  async alarm(): Promise<LogAlarm | undefined> {
    return (await this.#store.load())?.alarm
  }

  /** For the device that creates the vault: its log starts empty, with nothing to take on trust. */
  async beginEmpty(): Promise<TrustedLog> {
    const state = emptyTrustedLog(this.#trust.origin)
    await this.#store.save({ state: trustedLogToJson(state) })
    return state
  }

  /** Verifies an update and saves the new state; on a contradiction, saves the alarm and throws. */
  async sync(update: LogUpdate): Promise<TrustedLog> {
    const record = (await this.#store.load()) ?? {}
    if (record.alarm !== undefined)
      throw new HoldallLogError('LOG_UNTRUSTED', 'this log contradicted a checkpoint this device had verified', {
        evidence: record.alarm.evidence,
      })
    let next: TrustedLog
    try {
      if (record.state === undefined) {
        // First contact: the checkpoint is taken on trust, then the update is applied from it.
        next = trustCheckpoint(update.checkpoint, this.#trust)
      } else {
        const trusted = trustedLogFromJson(record.state)
        next =
          'entries' in update
            ? advanceByEntries(trusted, update.checkpoint, update.entries, this.#trust)
            : advanceByProof(trusted, update.checkpoint, update.consistencyProof, this.#trust)
      }
    } catch (error) {
      if (error instanceof HoldallLogError && error.evidence !== undefined) {
        const alarm = { code: error.code, message: error.message, evidence: error.evidence }
        await this.#store.save({ ...record, alarm })
      }
      throw error
    }
    await this.#store.save({ state: trustedLogToJson(next) })
    return next
  }
}

/** A store in memory, for services that keep state in their own database, and for tests. */
export class MemoryVaultLogStore implements VaultLogStore {
  #record: string | undefined

  async load(): Promise<VaultLogRecord | undefined> {
    return this.#record === undefined ? undefined : (JSON.parse(this.#record) as VaultLogRecord)
  }

  async save(record: VaultLogRecord): Promise<void> {
    this.#record = JSON.stringify(record)
  }
}
