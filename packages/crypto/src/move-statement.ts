import { base64urlDecode, base64urlEncode } from './base64url.js'
import { constantTimeEqual } from './bytes.js'
import type { VerifiedDeviceChain } from './device-chain.js'
import { HoldallCryptoError } from './errors.js'
import { signCompactJws, verifyCompactJws } from './jws.js'
import { keyThumbprint, signingPublicKey } from './keys.js'

/*
 * The holder's two statements of a move (spec 12.2): the move statement (typ holdall-move+jwt)
 * and the commit (typ holdall-move-commit+jwt), compact JWS signed by a device of the vault's
 * device chain, `kid` its key id. Neither host can make one. Claims are checked by the caller's
 * schema; this module checks who signed and that the statement names the verifier's chain.
 */

export type MoveStatementTyp = 'holdall-move+jwt' | 'holdall-move-commit+jwt'

/** Signs a move statement or commit with a device's Ed25519 secret key. */
export function signMoveStatement(
  typ: MoveStatementTyp,
  claims: Record<string, unknown>,
  deviceSecretKey: Uint8Array,
): string {
  const kid = base64urlEncode(keyThumbprint(signingPublicKey(deviceSecretKey), 'Ed25519'))
  return signCompactJws({ typ, alg: 'EdDSA', kid }, claims, deviceSecretKey)
}

/**
 * Verifies a move statement or commit under the current member of `chain` that `kid` names, and
 * that its `vault`, `chain_seq` and `chain_head` name that chain ([MIG-STMT-01]). Returns the
 * claims (unchecked otherwise) and the signer's key id. Throws HoldallCryptoError SIGNATURE_INVALID.
 */
export function verifyMoveStatement(
  typ: MoveStatementTyp,
  jws: string,
  chain: VerifiedDeviceChain,
): { claims: Record<string, unknown>; signer: string } {
  const [encodedHeader] = jws.split('.')
  let kid: unknown
  try {
    kid = (
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlDecode(encodedHeader ?? ''))) as {
        kid?: unknown
      }
    ).kid
  } catch (cause) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the statement is not well formed', { cause })
  }
  if (typeof kid !== 'string') throw new HoldallCryptoError('SIGNATURE_INVALID', 'the statement names no signer')
  let wanted: Uint8Array
  try {
    wanted = base64urlDecode(kid)
  } catch (cause) {
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the statement names no signer', { cause })
  }
  const member = chain.members.find((m) => m.keyId.length === wanted.length && constantTimeEqual(m.keyId, wanted))
  if (member === undefined)
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the signer is not a current device of the vault')
  const { payload } = verifyCompactJws(jws, member.signingKey, typ)
  if (payload.vault !== base64urlEncode(chain.vaultId))
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the statement is for another vault')
  const seq = payload.chain_seq
  const entry = typeof seq === 'number' ? chain.entries.find((e) => e.seq === seq) : undefined
  if (
    entry === undefined ||
    typeof payload.chain_head !== 'string' ||
    payload.chain_head !== base64urlEncode(entry.hash)
  )
    throw new HoldallCryptoError('SIGNATURE_INVALID', 'the statement names another device chain')
  return { claims: payload, signer: kid }
}
