import type { AppContext } from '../context.js'
import type { App } from '../http/route.js'
import { registerDiscoveryRoutes } from './discovery.js'
import { registerDuressAlertRoutes } from './duress-alerts.js'
import { registerErasureRoutes } from './erasure.js'
import { registerEventRoutes } from './events.js'
import { registerFederationRoutes } from './federation.js'
import { registerGrantRoutes } from './grants.js'
import { registerInboxRoutes } from './inbox.js'
import { registerLogRoutes } from './log.js'
import { registerMoveImportRoutes } from './move-imports.js'
import { registerMoveRoutes } from './moves.js'
import { registerOAuthRoutes } from './oauth.js'
import { registerRecordRoutes } from './records.js'
import { registerRecoveryRoutes } from './recoveries.js'
import { registerRequestRoutes } from './requests.js'
import { registerRotationRoutes } from './rotations.js'
import { registerVaultRoutes } from './vault.js'
import { registerWorkerNoticeRoutes } from './worker-notices.js'

/** Every API route, one resource per file (README: "where does a new route go"). */
export function registerRoutes(app: App, ctx: AppContext): void {
  registerDiscoveryRoutes(app, ctx)
  registerFederationRoutes(app, ctx)
  registerOAuthRoutes(app, ctx)
  registerVaultRoutes(app, ctx)
  registerRecordRoutes(app, ctx)
  registerInboxRoutes(app, ctx)
  registerRequestRoutes(app, ctx)
  registerGrantRoutes(app, ctx)
  registerLogRoutes(app, ctx)
  registerEventRoutes(app, ctx)
  registerRotationRoutes(app, ctx)
  registerRecoveryRoutes(app, ctx)
  registerErasureRoutes(app, ctx)
  registerDuressAlertRoutes(app, ctx)
  registerWorkerNoticeRoutes(app, ctx)
  registerMoveRoutes(app, ctx)
  registerMoveImportRoutes(app, ctx)
}
