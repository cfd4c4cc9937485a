import {
  base64urlDecode,
  base64urlEncode,
  isHoldallCryptoError,
  keyThumbprint,
  type VerifiedDeviceChain,
  verifyDeviceChain,
  verifyDeviceWrapStatement,
  verifyInboxKeyStatement,
} from '@holdall/crypto'
import { grantReceiptClaimsSchema, type RotateEpoch } from '@holdall/protocol'
import { compactVerify, importJWK } from 'jose'
import { HttpProblem } from '../errors.js'

/*
 * An epoch rotation (spec 9.2): a device removed, sign out everywhere, or a completed recovery.
 * The host cannot check the cryptography it cannot open (the new wraps), but it checks everything
 * that is signed or countable, so an honest host never stores a rotation its clients would refuse
 * and never leaves a wrap, device or grant behind ([DEV-ROT-02]).
 */

/** What the host knows when a rotation arrives, read inside the vault's lock. */
export interface RotationState {
  readonly vaultId: string
  readonly keyEpoch: number
  readonly chain: readonly string[]
  /** Active devices (id → Ed25519 `x`), with a recovering device already counted. */
  readonly devices: ReadonlyMap<string, string>
  readonly epochWraps: readonly { record_id: string; version: number }[]
  readonly inboxWraps: readonly { record_id: string; version: number }[]
  readonly grants: readonly { id: string; receipt: string }[]
  /** The device that signs the wraps, inbox statement and receipts: the caller, or the recovering device. */
  readonly signerId: string
  readonly isListedWorker: (clientId: string) => boolean
}

export interface CheckedRotation {
  readonly entries: readonly { seq: number; entry: string }[]
  readonly removed: readonly string[]
  readonly remaining: readonly string[]
  readonly receipts: ReadonlyMap<string, string>
}

export async function checkRotation(state: RotationState, body: RotateEpoch): Promise<CheckedRotation> {
  if (body.epoch !== state.keyEpoch + 1)
    throw new HttpProblem('conflict', `the vault is at epoch ${state.keyEpoch}: a rotation goes to the next one`)
  if (!state.isListedWorker(body.recovery.worker.client_id))
    throw new HttpProblem('forbidden', 'the key worker organisation is not on the trust list')
  const vaultIdBytes = base64urlDecode(state.vaultId)
  let chain: VerifiedDeviceChain
  try {
    chain = verifyDeviceChain([...state.chain, ...body.device_chain_entries].map(base64urlDecode), {
      vaultId: vaultIdBytes,
    })
  } catch (error) {
    if (!isHoldallCryptoError(error)) throw error
    throw new HttpProblem(
      'signature_invalid',
      `the device chain entries do not extend the vault's chain (${error.code})`,
    )
  }
  const members = new Set(chain.members.map((m) => base64urlEncode(m.keyId)))
  const remaining = [...state.devices.keys()].filter((id) => members.has(id))
  const removed = [...state.devices.keys()].filter((id) => !members.has(id))
  if (!remaining.includes(state.signerId))
    throw new HttpProblem('forbidden', 'the device that signs a rotation must remain in the vault')
  // After the rotation the members are the remaining devices and the new epoch's recovery member.
  const memberKeyId = base64urlEncode(keyThumbprint(base64urlDecode(body.recovery.member_signing_key.x), 'Ed25519'))
  const others = [...members].filter((id) => !state.devices.has(id))
  if (others.length !== 1 || others[0] !== memberKeyId)
    throw new HttpProblem(
      'invalid_request',
      "after a rotation the chain's members are the remaining devices and the new recovery member",
    )
  const wrapped = new Set(body.device_wraps.map((w) => w.device_id))
  if (
    wrapped.size !== body.device_wraps.length ||
    wrapped.size !== remaining.length ||
    !remaining.every((id) => wrapped.has(id))
  )
    throw new HttpProblem('invalid_request', 'the new vault key must be wrapped to every remaining device, once each')
  const signerKey = base64urlDecode(state.devices.get(state.signerId) as string)
  try {
    for (const w of body.device_wraps) {
      verifyDeviceWrapStatement(
        {
          vaultId: vaultIdBytes,
          epoch: body.epoch,
          recipientDeviceKeyId: base64urlDecode(w.device_id),
          wrap: base64urlDecode(w.vrk_wrap),
        },
        base64urlDecode(w.wrap_statement),
        signerKey,
      )
    }
    verifyInboxKeyStatement(
      { vaultId: vaultIdBytes, epoch: body.epoch, inboxPublicKey: base64urlDecode(body.inbox_key.x) },
      base64urlDecode(body.inbox_statement),
      signerKey,
    )
  } catch {
    throw new HttpProblem('signature_invalid', 'a device wrap or inbox key statement is not signed by this device')
  }
  sameSet(state.epochWraps, body.epoch_wraps, 'every record key must be re-wrapped under the new epoch, once each')
  sameSet(
    state.inboxWraps,
    body.inbox_wraps,
    'every waiting deposit must be re-wrapped to the new inbox key, once each',
  )
  const receipts = await checkReceipts(state, body, new Set(removed), signerKey)
  const old = new Set(state.chain)
  return {
    entries: body.device_chain_entries
      .filter((e) => !old.has(e))
      .map((entry, i) => ({ seq: state.chain.length + i, entry })),
    removed,
    remaining,
    receipts,
  }
}

/** A live grant whose receipt a removed device signed gets a new receipt, same claims, signed by the signer. */
async function checkReceipts(
  state: RotationState,
  body: RotateEpoch,
  removed: ReadonlySet<string>,
  signerKey: Uint8Array,
): Promise<Map<string, string>> {
  const given = new Map(body.receipts.map((r) => [r.grant_id, r.receipt]))
  if (given.size !== body.receipts.length) throw new HttpProblem('invalid_request', 'a grant is re-signed twice')
  const out = new Map<string, string>()
  const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(signerKey) }, 'EdDSA')
  for (const grant of state.grants) {
    const old = claimsOf(grant.receipt)
    const fresh = given.get(grant.id)
    given.delete(grant.id)
    if (fresh === undefined) {
      if (removed.has(String(old.iss)))
        throw new HttpProblem('invalid_request', 'a live grant signed by a removed device needs a new receipt')
      continue
    }
    let claims: Record<string, unknown>
    try {
      const { payload, protectedHeader } = await compactVerify(fresh, key, { algorithms: ['EdDSA', 'Ed25519'] })
      if (protectedHeader.typ !== 'grant+jwt' || protectedHeader.kid !== state.signerId) throw new Error('header')
      claims = grantReceiptClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
    } catch {
      throw new HttpProblem('signature_invalid', 'a new grant receipt is not a valid receipt from this device')
    }
    const { iss: _a, iat: _b, ...was } = old
    const { iss, iat: _c, ...now } = claims
    if (iss !== state.signerId || JSON.stringify(sorted(was)) !== JSON.stringify(sorted(now)))
      throw new HttpProblem('forbidden', 'a new grant receipt must say exactly what the old one said')
    out.set(grant.id, fresh)
  }
  if (given.size > 0) throw new HttpProblem('not_found', 'a new receipt names no live grant of this vault')
  return out
}

function claimsOf(receipt: string): Record<string, unknown> {
  const payload = receipt.split('.')[1] ?? ''
  return JSON.parse(new TextDecoder().decode(base64urlDecode(payload))) as Record<string, unknown>
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sorted(v)]),
    )
  return value
}

function sameSet(
  existing: readonly { record_id: string; version: number }[],
  given: readonly { record_id: string; version: number }[],
  message: string,
): void {
  const key = (w: { record_id: string; version: number }) => `${w.record_id}/${w.version}`
  const want = new Set(existing.map(key))
  const got = new Set(given.map(key))
  if (got.size !== given.length || got.size !== want.size || ![...want].every((k) => got.has(k)))
    throw new HttpProblem('invalid_request', message)
}
