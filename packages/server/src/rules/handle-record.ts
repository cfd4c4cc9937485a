import {
  base64urlDecode,
  base64urlEncode,
  isHoldallCryptoError,
  type VerifiedDeviceChain,
  verifyCompactJws,
  verifyDeviceChain,
} from '@holdall/crypto'
import { HANDLE_RECORD_TYP, type HandleDocument, type HandleRecord, handleRecordSchema } from '@holdall/protocol'
import { HttpProblem } from '../errors.js'

/*
 * A handle record as the holder's device signed it (spec 11.4). The host checks what resolvers
 * will check, so that an honest host never serves a record its resolvers refuse; it can make no
 * record itself, having no device key ([FED-HANDLE-02]).
 */

export interface CheckedHandle {
  readonly record: HandleRecord
  readonly chain: VerifiedDeviceChain
}

function payloadOf(jws: string): unknown {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(jws.split('.')[1] ?? '')))
}
function headerOf(jws: string): { kid?: unknown } {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(jws.split('.')[0] ?? ''))) as { kid?: unknown }
}

/** The record verified under a current member of the chain it came with, for `handle`. */
export function checkHandleDocument(document: HandleDocument, handle: string): CheckedHandle {
  try {
    const claimed = handleRecordSchema.parse(payloadOf(document.record))
    const chain = verifyDeviceChain(document.device_chain.map(base64urlDecode), {
      vaultId: base64urlDecode(claimed.vault_id),
      root: base64urlDecode(claimed.root),
    })
    const kid = headerOf(document.record).kid
    const member = chain.members.find((m) => base64urlEncode(m.keyId) === kid)
    if (member === undefined) throw new Error('not signed by a member of the chain')
    const record = handleRecordSchema.parse(
      verifyCompactJws(document.record, member.signingKey, HANDLE_RECORD_TYP).payload,
    )
    if (record.handle !== handle) throw new Error('for another handle')
    return { record, chain }
  } catch (error) {
    if (error instanceof HttpProblem) throw error
    const reason = isHoldallCryptoError(error) ? error.code : error instanceof Error ? error.message : 'malformed'
    throw new HttpProblem('signature_invalid', `the handle record does not verify (${reason})`)
  }
}

/**
 * [FED-HANDLE-05] A new chain must extend the one stored with the handle (or the vault's own):
 * a device removed since cannot re-point the handle with an older copy of the chain.
 */
export function extendsChain(stored: readonly string[], given: readonly string[]): boolean {
  return stored.length <= given.length && stored.every((entry, i) => entry === given[i])
}
