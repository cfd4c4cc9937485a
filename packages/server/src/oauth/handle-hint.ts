import { HANDLE_RECORD_TYP, handleRecordSchema } from '@holdall/protocol'
import type { AppContext } from '../context.js'
import { HttpProblem } from '../errors.js'
import { checkHandleDocument } from '../rules/handle-record.js'

/**
 * [FED-HANDLE-06] A CIBA `login_hint_token` that is a handle record: the vault it names, if this
 * host holds that vault, the record says the vault lives here, and a current device of the
 * vault's chain (as stored here) signed it. Otherwise undefined, counted as a wrong guess. The
 * record is public (any resolver reads it), so a handle lets a service ask; only the holder decides.
 */
export async function vaultForHandleRecord(ctx: AppContext, jws: string): Promise<string | undefined> {
  if (jws.length > 4000) return undefined
  let claimed: { vault_id: string; handle: string }
  try {
    const [header, payload] = jws.split('.')
    if (JSON.parse(Buffer.from(header ?? '', 'base64url').toString()).typ !== HANDLE_RECORD_TYP) return undefined
    claimed = handleRecordSchema.parse(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()))
  } catch {
    return undefined
  }
  const chain = await ctx.repos.vaults.deviceChain(claimed.vault_id)
  if (chain.length === 0) return undefined
  try {
    const { record } = checkHandleDocument({ record: jws, device_chain: chain }, claimed.handle)
    return record.host_url === ctx.config.publicUrl ? record.vault_id : undefined
  } catch (error) {
    if (error instanceof HttpProblem) return undefined
    throw error
  }
}
