import type { Clock } from '../clock.js'
import type { Db } from '../db/database.js'
import { BlobRepository } from './blobs.js'
import { DuressAlertRepository } from './duress-alerts.js'
import { ErasureRepository } from './erasures.js'
import { GrantRepository } from './grants.js'
import { HandleRepository } from './handles.js'
import { AccessLog } from './log.js'
import { MoveImportRepository } from './move-imports.js'
import { MoveRepository } from './moves.js'
import { RecordRepository } from './records.js'
import { RecoveryRepository } from './recoveries.js'
import { RequestRepository } from './requests.js'
import { RotationRepository } from './rotations.js'
import { TokenRepository } from './tokens.js'
import { VaultRepository } from './vaults.js'
import { VerifiableLog } from './verifiable-log.js'

/**
 * One repository per aggregate, each owning every query on its tables (README: "where does a new
 * query go"). Routes call these and never write SQL; rows become wire objects in wire/views.ts.
 */
export interface Repositories {
  readonly vaults: VaultRepository
  readonly records: RecordRepository
  /** Which vault holds which envelope, and the quota they use. */
  readonly blobs: BlobRepository
  readonly requests: RequestRepository
  readonly grants: GrantRepository
  readonly tokens: TokenRepository
  readonly log: AccessLog
  /** Devices and recovery (spec chapter 9): recovery set-ups, epoch rotations, recoveries. */
  readonly recoveries: RecoveryRepository
  readonly rotations: RotationRepository
  /** The verifiable log (spec chapter 8); not yet appended to by the routes. */
  readonly verifiableLog: VerifiableLog
  /** Moving a vault (spec chapter 12): leaving this host, and arriving at it. */
  readonly moves: MoveRepository
  readonly moveImports: MoveImportRepository
  /** Handles this host issued (spec 11.4). */
  readonly handles: HandleRepository
  /** Leaving (spec chapter 13): an erased vault's tombstone and its erasure's steps. */
  readonly erasures: ErasureRepository
  /** Issue 19: the silent duress alert of each vault (spec 10.9). */
  readonly duressAlerts: DuressAlertRepository
}

export function createRepositories(db: Db, clock: Clock): Repositories {
  const log = new AccessLog(db, clock)
  const blobs = new BlobRepository(db, clock)
  const records = new RecordRepository(db, log, clock, blobs)
  return {
    vaults: new VaultRepository(db, log, clock),
    records,
    blobs,
    requests: new RequestRepository(db, log, clock),
    grants: new GrantRepository(db, log, clock),
    tokens: new TokenRepository(db, clock),
    log,
    recoveries: new RecoveryRepository(db, log, clock),
    rotations: new RotationRepository(db, log, clock),
    verifiableLog: new VerifiableLog(db),
    moves: new MoveRepository(db, log, clock),
    moveImports: new MoveImportRepository(db, log, clock),
    handles: new HandleRepository(db, clock),
    erasures: new ErasureRepository(db, log, clock),
    duressAlerts: new DuressAlertRepository(db, clock),
  }
}
