import type { OrganisationCategory } from '@holdall/protocol'

/**
 * Who may call a route, declared by the route (http/route.ts) and checked once, before the
 * handler runs, by the authentication hook (http/authenticate.ts):
 * - `holder`: an access token of a device of the vault named in the path;
 * - `grantee`: an access token of a live grant (a service reading what it was shared);
 * - `issuer`: a grantee whose grant allows deposits;
 * - `new-device`: a DPoP proof by the device key the request body registers (creating a vault);
 * - `oauth`: the OAuth endpoints, where the grant itself authenticates (RFC 6749: a client
 *   assertion, a device assertion or a refresh token, each with a DPoP proof);
 * - `public`: anyone (discovery, health, the wallet's files).
 */
export type AuthKind = 'holder' | 'grantee' | 'issuer' | 'new-device' | 'oauth' | 'public'

export const AUTH_KINDS: readonly AuthKind[] = ['holder', 'grantee', 'issuer', 'new-device', 'oauth', 'public']

export interface HolderPrincipal {
  readonly kind: 'holder'
  readonly deviceId: string
  readonly vaultId: string
}

/** What a grantee route needs, loaded once by the hook: the grant and what it lets this client do. */
export interface GranteePrincipal {
  readonly kind: 'grantee' | 'issuer'
  readonly clientId: string
  readonly vaultId: string
  readonly grant: {
    readonly id: string
    readonly vault_id: string
    readonly client_id: string
    readonly client_name: string | null
    readonly receipt: string
    readonly authorization_details: string
    readonly status: 'active' | 'revoked'
    readonly created_at: number
    readonly expires_at: number
    readonly starts_at: number | null
  }
  readonly category: OrganisationCategory | 'unverified'
  /** Record types the grant covers for an action, re-checked against the tier rules on every request. */
  readonly typesFor: (action: 'read' | 'deposit') => ReadonlySet<string>
}

export interface NewDevicePrincipal {
  readonly kind: 'new-device'
  /** The thumbprint of the key that signed the DPoP proof. */
  readonly jkt: string
}

export interface NoPrincipal {
  readonly kind: 'oauth' | 'public'
}

export type Principal = HolderPrincipal | GranteePrincipal | NewDevicePrincipal | NoPrincipal

export type PrincipalFor<A extends AuthKind> = A extends 'holder'
  ? HolderPrincipal
  : A extends 'grantee' | 'issuer'
    ? GranteePrincipal
    : A extends 'new-device'
      ? NewDevicePrincipal
      : NoPrincipal
