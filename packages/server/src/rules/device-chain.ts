import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  type DeviceChainEntry,
  isHoldallCryptoError,
  verifyDeviceChain,
} from '@holdall/crypto'
import { HttpProblem } from '../errors.js'

/*
 * The vault's device chain (spec 3.8.1). The host keeps the entries exactly as the holder's
 * devices signed them and serves them whole; clients verify them themselves and never take the
 * host's word for who is a device. The host checks each new entry only so that an honest host
 * never stores a chain its own clients would refuse ([API-CHAIN-01]).
 */

/** What the route expects the new entry to say: which device it adds, signed by whom. */
export interface ExpectedAddition {
  readonly subjectSigningKey: Uint8Array
  readonly subjectAgreementKey: Uint8Array
  /** The authenticated device (absent for entry 0, which its subject signs). */
  readonly signerKey?: Uint8Array
}

/** An entry checked to extend the chain: what the repository stores. */
export interface ChainAddition {
  readonly seq: number
  readonly entry: string
}

/**
 * Checks that the chain with `entry` appended verifies and that the entry adds exactly the
 * expected device, signed as expected. Runs inside the vault's lock, on the chain read there.
 */
export function checkChainAddition(
  vaultId: string,
  existing: readonly string[],
  entry: string,
  expected: ExpectedAddition,
): ChainAddition {
  let added: DeviceChainEntry
  try {
    const chain = verifyDeviceChain([...existing, entry].map(base64urlDecode), { vaultId: base64urlDecode(vaultId) })
    added = chain.entries[chain.entries.length - 1] as DeviceChainEntry
  } catch (error) {
    if (!isHoldallCryptoError(error)) throw error
    throw new HttpProblem(
      'signature_invalid',
      `the device chain entry does not extend the vault's chain (${error.code})`,
    )
  }
  const signer = expected.signerKey ?? expected.subjectSigningKey
  const matches =
    added.operation === 'add' &&
    constantTimeEqual(added.subjectSigningKey, expected.subjectSigningKey) &&
    constantTimeEqual(added.subjectAgreementKey as Uint8Array, expected.subjectAgreementKey) &&
    constantTimeEqual(added.signerKey, signer)
  if (!matches)
    throw new HttpProblem('signature_invalid', 'the device chain entry does not add this device, signed by this device')
  return { seq: added.seq, entry: base64urlEncode(added.bytes) }
}
