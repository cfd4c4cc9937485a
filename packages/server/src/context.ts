import type { DpopNonces } from './auth/dpop-nonces.js'
import type { Clock } from './clock.js'
import type { ServerConfig } from './config.js'
import type { Db } from './db/database.js'
import type { Repositories } from './repositories/index.js'
import type { BlobStore } from './services/blob-store.js'
import type { MetadataResolver } from './services/client-metadata.js'
import type { LogCheckpoints } from './services/log-checkpoints.js'
import type { Notifier } from './services/notifier.js'
import type { ReadProofs } from './services/read-proofs.js'
import type { RecoveryEscrow } from './services/recovery-escrow.js'
import type { ReplayCache } from './services/replay-cache.js'
import type { SharedCounter } from './services/shared-counter.js'
import type { LoadedTrustList } from './services/trust-list.js'
import type { WriteQueue } from './services/write-queue.js'

/** Everything a route needs, built once by buildApp and passed explicitly. */
export interface AppContext {
  readonly config: ServerConfig
  readonly clock: Clock
  /** For services that own their tables (blob store, counters, write queue); routes use `repos`. */
  readonly db: Db
  /** Every query the routes need, one repository per aggregate. */
  readonly repos: Repositories
  readonly blobs: BlobStore
  readonly notifier: Notifier
  /** Small per-request writes (log entries, one-time ids): grouped so they cost no sync each. */
  readonly writes: WriteQueue
  readonly replay: ReplayCache
  /** DPoP server nonces (RFC 9449 sections 8 and 9), shared by every instance on the database. */
  readonly nonces: DpopNonces
  /** For rate limiters: counts shared by every instance on the database. */
  readonly counter: SharedCounter
  readonly metadata: MetadataResolver
  readonly trustList: LoadedTrustList | undefined
  /** Seals the host's recovery shares under a key kept outside the database (spec 9.4). */
  readonly escrow: RecoveryEscrow
  /** Signs each vault's log checkpoints with the host's log key and checks presented ones (spec 8.8). */
  readonly logCheckpoints: LogCheckpoints
  /** The proof a grantee's read carries of its own key_served entries, when asked (spec 8.7.1). */
  readonly readProofs: ReadProofs
}

export const TOKEN_PATH = '/oauth/token'
export const BC_AUTHORIZE_PATH = '/oauth/bc-authorize'
