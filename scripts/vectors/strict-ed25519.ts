/**
 * strict-ed25519.json: signatures every lenient Ed25519 verifier accepts and a Holdall verifier
 * must refuse (spec 3.9, CRY-SIG-01; 3.3, CRY-KEY-03): small-order and mixed-order public keys,
 * R with a small-order component, non-canonical encodings of A and R, and S not reduced.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { signingPublicKey } from '../../packages/crypto/src/keys.js'
import {
  base,
  challenge,
  encode,
  findMessage,
  IDENTITY,
  IDENTITY_NEGATIVE_ZERO,
  IDENTITY_NON_CANONICAL,
  L,
  littleEndian,
  ORDER_8,
  secretScalar,
  signature,
  zip215Accepts,
} from './ed25519-math.js'
import { fixed, hex, type VectorWriter } from './support.js'

interface Case {
  name: string
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

export function writeStrictEd25519Vectors(write: VectorWriter): void {
  const seed = fixed('strict ed25519 signer')
  const a = secretScalar(seed)
  const A = signingPublicKey(seed)
  const r = littleEndian(fixed('strict ed25519 nonce')) % L
  const R = encode(base(r))
  const mixedA = encode(base(a).add(ORDER_8))
  const torsionR = encode(base(r).add(ORDER_8))
  const multipleOf8 = (rBytes: Uint8Array, aBytes: Uint8Array) => (m: Uint8Array) =>
    challenge(rBytes, aBytes, m) % 8n === 0n

  const cases: Case[] = []
  {
    const message = findMessage('holdall strict ed25519: identity key', () => true)
    cases.push({
      name: 'public key is the identity; R is the identity and S = 0 (verifies for every message)',
      publicKey: IDENTITY,
      message,
      signature: signature(IDENTITY, 0n),
    })
  }
  {
    const T = encode(ORDER_8)
    const message = findMessage('holdall strict ed25519: order-8 key', multipleOf8(IDENTITY, T))
    cases.push({
      name: 'public key of order 8; R is the identity and S = 0, k a multiple of 8',
      publicKey: T,
      message,
      signature: signature(IDENTITY, 0n),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: mixed-order key', multipleOf8(R, mixedA))
    const k = challenge(R, mixedA, message)
    cases.push({
      name: 'public key aB + T8 (mixed order), signed with a; k a multiple of 8 so even a cofactorless check passes',
      publicKey: mixedA,
      message,
      signature: signature(R, (r + k * a) % L),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: torsion R', () => true)
    const k = challenge(torsionR, A, message)
    cases.push({
      name: 'R = rB + T8 (small-order component), S = r + k a: the cofactored equation holds',
      publicKey: A,
      message,
      signature: signature(torsionR, (r + k * a) % L),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: non-canonical R', () => true)
    const k = challenge(IDENTITY_NON_CANONICAL, A, message)
    cases.push({
      name: 'R is the identity encoded with y = 1 + p (non-canonical), S = k a',
      publicKey: A,
      message,
      signature: signature(IDENTITY_NON_CANONICAL, (k * a) % L),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: negative-zero R', () => true)
    const k = challenge(IDENTITY_NEGATIVE_ZERO, A, message)
    cases.push({
      name: 'R is the identity with the sign bit set although x = 0, S = k a',
      publicKey: A,
      message,
      signature: signature(IDENTITY_NEGATIVE_ZERO, (k * a) % L),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: non-canonical key', () => true)
    cases.push({
      name: 'public key is the identity encoded with y = 1 + p; R is the identity and S = 0',
      publicKey: IDENTITY_NON_CANONICAL,
      message,
      signature: signature(IDENTITY, 0n),
    })
  }
  {
    const message = findMessage('holdall strict ed25519: S + L', () => true)
    const honest = ed25519.sign(message, seed)
    const s = littleEndian(honest.subarray(32))
    cases.push({
      name: 'honest signature with S replaced by S + L (not reduced)',
      publicKey: A,
      message,
      signature: signature(honest.subarray(0, 32), s + L),
    })
  }

  const message = findMessage('holdall strict ed25519: honest', () => true)
  write('strict-ed25519.json', {
    description:
      'Strict Ed25519 (spec 3.9, [CRY-SIG-01], [CRY-KEY-03]). The valid case must verify. Every invalid case must be refused; "zip215Accepts" says whether a ZIP-215 verifier (cofactored, tolerant of non-canonical encodings) accepts it, which is why these cases exist: a verifier that passes only the RFC 8032 and Wycheproof vectors can still accept them. A verifier also refuses the invalid public keys here on their own (KEY_INVALID) before any signature. Hex throughout; messages are ASCII.',
    valid: [
      {
        name: 'honest signature',
        publicKey: hex(A),
        message: hex(message),
        signature: hex(ed25519.sign(message, seed)),
      },
    ],
    invalid: cases.map((c) => ({
      name: c.name,
      publicKey: hex(c.publicKey),
      message: hex(c.message),
      signature: hex(c.signature),
      zip215Accepts: zip215Accepts(c.signature, c.message, c.publicKey),
    })),
  })
}
