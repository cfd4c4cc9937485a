import type { Clock } from './clock.js'
import type { ServerConfig } from './config.js'
import type { Db } from './db/database.js'
import type { BlobStore } from './services/blob-store.js'
import type { MetadataResolver } from './services/client-metadata.js'
import type { VaultNotifier } from './services/notifier.js'
import type { LoadedTrustList } from './services/trust-list.js'

/** Everything a route needs, built once by buildApp and passed explicitly. */
export interface AppContext {
  readonly config: ServerConfig
  readonly clock: Clock
  readonly db: Db
  readonly blobs: BlobStore
  readonly notifier: VaultNotifier
  readonly metadata: MetadataResolver
  readonly trustList: LoadedTrustList | undefined
}

export const TOKEN_PATH = '/oauth/token'
export const BC_AUTHORIZE_PATH = '/oauth/bc-authorize'
