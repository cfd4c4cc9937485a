import { AEAD_ChaCha20Poly1305, KDF_HKDF_SHA256, KEM_DHKEM_X25519_HKDF_SHA256 } from '@panva/hpke-noble'
import { CipherSuite, type KEMFactory } from 'hpke'

/*
 * RFC 9180 through `hpke` (panva) with the @noble implementations from `@panva/hpke-noble`:
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, Base mode only (security.md D4, D5).
 * All-noble rather than WebCrypto so that browsers without WebCrypto X25519 behave identically,
 * and Node 20's WebCrypto, which lacks ChaCha20-Poly1305 keys, is never needed.
 */
export const hpkeSuite = new CipherSuite(KEM_DHKEM_X25519_HKDF_SHA256, KDF_HKDF_SHA256, AEAD_ChaCha20Poly1305)

/**
 * A suite whose "random" ephemeral key comes from `ikmE`, for reproducing published test vectors
 * and our own. Never for real wraps: a fixed ephemeral key repeated to one recipient repeats the
 * HPKE key and nonce.
 */
export function deterministicHpkeSuite(ikmE: Uint8Array): CipherSuite {
  const kem: KEMFactory = () => {
    const base = KEM_DHKEM_X25519_HKDF_SHA256()
    // The noble KEM's Encap() draws its ephemeral key through this.GenerateKeyPair().
    return { ...base, GenerateKeyPair: (extractable: boolean) => base.DeriveKeyPair(ikmE, extractable) }
  }
  return new CipherSuite(kem, KDF_HKDF_SHA256, AEAD_ChaCha20Poly1305)
}
