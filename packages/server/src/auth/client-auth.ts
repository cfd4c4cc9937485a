import type { ClientMetadata, OrganisationCategory } from '@holdall/protocol'
import { calculateJwkThumbprint, importJWK, jwtVerify } from 'jose'
import { type AppContext, BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'
import { HttpProblem, OAuthError } from '../errors.js'

export interface AuthenticatedClient {
  readonly clientId: string
  readonly metadata: ClientMetadata
  /** From the signed trust list; self-asserted categories are never trusted. */
  readonly category: OrganisationCategory | 'unverified'
  readonly name: string
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/**
 * `private_key_jwt` client authentication (RFC 7523 section 2.2, OpenID Connect Core 9): a JWT
 * signed with the signing key in the client's metadata document, for this host, short-lived and
 * never replayed.
 */
export async function authenticateClient(
  ctx: AppContext,
  params: Record<string, string>,
): Promise<AuthenticatedClient> {
  const clientId = params.client_id
  if (params.client_assertion_type !== ASSERTION_TYPE || typeof params.client_assertion !== 'string' || !clientId) {
    throw new OAuthError('invalid_client', 'private_key_jwt client authentication is required', 401)
  }
  let metadata: ClientMetadata
  try {
    metadata = await ctx.metadata.resolve(clientId)
  } catch (error) {
    throw new OAuthError('invalid_client', error instanceof HttpProblem ? error.message : 'unknown client', 401)
  }
  const [signing] = metadata.jwks.keys
  let jti: string
  try {
    const key = await importJWK({ kty: signing.kty, crv: signing.crv, x: signing.x }, 'EdDSA')
    const { payload } = await jwtVerify(params.client_assertion, key, {
      algorithms: ['EdDSA', 'Ed25519'],
      issuer: clientId,
      subject: clientId,
      audience: [
        ctx.config.publicUrl,
        `${ctx.config.publicUrl}${TOKEN_PATH}`,
        `${ctx.config.publicUrl}${BC_AUTHORIZE_PATH}`,
      ],
      requiredClaims: ['exp', 'jti', 'iat'],
      maxTokenAge: 300,
      clockTolerance: 5,
      currentDate: new Date(ctx.clock()),
    })
    // RFC 7523 3 lets the server limit how long an assertion lives; spec 5.8 says 5 minutes, as
    // for device assertions: a longer-lived one is a bearer credential worth stealing.
    if ((payload.exp as number) - (payload.iat as number) > 300) throw new Error('lives too long')
    jti = payload.jti as string
  } catch {
    throw new OAuthError('invalid_client', 'the client assertion did not verify', 401)
  }
  if (!(await ctx.replay.firstUse(`client-assertion:${clientId}`, jti, ctx.clock() + 310_000))) {
    throw new OAuthError('invalid_client', 'the client assertion was already used', 401)
  }
  // The key id is recomputed, never taken from the document: the trust list pins the key itself.
  const thumbprint = await calculateJwkThumbprint({ kty: signing.kty, crv: signing.crv, x: signing.x }, 'sha256')
  const listed = ctx.trustList?.find(clientId)
  const verified = listed !== undefined && listed.signing_key_id === thumbprint
  return {
    clientId,
    metadata,
    category: verified ? listed.category : 'unverified',
    name: verified ? listed.name : metadata.client_name,
  }
}
