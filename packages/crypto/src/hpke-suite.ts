import { AEAD_ChaCha20Poly1305, KDF_HKDF_SHA256, KEM_DHKEM_X25519_HKDF_SHA256 } from '@panva/hpke-noble'
import { CipherSuite, type KEMFactory, KEM_DHKEM_X25519_HKDF_SHA256 as WEBCRYPTO_KEM_X25519 } from 'hpke'

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
export function deterministicHpkeSuite(ikmE: Uint8Array, x25519: X25519Implementation = 'noble'): CipherSuite {
  const kem: KEMFactory = () => {
    const base = x25519 === 'webcrypto' ? WEBCRYPTO_KEM_X25519() : KEM_DHKEM_X25519_HKDF_SHA256()
    // The noble KEM's Encap() draws its ephemeral key through this.GenerateKeyPair(). Derived as
    // extractable: its seed `ikmE` is in this process's memory anyway, and a non-extractable
    // WebCrypto key is imported twice (an OpenSSL key decode each, the dearest step of a wrap).
    return { ...base, GenerateKeyPair: () => base.DeriveKeyPair(ikmE, true) }
  }
  return new CipherSuite(kem, KDF_HKDF_SHA256, AEAD_ChaCha20Poly1305)
}

/**
 * Where a wrap's X25519 runs: the platform's WebCrypto (native: Node 20+, current browsers) or
 * @noble/curves (pure JavaScript, about 7 ms a wrap on a slow phone or a busy server, which made
 * approving a grant over 1,000 records take 5 s). The bytes are the same either way: the
 * ephemeral key is derived (RFC 9180 DeriveKeyPair) from 32 bytes of crypto.getRandomValues,
 * which both implementations turn into the same key (test/wraps-webcrypto.test.ts).
 */
export type X25519Implementation = 'webcrypto' | 'noble'

let probe: Promise<X25519Implementation> | undefined

/** The X25519 wraps use here: WebCrypto where it works, noble where it does not. Probed once. */
export function x25519Implementation(): Promise<X25519Implementation> {
  probe ??= (async (): Promise<X25519Implementation> => {
    try {
      const subtle = globalThis.crypto?.subtle
      if (subtle === undefined) return 'noble'
      const pair = (await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair
      await subtle.deriveBits({ name: 'X25519', public: pair.publicKey }, pair.privateKey, 256)
      return 'webcrypto'
    } catch {
      return 'noble'
    }
  })()
  return probe
}
