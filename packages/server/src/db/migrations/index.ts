import type { Migration } from 'kysely'
import * as init from './0001-init.js'
import * as sharedState from './0002-shared-state.js'
import * as verifiableLog from './0003-verifiable-log.js'
import * as deviceChain from './0004-device-chain.js'
import * as logEntries from './0005-log-entries.js'

/** Registered statically (not by scanning a folder) so migrations work from dist/ and bundles. */
export const migrations: Record<string, Migration> = {
  '0001-init': init,
  '0002-shared-state': sharedState,
  '0003-verifiable-log': verifiableLog,
  '0004-device-chain': deviceChain,
  '0005-log-entries': logEntries,
}
