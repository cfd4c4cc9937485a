import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { oauthErrorSchema, problemSchema } from '@holdall/protocol'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
  RouteGenericInterface,
} from 'fastify'
import { type ZodType, z } from 'zod'
import type { AuthKind, PrincipalFor } from './principal.js'

/** The app as routes see it: zod schemas type each request and reply. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>

export interface RouteSchema {
  readonly params?: ZodType
  readonly querystring?: ZodType
  readonly body?: ZodType
  /** Every status the route answers with on success; errors are added by route() below. */
  readonly response: Record<number, ZodType>
  /** A body that is not JSON (an envelope upload). */
  readonly consumes?: readonly string[]
  /** A response that is not JSON (an envelope, an event stream, a JWS, HTML). */
  readonly produces?: readonly string[]
}

export type RouteRequest<S extends RouteSchema> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  IncomingMessage,
  S,
  ZodTypeProvider
>
export type RouteReply<S extends RouteSchema> = FastifyReply<
  RouteGenericInterface,
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  unknown,
  S,
  ZodTypeProvider
>

export interface RouteDefinition<S extends RouteSchema, A extends AuthKind> {
  readonly method: 'GET' | 'POST' | 'PUT'
  readonly url: string
  /** Who may call it; see http/principal.ts. */
  readonly auth: A
  /** The OpenAPI tag and one line on what the route does. */
  readonly tag: string
  readonly summary: string
  readonly schema: S
  /** The route takes the connection over (reply.hijack): no response passes the usual hooks. */
  readonly hijacks?: true
  /** A larger body than the host's 1 MiB default (a move package, spec 12.4). */
  readonly bodyLimit?: number
  readonly handler: (request: RouteRequest<S>, reply: RouteReply<S>, principal: PrincipalFor<A>) => Promise<unknown>
}

/** A body-less answer (204). */
export const noContent = z.null().describe('No content')
/** A response body that is not JSON; its media type is the route's `produces`. */
export const binaryBody = z.string().describe('Not JSON: see the media type')

/** How each kind of caller authenticates, for /openapi.json (the schemes are in app.ts). */
const SECURITY: Record<AuthKind, readonly Record<string, string[]>[]> = {
  holder: [{ dpop: [] }],
  grantee: [{ dpop: [] }],
  issuer: [{ dpop: [] }],
  'new-device': [{ dpopProof: [] }],
  oauth: [{ privateKeyJwt: [] }, { deviceAssertion: [] }, { refreshToken: [] }],
  public: [],
}

const problemResponses = { '4xx': problemSchema, '5xx': problemSchema }
const oauthErrorResponses = { '4xx': z.union([oauthErrorSchema, problemSchema]), '5xx': problemSchema }

/**
 * Registers a route: its schemas (params, query, body and every response, all from
 * @holdall/protocol), who may call it, and a handler that receives the principal the
 * authentication hook loaded (http/authenticate.ts). Responses are checked against their schema
 * as they are serialised, so a route cannot send what it does not declare.
 */
export function route<S extends RouteSchema, A extends AuthKind>(app: App, definition: RouteDefinition<S, A>): void {
  const { method, url, auth, tag, summary, schema, handler } = definition
  app.route({
    method,
    url,
    config: { auth, ...(definition.hijacks === true ? { hijacks: true } : {}) },
    ...(definition.bodyLimit === undefined ? {} : { bodyLimit: definition.bodyLimit }),
    schema: {
      tags: [tag],
      summary,
      security: SECURITY[auth],
      ...schema,
      response: { ...schema.response, ...(auth === 'oauth' ? oauthErrorResponses : problemResponses) },
    } as never,
    handler: (request, reply) =>
      handler(request as never, reply as never, request.principal as PrincipalFor<A>) as Promise<never>,
  })
}
