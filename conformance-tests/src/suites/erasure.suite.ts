import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { HolderClient, ServiceClient } from '@holdall/client'
import { generateSigningKeyPair } from '@holdall/crypto'
import { assertProblem } from '../assertions.js'
import { conformance } from '../context.js'
import { medicationList } from '../payloads.js'

const ctx = conformance()

describe('leaving: erasure (chapter 13)', () => {
  let holder: HolderClient
  let gp: ServiceClient
  let token: string
  before(async () => {
    holder = await ctx.newHolder()
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    const granted = await ctx.grantTo(holder, 'gp')
    gp = granted.service
    token = granted.accessToken
    assert.equal((await gp.records()).length, 1)
  })

  it('[ERA-HOST-01][ERA-HOST-02][ERA-LOG-01][ERA-HOST-03] ends every grant at once and tells its service vault_erased; the receipt proves the tombstone as the last leaf', async () => {
    const checked = await holder.erase()
    assert.equal(checked.receipt.vault_id, holder.vaultId)
    await assertProblem(
      await ctx.send('GET', '/grant/records', { key: ctx.org('gp').keys.signing, token }),
      'vault_erased',
    )
    await assertProblem(await ctx.send('GET', '/grant', { key: ctx.org('gp').keys.signing, token }), 'vault_erased')
    await assert.rejects(holder.listRecords(), (error: { code?: string }) => error.code === 'vault_erased')
  })

  it('[ERA-HOST-06] gives the receipt again to a proof by a former device key, and answers anyone else 404', async () => {
    assert.equal((await holder.erasureReceipt()).receipt.vault_id, holder.vaultId)
    await assertProblem(
      await ctx.send('GET', `/erasures/${holder.vaultId}`, { key: generateSigningKeyPair() }),
      'not_found',
    )
  })
})
