import { ED25519_JOSE_ALGS } from '@holdall/protocol'
import { BC_AUTHORIZE_PATH, TOKEN_PATH } from '../context.js'

export const GRANT_TYPES_SUPPORTED = [
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'refresh_token',
] as const

/**
 * RFC 8414 authorization server metadata (spec 2.1, DISC-06): what a stock OAuth library reads
 * from `/.well-known/oauth-authorization-server` to find and use this host with no other help.
 */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    backchannel_authentication_endpoint: `${issuer}${BC_AUTHORIZE_PATH}`,
    // No authorization endpoint: every grant is CIBA, a device assertion or a refresh.
    response_types_supported: [],
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ED25519_JOSE_ALGS],
    dpop_signing_alg_values_supported: [...ED25519_JOSE_ALGS],
    backchannel_token_delivery_modes_supported: ['poll'],
    backchannel_user_code_parameter_supported: false,
    authorization_details_types_supported: ['holdall_records'],
    // Client ids are the URLs of metadata documents (draft-ietf-oauth-client-id-metadata-document).
    client_id_metadata_document_supported: true,
  }
}
