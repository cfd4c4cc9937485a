import { type AuthorizationDetail, type CreateVault, mayAskFor, mayReceive, type RecordType } from '@holdall/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { calculateJwkThumbprint } from 'jose'
import type { ZodType } from 'zod'
import { externalUrl, verifyDpop } from '../auth/dpop.js'
import { authenticateToken } from '../auth/tokens.js'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { checkMoveState } from './move-gate.js'
import {
  AUTH_KINDS,
  type AuthKind,
  type GranteePrincipal,
  type HolderPrincipal,
  type NewDevicePrincipal,
  type Principal,
} from './principal.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: every route declares it (http/route.ts); the hook below enforces it. */
    auth?: AuthKind
    /** The route takes the connection over (an event stream): its proof is recorded before it starts. */
    hijacks?: boolean
  }
  interface FastifyRequest {
    /** Set by the authentication hook before validation of the body; read through route()'s handler argument. */
    principal: Principal | null
  }
}

/** A route as registered: what test/routes.test.ts checks for every one. */
export interface DeclaredRoute {
  readonly method: string
  readonly url: string
  readonly auth: AuthKind
  readonly schema: unknown
}

const routeTables = new WeakMap<FastifyInstance, readonly DeclaredRoute[]>()

/** Every route registered on an app built by buildApp, with what it declares. */
export function declaredRoutes(app: FastifyInstance): readonly DeclaredRoute[] {
  return routeTables.get(app) ?? []
}

/**
 * Authenticates every request once, as its route declares, before the body is validated and the
 * handler runs; the handler receives the principal with what was loaded for it (http/route.ts).
 * A route that declares nothing is refused (and test/routes.test.ts fails on it).
 *
 * Path parameters are checked first, so a malformed id is a 400 whoever asks, as it always was;
 * then the credentials; then the body.
 */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext): void {
  const table: DeclaredRoute[] = []
  routeTables.set(app, table)
  // Fail at start, not at the first request: a route that declares no caller never goes live.
  app.addHook('onRoute', (options) => {
    const auth = options.config?.auth
    if (auth === undefined || !AUTH_KINDS.includes(auth))
      throw new Error(`${String(options.method)} ${options.url} declares no authentication (config.auth)`)
    const methods = Array.isArray(options.method) ? options.method : [options.method]
    for (const method of methods) table.push({ method, url: options.url, auth, schema: options.schema })
  })
  app.decorateRequest('principal', null)
  app.addHook('preValidation', async (request) => {
    if (request.is404) return
    // @fastify/cors answers every OPTIONS request (a CORS preflight, or RFC 9110 9.3.7) through a
    // route of its own, registered before this table existed: it reads nothing and needs no caller.
    if (request.method === 'OPTIONS' && request.routeOptions.url === '*') {
      request.principal = { kind: 'public' }
      return
    }
    const auth = request.routeOptions.config.auth
    if (auth === 'public' || auth === 'oauth') {
      request.principal = { kind: auth }
      return
    }
    const params = (request.routeOptions.schema as { params?: ZodType } | undefined)?.params
    if (params !== undefined) params.parse(request.params)
    switch (auth) {
      case 'holder':
        request.principal = await holder(request, ctx)
        return
      case 'grantee':
      case 'issuer':
        request.principal = await grantee(request, ctx, auth)
        return
      case 'new-device':
        return // after the body is validated: see below
      default:
        throw new HttpProblem('internal', 'this route declares no authentication')
    }
  })
  // A new vault's body is checked before its proof, as it always was: a malformed body spends no proof.
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config.auth === 'new-device') request.principal = await newDevice(request, ctx)
  })
}

/**
 * A read (GET, not a stream the route takes over) changes nothing before it answers, so its
 * proof's `jti` is recorded with its log entries just before the response (http/replay.ts).
 */
async function token(request: FastifyRequest, ctx: AppContext) {
  const deferred = request.method === 'GET' && request.routeOptions.config.hijacks !== true
  const authenticated = await authenticateToken(request, ctx, deferred ? 'deferred' : 'now')
  request.pendingProof = authenticated.unrecorded ?? null
  return authenticated.row
}

async function holder(request: FastifyRequest, ctx: AppContext): Promise<HolderPrincipal> {
  const row = await token(request, ctx)
  const { vaultId } = request.params as { vaultId?: string }
  // Another vault's id answers exactly as an unknown one does.
  if (row.subject_type !== 'device' || row.vault_id !== vaultId) throw new HttpProblem('not_found', 'no such vault')
  await checkMoveState(request, ctx, row, 'holder')
  return { kind: 'holder', deviceId: row.subject, vaultId: row.vault_id }
}

async function grantee(
  request: FastifyRequest,
  ctx: AppContext,
  kind: 'grantee' | 'issuer',
): Promise<GranteePrincipal> {
  const row = await token(request, ctx)
  if (row.subject_type !== 'client' || row.grant_id === null)
    throw new HttpProblem('forbidden', 'a grant token is required')
  await checkMoveState(request, ctx, row, kind)
  // Issue 19: a grant in its cooling-off (host time) opens nothing yet ([SUP-COOL-01]); the
  // grantee may read the grant itself, to learn when it starts.
  if (
    row.grant_starts_at !== null &&
    Number(row.grant_starts_at) > ctx.clock() &&
    request.routeOptions.url !== '/grant'
  )
    throw new HttpProblem('forbidden', 'this grant has not started yet')
  // The grant came with the token, in the same statement (repositories/tokens.ts).
  const grant = {
    id: row.grant_id,
    vault_id: row.vault_id,
    client_id: row.grant_client_id ?? row.subject,
    client_name: row.client_name,
    receipt: row.grant_receipt ?? '',
    authorization_details: row.grant_details ?? '[]',
    status: row.grant_status ?? 'revoked',
    created_at: row.grant_created_at ?? 0,
    expires_at: row.grant_expires_at ?? 0,
    starts_at: row.grant_starts_at,
  }
  const details = JSON.parse(grant.authorization_details) as AuthorizationDetail[]
  const category = (row.client_category ?? 'unverified') as GranteePrincipal['category']
  const typesFor = (action: 'read' | 'deposit') =>
    new Set(
      details
        .filter((d) => d.actions.includes(action))
        .flatMap((d) => d.record_types)
        // Read: the category's template too ([TPL-02]); deposit: as before (mayIssue at deposit).
        .filter((t) => (action === 'read' ? mayAskFor : mayReceive)(t as RecordType, category)),
    )
  if (kind === 'issuer' && typesFor('deposit').size === 0)
    throw new HttpProblem('forbidden', 'this grant does not allow deposits')
  return { kind, clientId: row.subject, vaultId: row.vault_id, grant, category, typesFor }
}

/** Creating a vault proves possession of the device key it names: the DPoP proof is by that key. */
async function newDevice(request: FastifyRequest, ctx: AppContext): Promise<NewDevicePrincipal> {
  const proof = await verifyDpop(request, ctx, {
    htm: request.method,
    htu: externalUrl(ctx.config.publicUrl, request),
    style: 'resource',
  })
  return { kind: 'new-device', jkt: proof.jkt }
}

/** The device a vault-creation body registers, by its key thumbprint (for comparison with the proof). */
export function registeredDeviceId(body: CreateVault): Promise<string> {
  return calculateJwkThumbprint(body.device.signing, 'sha256')
}
