import fastifySwagger from '@fastify/swagger'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from '@fastify/type-provider-zod'
import type { NoteSigner } from '@holdall/log'
import Fastify, { type FastifyInstance } from 'fastify'
import type { JWK } from 'jose'
import { DpopNonces } from './auth/dpop-nonces.js'
import { type Clock, systemClock } from './clock.js'
import type { ServerConfig } from './config.js'
import { registerContentTypeRules } from './content-types.js'
import type { AppContext } from './context.js'
import { openDatabase } from './db/database.js'
import { errorHandler, HttpProblem, sendProblem } from './errors.js'
import { type HardeningOptions, registerHardening } from './hardening.js'
import { registerAuthentication } from './http/authenticate.js'
import { allowedMethodsFinder } from './http/method-not-allowed.js'
import { openApiSecuritySchemes } from './http/openapi.js'
import { registerReadCommit } from './http/replay.js'
import type { App } from './http/route.js'
import { clientErrorHandler, httpServerFactory } from './http-server.js'
import { registerProtocolVersionCheck } from './protocol-version.js'
import { createRepositories } from './repositories/index.js'
import { registerRoutes } from './routes/index.js'
import { registerWalletFiles } from './routes/wallet-files.js'
import { FileBlobStore } from './services/blob-store.js'
import { createMetadataResolver, type MetadataResolver } from './services/client-metadata.js'
import { DatabaseBlobStore } from './services/database-blob-store.js'
import { DatabaseNonceStore } from './services/dpop-nonce-store.js'
import { expireUploads, releaseAbandonedUploads } from './services/envelopes.js'
import { resumeErasures } from './services/erasure.js'
import { LogCheckpoints } from './services/log-checkpoints.js'
import { loadLogKeys, logKeysFrom } from './services/log-key.js'
import { type Notifier, PostgresNotifier, VaultNotifier } from './services/notifier.js'
import { rateLimitStoreFor } from './services/rate-limit-store.js'
import { ReadProofs } from './services/read-proofs.js'
import { RecoveryEscrow } from './services/recovery-escrow.js'
import { ReplayCache } from './services/replay-cache.js'
import { DatabaseCounter } from './services/shared-counter.js'
import { expireTombstones } from './services/tombstone-expiry.js'
import { loadTrustList } from './services/trust-list.js'
import { WriteQueue } from './services/write-queue.js'
import { jsonShapeProblem } from './strict-json.js'

export interface BuildAppOptions {
  readonly config: ServerConfig
  readonly clock?: Clock
  /** How often the sweep runs (default a minute; tests that move the clock shorten it). */
  readonly sweepMs?: number
  /** A signed trust list and the operator key it must verify under. */
  readonly trustList?: { readonly jws: string; readonly anchor: JWK; readonly rotations?: readonly string[] }
  /** Fastify's logger; off by default. Logs never carry tokens, keys or record content. */
  readonly logger?: boolean
  /** Where the log goes when `logger` is on (standard output by default). */
  readonly logStream?: NodeJS.WritableStream
  /** Replaces the metadata fetcher (tests of SSRF use the real one). */
  readonly metadataResolver?: MetadataResolver
  /** A built wallet to serve at `/` (routes/wallet-files.ts); none means no wallet. */
  readonly walletDir?: string
  /** Rate limits (requests per minute) and their store; `false` turns them off (load tests only). */
  readonly rateLimits?: HardeningOptions['rateLimits']
  readonly rateLimitStore?: HardeningOptions['rateLimitStore']
  /** How long a write waits for another writer before the host answers 503 (default 5 s). */
  readonly busyTimeoutMs?: number
  /** How long one request may take, body included, before the host gives up on it. */
  readonly requestTimeoutMs?: number
  /** Replaces the notifier (tests that play another instance's notices, such as a device removal). */
  readonly notifier?: Notifier
  /** The log keys that sign checkpoints, current first (default: the key file, see services/log-key.ts). */
  readonly logKeys?: readonly NoteSigner[]
  /** Called with the text of every SQL statement the host runs (tests count statements per request). */
  readonly onQuery?: (sql: string) => void
}

/**
 * Builds the Holdall reference host without listening (tests use inject or listen themselves).
 * The host stores ciphertext, wraps and signed manifests; it never holds a key that opens one.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { ctx, kind, databaseBlobs, counter } = await createContext(options)
  const { clock, db, notifier } = ctx
  const app = createFastify(options)
  registerBodyParsers(app)
  await registerHardening(app, {
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    // Several instances share one PostgreSQL, so their counters live there too; one SQLite host
    // counts in memory, which is faster and loses nothing that matters on a restart.
    ...(options.rateLimitStore !== undefined
      ? { rateLimitStore: options.rateLimitStore }
      : kind === 'postgres'
        ? { rateLimitStore: rateLimitStoreFor(counter) }
        : {}),
    corsOrigins: options.config.corsOrigins ?? [],
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    // A host given its own clock (tests that move time) says that time in its Date header, which
    // clients learn the host's time from (host-clock.ts); Node's header would say the machine's.
    if (options.clock !== undefined) reply.header('date', new Date(clock()).toUTCString())
    return payload
  })
  await registerOpenApi(app, options.config.publicUrl)
  registerProtocolVersionCheck(app)
  registerContentTypeRules(app)
  registerAuthentication(app, ctx)
  registerReadCommit(app, ctx)
  registerRoutes(app, ctx)
  if (options.walletDir !== undefined) registerWalletFiles(app, options.walletDir)

  // Expired one-time ids, ended rate-limit windows, orphaned upload chunks, expired uploads and
  // expired move tombstones (spec 12.6) are swept once a minute so these tables hold only what is live.
  const sweep = setInterval(() => {
    const now = clock()
    void Promise.all([
      ctx.replay.purge(now),
      counter.purge(now, 3_600_000),
      databaseBlobs?.sweepOrphans(now, 3_600_000),
      expireUploads(ctx),
      resumeErasures(ctx),
      expireTombstones(ctx),
    ]).catch(() => {})
  }, options.sweepMs ?? 60_000)
  sweep.unref()

  app.addHook('onClose', async () => {
    clearInterval(sweep)
    await notifier.close()
    await db.destroy()
  })
  return app
}

/** The database, stores and services every route shares, built once. */
async function createContext(options: BuildAppOptions) {
  const clock = options.clock ?? systemClock
  const { db, kind, postgresUrl } = await openDatabase({
    ...options.config,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    onQuery: options.onQuery,
  })
  const blobStoreKind = options.config.blobStore ?? (kind === 'postgres' ? 'database' : 'filesystem')
  const databaseBlobs = blobStoreKind === 'database' ? new DatabaseBlobStore(db) : undefined
  const notifier: Notifier =
    options.notifier ?? (postgresUrl === undefined ? new VaultNotifier() : await PostgresNotifier.start(postgresUrl))
  // Group commit on both: on SQLite it saves a WAL sync per request; on PostgreSQL it takes a
  // vault's log lock once per batch instead of once per request.
  const writes = new WriteQueue(db, { batch: true })
  const counter = new DatabaseCounter(db, clock)
  const repos = createRepositories(db, clock)
  const logKeys =
    options.logKeys === undefined
      ? loadLogKeys({ file: options.config.logKeyFile, ...options.config })
      : logKeysFrom(options.logKeys)
  const logCheckpoints = new LogCheckpoints(repos.verifiableLog, logKeys, options.config.publicUrl, clock)
  const ctx: AppContext = {
    config: options.config,
    clock,
    db,
    blobs: databaseBlobs ?? new FileBlobStore(options.config.dataDir),
    notifier,
    writes,
    replay: new ReplayCache(writes),
    nonces: new DpopNonces(new DatabaseNonceStore(db), clock),
    counter,
    repos,
    logCheckpoints,
    readProofs: new ReadProofs(repos.verifiableLog, logCheckpoints),
    metadata:
      options.metadataResolver ??
      createMetadataResolver({ allowLoopback: options.config.allowLoopbackMetadata, clock }),
    trustList:
      options.trustList === undefined
        ? undefined
        : await loadTrustList(options.trustList.jws, options.trustList.anchor, clock(), options.trustList.rotations),
    escrow: RecoveryEscrow.fromFile(
      options.config.recoveryEscrowKeyFile ?? RecoveryEscrow.defaultPath(options.config.dataDir),
    ),
  }
  await releaseAbandonedUploads(ctx)
  // An erasure a stopped host left half done is finished before any request is served (ERA-HOST-04).
  await resumeErasures(ctx, true)
  return { ctx, kind, databaseBlobs, counter }
}

function createFastify(options: BuildAppOptions) {
  const app = Fastify({
    logger:
      options.logger === true
        ? {
            redact: ['req.headers.authorization', 'req.headers.dpop'],
            ...(options.logStream === undefined ? {} : { stream: options.logStream }),
          }
        : false,
    bodyLimit: 1024 * 1024,
    // Our own HTTP server, so request timeouts are enforced promptly (see http-server.ts).
    serverFactory: httpServerFactory({ requestTimeoutMs: options.requestTimeoutMs ?? 120_000, idleTimeoutMs: 60_000 }),
    clientErrorHandler,
    // A malformed percent-encoding or an over-long id: problem+json, and the path is not echoed.
    frameworkErrors: (error, _request, reply) => sendProblem(reply, 'invalid_request', error.code),
    // On close, end keep-alive and event-stream connections too, so shutdown never hangs.
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 200 },
    // Duplicate keys, prototype pollution: JSON.parse keeps the last key; these make __proto__ an error.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler)
  // Deny by default: a body is JSON, a form (OAuth) or an envelope, and nothing else.
  app.removeContentTypeParser('text/plain')
  const allowedMethods = allowedMethodsFinder(app)
  app.setNotFoundHandler((request, reply) => {
    const allow = allowedMethods(request.url.split('?')[0] ?? '')
    if (allow.length === 0) return sendProblem(reply, 'not_found', 'no such endpoint')
    return sendProblem(reply, 'method_not_allowed', `this endpoint takes ${allow.join(', ')}`, {
      allow: allow.join(', '),
    })
  })
  return app
}

function registerBodyParsers(app: App): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => {
      done(null, new URLSearchParams(body as string))
    },
  )
  // JSON bodies: refused before parsing if a member name repeats or nesting is absurd.
  const defaultJsonParser = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = jsonShapeProblem(body as string)
    if (problem !== undefined) {
      done(new HttpProblem('invalid_request', problem), undefined)
      return
    }
    defaultJsonParser(request, body as string, done)
  })
  // Envelopes stream straight to disk; the route checks length and hash as they arrive.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload))
}

async function registerOpenApi(app: App, publicUrl: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Holdall host',
        version: '1',
        description: 'The Holdall protocol, version 1 (draft). See protocol-spec/.',
      },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: openApiSecuritySchemes },
    },
    transform: jsonSchemaTransform,
  })
}
