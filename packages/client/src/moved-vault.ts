import { isHoldallCryptoError, verifyMoveStatement } from '@holdall/crypto'
import {
  MOVE_COMMIT_TYP,
  MOVED_TO_HEADER,
  type MoveCommitClaims,
  moveCommitClaimsSchema,
  tombstoneSchema,
} from '@holdall/protocol'
import { HoldallApiError, HoldallError } from './errors.js'
import { checkHolderChain, type HolderPinStore } from './holder-chain.js'

/*
 * A `vault_moved` answer (spec 12.6), as a client checks it before it follows: the tombstone must
 * be a commit signed by a device of the chain this client verified from the root it pinned at
 * pairing ([MIG-STMT-03]), for a move away from the host that answered, and the redirect header
 * must name the same host ([MIG-REDIR-02]). The host's own word (header, `moved_to`) picks nothing.
 */

/** Where a checked tombstone says the vault now lives. */
export interface CheckedMove {
  readonly vaultId: string
  readonly to: string
  readonly claims: MoveCommitClaims
}

const trim = (url: string) => url.replace(/\/+$/, '')

/** Whether an error is a host's `vault_moved` answer. */
export function isVaultMoved(error: unknown): error is HoldallApiError {
  return error instanceof HoldallApiError && error.code === 'vault_moved'
}

/**
 * Checks a `vault_moved` answer from the host at `answeredBy` against this client's pins. With
 * `vaultId`, the tombstone must be that vault's. Throws HoldallError MOVE_REDIRECT_FORGED (and the
 * chain's own codes, e.g. HOLDER_ROOT_CHANGED) when anything fails; nothing is pinned then.
 */
export async function checkVaultMoved(
  error: HoldallApiError,
  options: { answeredBy: string; pins: HolderPinStore; vaultId?: string | undefined },
): Promise<CheckedMove> {
  const forged = (why: string, cause?: unknown) =>
    new HoldallError('MOVE_REDIRECT_FORGED', `refused to follow the move: ${why}`, { cause })
  const parsed = tombstoneSchema.safeParse(
    Object.fromEntries(Object.entries(error.body).filter(([k]) => k in tombstoneSchema.shape)),
  )
  if (!parsed.success) throw forged('the answer carries no tombstone')
  const document = parsed.data
  if (options.vaultId !== undefined && document.vault_id !== options.vaultId)
    throw forged('the tombstone is for another vault')
  if ((await options.pins.get(document.vault_id)) === undefined)
    throw forged('this client never paired with this holder, so it cannot check the tombstone')
  const chain = await checkHolderChain({
    vaultId: document.vault_id,
    entries: document.device_chain,
    pins: options.pins,
  })
  let claims: MoveCommitClaims
  try {
    claims = moveCommitClaimsSchema.parse(verifyMoveStatement(MOVE_COMMIT_TYP, document.tombstone, chain).claims)
  } catch (cause) {
    if (isHoldallCryptoError(cause) || cause instanceof Error)
      throw forged('the tombstone is not signed by the holder', cause)
    throw cause
  }
  if (trim(claims.from) !== trim(options.answeredBy)) throw forged('the tombstone is for a move from another host')
  if (trim(claims.to) === trim(options.answeredBy)) throw forged('the tombstone points back at the same host')
  const header = error.headers?.get(MOVED_TO_HEADER)
  if (header !== null && header !== undefined && trim(header) !== trim(claims.to))
    throw forged('the redirect names another host than the holder signed')
  if (trim(document.moved_to) !== trim(claims.to))
    throw forged('the redirect names another host than the holder signed')
  return { vaultId: document.vault_id, to: trim(claims.to), claims }
}

/** The holder's own device reached a host its vault left: `movedTo` is where the holder signed it went. */
export class VaultMovedError extends HoldallError {
  constructor(readonly movedTo: string) {
    super('VAULT_MOVED', `this vault now lives at ${movedTo}`)
  }
}
