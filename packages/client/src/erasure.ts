import { base64urlDecode as fromB64url } from '@holdall/crypto'
import {
  decodeLogEntry,
  isHoldallLogError,
  leafHash,
  parseCheckpoint,
  parseNote,
  VaultLogVerifier,
  verifyInclusion,
} from '@holdall/log'
import { type ErasureReceipt, erasureReceiptSchema, VAULT_ERASED_EVENT } from '@holdall/protocol'
import { HoldallError } from './errors.js'
import type { HolderLog } from './holder-log.js'
import type { HostConnection } from './http.js'

/**
 * What a holder's device has checked of an erasure (spec 13.5): never more than this. The host's
 * word that bytes are gone, and that services are refused, is not among it.
 */
export interface CheckedErasure {
  readonly receipt: ErasureReceipt
  /** The final log size: the tombstone is its last leaf. */
  readonly finalSize: number
}

/**
 * Closes the vault (spec 13.3): the device first verifies the host's newest checkpoint, asks for
 * the erasure from that size, and checks the receipt against the log it has followed. Throws
 * `ERASURE_UNPROVEN` if the receipt does not prove the tombstone (the wallet then says it could
 * not check the erasure, whatever the host says).
 */
export async function eraseVault(
  host: HostConnection,
  vaultId: string,
  log: HolderLog,
  accessToken: string,
): Promise<CheckedErasure> {
  const { trusted } = await log.sync()
  const answer = await host.json<unknown>({
    method: 'POST',
    path: `/vaults/${vaultId}/erasure`,
    json: { from_size: trusted.size },
    accessToken,
  })
  return checkErasureReceipt(answer, vaultId, log)
}

/**
 * Fetches the receipt of an erasure whose answer was lost (the host stopped, the phone lost its
 * connection): the vault's tokens are gone, so a DPoP proof by this device's key is the credential.
 */
export async function fetchErasureReceipt(
  host: HostConnection,
  vaultId: string,
  log: HolderLog,
): Promise<CheckedErasure> {
  const answer = await host.json<unknown>({ method: 'GET', path: `/erasures/${vaultId}` })
  return checkErasureReceipt(answer, vaultId, log)
}

/**
 * [ERA-CLI-01] A receipt counts only if: it is for this vault and from the size this device had
 * verified; its checkpoint is signed by the host log key this device trusts and consistent with
 * the device's last one (a fork raises the log alarm); and its last leaf is the tombstone.
 */
export async function checkErasureReceipt(answer: unknown, vaultId: string, log: HolderLog): Promise<CheckedErasure> {
  const unproven = (detail: string, cause?: unknown) =>
    new HoldallError('ERASURE_UNPROVEN', detail, cause === undefined ? undefined : { cause })
  const parsed = erasureReceiptSchema.safeParse(answer)
  if (!parsed.success) throw unproven('the erasure receipt is malformed')
  const receipt = parsed.data
  if (receipt.vault_id !== vaultId) throw unproven('the erasure receipt is for another vault')
  const verifier = new VaultLogVerifier(log.store, await log.trust())
  const before = await verifier.trusted()
  try {
    const { size, rootHash } = parseCheckpoint(parseNote(receipt.checkpoint).text)
    // Checked once already (the device stands at the final size): the same tree, nothing to prove between.
    const again = before !== undefined && before.size === size && size > receipt.from_size
    if (before !== undefined && !again && receipt.from_size !== before.size)
      throw unproven('the erasure receipt does not start from the checkpoint this device verified')
    await verifier.sync({
      checkpoint: receipt.checkpoint,
      consistencyProof: again ? [] : receipt.consistency.map(fromB64url),
    })
    const entry = fromB64url(receipt.tombstone)
    const decoded = decodeLogEntry(entry)
    if (decoded.type !== 'host_event' || decoded.name !== VAULT_ERASED_EVENT)
      throw unproven('the last entry of the log is not the tombstone')
    verifyInclusion(leafHash(entry), size - 1, size, receipt.inclusion.map(fromB64url), rootHash)
    return { receipt, finalSize: size }
  } catch (error) {
    if (error instanceof HoldallError) throw error
    if (isHoldallLogError(error)) throw unproven('the erasure receipt does not verify against the vault log', error)
    throw unproven('the erasure receipt does not verify', error)
  }
}
