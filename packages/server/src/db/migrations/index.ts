import type { Migration } from 'kysely'
import * as init from './0001-init.js'
import * as sharedState from './0002-shared-state.js'
import * as verifiableLog from './0003-verifiable-log.js'
import * as deviceChain from './0004-device-chain.js'
import * as logEntries from './0005-log-entries.js'
import * as vaultBlobs from './0006-vault-blobs.js'
import * as recovery from './0007-recovery.js'
import * as grantStart from './0008-grant-start.js'
import * as releaseWeek from './0009-release-week.js'
import * as handles from './0010-handles.js'
import * as vaultMoves from './0011-vault-moves.js'
import * as erasure from './0012-erasure.js'
import * as duressAlert from './0013-duress-alert.js'

/** Registered statically (not by scanning a folder) so migrations work from dist/ and bundles. */
export const migrations: Record<string, Migration> = {
  '0001-init': init,
  '0002-shared-state': sharedState,
  '0003-verifiable-log': verifiableLog,
  '0004-device-chain': deviceChain,
  '0005-log-entries': logEntries,
  '0006-vault-blobs': vaultBlobs,
  '0007-recovery': recovery,
  '0008-grant-start': grantStart,
  '0009-release-week': releaseWeek,
  '0010-handles': handles,
  '0012-erasure': erasure,
  '0013-duress-alert': duressAlert,
  '0011-vault-moves': vaultMoves,
}
