/**
 * The security schemes /openapi.json names; each route's `security` (http/route.ts) picks from
 * these according to the caller it declares.
 */
export const openApiSecuritySchemes = {
  dpop: {
    type: 'http',
    scheme: 'DPoP',
    description: 'A DPoP-bound access token (RFC 9449) with a DPoP proof over the request',
  },
  dpopProof: {
    type: 'apiKey',
    in: 'header',
    name: 'DPoP',
    description: 'A DPoP proof (RFC 9449) by the device key the request registers',
  },
  privateKeyJwt: {
    type: 'apiKey',
    in: 'query',
    name: 'client_assertion',
    description: 'private_key_jwt client authentication (RFC 7523 section 2.2), form-encoded in the body',
  },
  deviceAssertion: {
    type: 'apiKey',
    in: 'query',
    name: 'assertion',
    description: 'A holder device assertion (RFC 7523 section 2.1) with a DPoP proof, form-encoded in the body',
  },
  refreshToken: {
    type: 'apiKey',
    in: 'query',
    name: 'refresh_token',
    description: 'A DPoP-bound refresh token (RFC 6749 section 6), form-encoded in the body',
  },
} as const
