/** The trust list operator's Ed25519 JWK, pinned at build time (tools/build.ts); null if none. */
declare const HOLDALL_TRUST_ANCHOR: { kty: 'OKP'; crv: 'Ed25519'; x: string } | null
