import { HoldallError, MemoryMoveStore } from '@holdall/client'
import { generateSigningKeyPair, signMoveStatement } from '@holdall/crypto'
import { MOVE_COMMIT_TYP, MOVED_TO_HEADER } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CANARY, medicationList } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { gpReadsMedicines, vaultWithLiveGrant } from '../migration/scenario.js'

/*
 * Issue 18, migration: host A's operator tries to send a vault's services to a host of its choice
 * (its own, to harvest tokens and DPoP proofs, or to serve stale data). It edits its own database
 * and its own answers; the service and issuer SDKs follow a move only on a tombstone the holder
 * signed under the chain they pinned, and never contact the host a forged redirect names.
 */
describe('malicious host: a forged tombstone or redirect', () => {
  let a: Host
  let b: Host
  const operatorHost = 'http://127.0.0.1:9'
  beforeAll(async () => {
    ;[a, b] = await Promise.all([startHost(), startHost()])
  }, 60_000)
  afterAll(async () => Promise.all([a?.close(), b?.close()]))

  /** A GP and an issuer whose requests are recorded: nothing may reach the operator's host. */
  async function world() {
    const calls: string[] = []
    const operator: { answer?: (url: string) => Response | undefined } = {}
    const serviceFetch: typeof fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      calls.push(url)
      return operator.answer?.(url) ?? fetch(input, init)
    }
    const w = await vaultWithLiveGrant({
      url: a.url,
      gp: a.orgs.gp.identity,
      issuer: a.orgs.prisonHealthcare.identity,
      trust: a.trust,
      trusted: a.trusted,
      serviceFetch,
    })
    return { ...w, calls, operator, toOperator: () => calls.filter((c) => c.startsWith(operatorHost)) }
  }

  /** The operator marks the vault tombstoned in A's own database, with a commit of its making. */
  async function tombstoneByOperator(vaultId: string, commit: string, to = operatorHost) {
    await a.db
      .insertInto('vault_moves')
      .values({
        vault_id: vaultId,
        move_id: 'AAAAAAAAAAAAAAAAAAAAAA',
        role: 'export',
        state: 'tombstoned',
        statement: commit,
        other_host: to,
        log_size: 1,
        log_root: 'x',
        package_sha256: null,
        commit_jws: commit,
        kept_until: Date.now() + 86_400_000,
        created_at: Date.now(),
      })
      .execute()
  }

  const commitClaims = (vaultId: string, to: string) => ({
    vault: vaultId,
    move: 'AAAAAAAAAAAAAAAAAAAAAA',
    from: a.url,
    to,
    chain_seq: 0,
    chain_head: 'A'.repeat(43),
    statement: 'A'.repeat(43),
    log_size: 1,
    log_root: 'A'.repeat(43),
  })

  it('[MIG-STMT-03][MIG-REDIR-03] a tombstone the operator signed (naming the holder device as signer) is refused; nothing goes to its host', async () => {
    const w = await world()
    const operator = generateSigningKeyPair()
    const forged = signMoveStatement(MOVE_COMMIT_TYP, commitClaims(w.holder.vaultId, operatorHost), operator.secretKey)
    // It names the holder's device as signer, as a forger would.
    const [, payload, signature] = forged.split('.')
    const header = Buffer.from(JSON.stringify({ typ: MOVE_COMMIT_TYP, alg: 'EdDSA', kid: w.holder.deviceId })).toString(
      'base64url',
    )
    await tombstoneByOperator(w.holder.vaultId, `${header}.${payload}.${signature}`)
    const gpRead = await w.gp.records().catch((e: unknown) => e)
    expect(gpRead).toBeInstanceOf(HoldallError)
    expect(gpRead).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    const deposit = await w.issuer.deposit('medication_list', medicationList(), 'x').catch((e: unknown) => e)
    expect(deposit).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    expect(w.toOperator()).toEqual([])
    // Still pointed at A: nothing was re-pointed by the forgery.
    expect(w.calls.at(-1)?.startsWith(a.url)).toBe(true)
  })

  it('[MIG-REDIR-02] after a real move, the operator rewrites where A points (its database and header): refused, nothing sent there', async () => {
    const w = await world()
    await w.holder.moveTo(b.url, { store: new MemoryMoveStore() })
    await a.db
      .updateTable('vault_moves')
      .set({ other_host: operatorHost })
      .where('vault_id', '=', w.holder.vaultId)
      .execute()
    const refused = await w.gp.records().catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    expect(w.toOperator()).toEqual([])
    // The honest tombstone, restored, is followed to B: the GP reads there with no new approval.
    await a.db.updateTable('vault_moves').set({ other_host: b.url }).where('vault_id', '=', w.holder.vaultId).execute()
    expect(await gpReadsMedicines(w, a.trusted)).toBe(CANARY.medicine)
    expect(w.calls.at(-1)?.startsWith(b.url)).toBe(true)
  })

  it('[MIG-REDIR-03] an unsigned redirect (a 410 vault_moved with only a header) is refused', async () => {
    const w = await world()
    // The operator answers the GP's reads itself: 410 vault_moved, a header, no tombstone.
    w.operator.answer = (url) =>
      url.startsWith(a.url) && new URL(url).pathname.startsWith('/grant')
        ? new Response(JSON.stringify({ type: 'x', title: 'moved', status: 410, code: 'vault_moved' }), {
            status: 410,
            headers: { 'content-type': 'application/problem+json', [MOVED_TO_HEADER]: operatorHost },
          })
        : undefined
    const gp = w.gp
    const refused = await gp.grant().catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    expect(w.toOperator()).toEqual([])
  })

  it('[MIG-STMT-03] a genuine tombstone of another vault of the same service is refused', async () => {
    const first = await world()
    const second = await world()
    await first.holder.moveTo(b.url)
    // The operator serves the first vault's tombstone for the second vault.
    const genuine = await a.db
      .selectFrom('vault_moves')
      .selectAll()
      .where('vault_id', '=', first.holder.vaultId)
      .executeTakeFirstOrThrow()
    await tombstoneByOperator(second.holder.vaultId, genuine.commit_jws as string, b.url)
    const refused = await second.gp.records().catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'MOVE_REDIRECT_FORGED' })
    expect(second.toOperator()).toEqual([])
  })
})
