import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  type DeviceChainEntry,
  isHoldallCryptoError,
  verifyDeviceChain,
} from '@holdall/crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { HttpProblem } from '../errors.js'

/*
 * The vault's device chain (spec 3.8.1), in order. The host keeps the entries exactly as the
 * holder's devices signed them and serves them whole; clients verify them themselves and never
 * take the host's word for who is a device. The host checks each new entry only so that an honest
 * host never stores a chain its own clients would refuse.
 */

/** The whole chain, entry 0 first, base64url. */
export async function readDeviceChain(
  db: Kysely<Database> | Transaction<Database>,
  vaultId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('device_chain_entries')
    .select(['entry'])
    .where('vault_id', '=', vaultId)
    .orderBy('seq', 'asc')
    .execute()
  return rows.map((r) => r.entry)
}

/** What the route expects the new entry to say: which device it adds, signed by whom. */
export interface ExpectedAddition {
  readonly subjectSigningKey: Uint8Array
  readonly subjectAgreementKey: Uint8Array
  /** The authenticated device (absent for entry 0, which its subject signs). */
  readonly signerKey?: Uint8Array
}

/**
 * Appends `entry` to the vault's chain after checking that the chain with it verifies and that it
 * adds exactly the expected device, signed as expected. Call inside the vault's lock.
 */
export async function appendDeviceChainEntry(
  trx: Transaction<Database>,
  vaultId: string,
  entry: string,
  expected: ExpectedAddition,
  now: number,
): Promise<void> {
  const existing = await readDeviceChain(trx, vaultId)
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
  await trx
    .insertInto('device_chain_entries')
    .values({ vault_id: vaultId, seq: added.seq, entry: base64urlEncode(added.bytes), created_at: now })
    .execute()
}
