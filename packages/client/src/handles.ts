import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  keyThumbprint,
  type SigningKeyPair,
  signCompactJws,
  type VerifiedDeviceChain,
  verifyCompactJws,
  verifyDeviceChain,
} from '@holdall/crypto'
import {
  HANDLE_RECORD_TYP,
  HANDLE_WELL_KNOWN_PATH,
  type HandleDocument,
  type HandleRecord,
  handleDocumentSchema,
  handleNameSchema,
  handleRecordSchema,
  handleSchema,
} from '@holdall/protocol'
import { HoldallApiError, HoldallError } from './errors.js'
import { hostByNumber } from './federation.js'
import type { TrustedOrganisations } from './trust-list.js'

/*
 * Handles (spec 11.4): `name@N` is an optional human-readable name for a holder, issued by host
 * number N of the operator's registry and resolved there at a well-known path. The answer is a
 * record signed by a device of the holder's own chain, naming the vault's root and the host the
 * vault lives on now ([FED-HANDLE-02]); the issuing host stores and serves it but cannot make
 * one, so it cannot point a handle elsewhere. Re-pointing (after a move) is a new record with a
 * higher `seq`, signed under the same root ([FED-HANDLE-04]); a resolver pins each handle's root
 * and newest seq and refuses a change of root or an older record ([FED-HANDLE-03]).
 */

/** What a resolver remembers about a handle. */
export interface HandlePin {
  readonly root: string
  readonly seq: number
}
export interface HandlePinStore {
  get(handle: string): Promise<HandlePin | undefined>
  set(handle: string, pin: HandlePin): Promise<void>
}
export class MemoryHandlePinStore implements HandlePinStore {
  readonly #pins = new Map<string, HandlePin>()
  async get(handle: string) {
    return this.#pins.get(handle)
  }
  async set(handle: string, pin: HandlePin) {
    this.#pins.set(handle, pin)
  }
}

/** A handle's name and the number of the host that issued it. */
export function splitHandle(handle: string): { name: string; hostNumber: number } {
  if (!handleSchema.safeParse(handle).success) throw new HoldallError('HANDLE_INVALID', 'not a handle (name@number)')
  const [name, number] = handle.split('@') as [string, string]
  return { name, hostNumber: Number(number) }
}

export function signHandleRecord(record: HandleRecord, device: SigningKeyPair): string {
  return signCompactJws(
    { typ: HANDLE_RECORD_TYP, alg: 'EdDSA', kid: base64urlEncode(keyThumbprint(device.publicKey, 'Ed25519')) },
    handleRecordSchema.parse(record),
    device.secretKey,
  )
}

/**
 * Verifies a handle document on its own: the chain from its first entry, the record signed by a
 * current member of it, for this handle, naming the chain's vault and root. HANDLE_INVALID otherwise.
 */
export function verifyHandleDocument(
  document: HandleDocument,
  handle: string,
): { record: HandleRecord; chain: VerifiedDeviceChain } {
  try {
    const header = JSON.parse(new TextDecoder().decode(base64urlDecode(document.record.split('.')[0] ?? ''))) as {
      kid?: unknown
    }
    const unverified = handleRecordSchema.parse(
      JSON.parse(new TextDecoder().decode(base64urlDecode(document.record.split('.')[1] ?? ''))),
    )
    const chain = verifyDeviceChain(
      document.device_chain.map((e) => base64urlDecode(e)),
      { vaultId: base64urlDecode(unverified.vault_id), root: base64urlDecode(unverified.root) },
    )
    const member = chain.members.find((m) => typeof header.kid === 'string' && base64urlEncode(m.keyId) === header.kid)
    if (member === undefined) throw new Error('the record is not signed by a member of the chain')
    const record = handleRecordSchema.parse(
      verifyCompactJws(document.record, member.signingKey, HANDLE_RECORD_TYP).payload,
    )
    if (record.handle !== handle) throw new Error('the record is for another handle')
    if (!constantTimeEqual(base64urlDecode(record.root), chain.root)) throw new Error('the record names another root')
    return { record, chain }
  } catch (cause) {
    if (cause instanceof HoldallError) throw cause
    throw new HoldallError('HANDLE_INVALID', `the handle record for ${handle} does not verify`, { cause })
  }
}

export interface ResolvedHandle {
  readonly handle: string
  /** Where the vault lives now, by the holder's own signed word. */
  readonly hostUrl: string
  readonly vaultId: string
  /** base64url root fingerprint: give it as `holderRoot` when asking for access. */
  readonly rootFingerprint: string
  readonly seq: number
  /** The signed record itself: a service sends it as CIBA `login_hint_token` to ask this holder. */
  readonly record: string
}

/**
 * Resolves `name@N` at host N's well-known path (host N from the pinned trust list's registry),
 * checks the signed record, and pins its root and seq: a later answer with another root
 * (HANDLE_ROOT_CHANGED) or a lower seq (HANDLE_ROLLBACK) is refused.
 */
export async function resolveHandle(
  handle: string,
  trusted: TrustedOrganisations,
  options: { pins?: HandlePinStore; fetch?: typeof fetch } = {},
): Promise<ResolvedHandle> {
  const { name, hostNumber } = splitHandle(handle)
  const issuer = hostByNumber(trusted, hostNumber)
  const response = await (options.fetch ?? fetch)(`${issuer.url}${HANDLE_WELL_KNOWN_PATH}/${name}`)
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string }
    throw new HoldallApiError(response.status, problem.code ?? 'not_found', problem.detail ?? `no handle ${handle}`)
  }
  const parsed = handleDocumentSchema.safeParse(await response.json().catch(() => undefined))
  if (!parsed.success) throw new HoldallError('HANDLE_INVALID', `the answer for ${handle} is malformed`)
  const { record } = verifyHandleDocument(parsed.data, handle)
  const pin = await options.pins?.get(handle)
  if (pin !== undefined) {
    if (pin.root !== record.root)
      throw new HoldallError('HANDLE_ROOT_CHANGED', `${handle} now names another vault than the one pinned`)
    if (record.seq < pin.seq) throw new HoldallError('HANDLE_ROLLBACK', `${handle}: an older record than one seen`)
  }
  await options.pins?.set(handle, { root: record.root, seq: record.seq })
  return {
    handle,
    hostUrl: record.host_url,
    vaultId: record.vault_id,
    rootFingerprint: record.root,
    seq: record.seq,
    record: parsed.data.record,
  }
}

/** What a holder's device needs to sign and publish its handle. */
export interface HandleSigner {
  readonly vaultId: string
  readonly deviceKeys: { readonly signing: SigningKeyPair }
  /** The vault's verified device chain (this device a member of it). */
  deviceChain(): Promise<VerifiedDeviceChain>
}

/**
 * Publishes (first time) or re-points the holder's handle `name@N` on host N: a new record, the
 * next seq after the one host N serves, naming `hostUrl` as where the vault lives ([FED-HANDLE-04]).
 * A move calls this with the new host's URL; the issuing host keeps answering for the handle.
 */
export async function publishHandle(
  holder: HandleSigner,
  handle: string,
  hostUrl: string,
  trusted: TrustedOrganisations,
  fetchImpl: typeof fetch = fetch,
): Promise<HandleRecord> {
  const { name, hostNumber } = splitHandle(handle)
  if (!handleNameSchema.safeParse(name).success) throw new HoldallError('HANDLE_INVALID', 'not a handle name')
  const issuer = hostByNumber(trusted, hostNumber)
  const chain = await holder.deviceChain()
  const current = await fetchImpl(`${issuer.url}${HANDLE_WELL_KNOWN_PATH}/${name}`)
  let seq = 1
  if (current.ok) {
    const document = handleDocumentSchema.parse(await current.json())
    seq = verifyHandleDocument(document, handle).record.seq + 1
  } else await current.body?.cancel()
  const record: HandleRecord = {
    handle,
    vault_id: holder.vaultId,
    root: base64urlEncode(chain.root),
    host_url: hostUrl.replace(/\/+$/, ''),
    seq,
    iat: Math.floor(Date.now() / 1000),
  }
  const body: HandleDocument = {
    record: signHandleRecord(record, holder.deviceKeys.signing),
    device_chain: chain.entries.map((e) => base64urlEncode(e.bytes)),
  }
  const response = await fetchImpl(`${issuer.url}${HANDLE_WELL_KNOWN_PATH}/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string }
    throw new HoldallApiError(response.status, problem.code ?? 'error', problem.detail ?? 'the handle was refused')
  }
  await response.body?.cancel()
  return record
}
