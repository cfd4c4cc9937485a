import { HolderClient } from '@holdall/client'
import { generateSigningKeyPair } from '@holdall/crypto'
import type { MovePackage, MoveStatus } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { licenceConditions } from '../fixtures.js'
import { type Host, startHost } from '../harness.js'
import { deviceToken, MoveSteps } from './move-steps.js'
import { type MoveWorld, vaultWithLiveGrant } from './scenario.js'

/*
 * Bad input and errors of a move (issue 18; spec 12.2-12.4): forged statements, broken
 * packages, replays, commits for another log, and each state's refusals, with stable codes.
 */
describe('moving a vault: refusals', () => {
  let a: Host
  let b: Host
  beforeAll(async () => {
    ;[a, b] = await Promise.all([startHost(), startHost()])
  }, 60_000)
  afterAll(async () => Promise.all([a?.close(), b?.close()]))

  const world = () =>
    vaultWithLiveGrant({
      url: a.url,
      gp: a.orgs.gp.identity,
      issuer: a.orgs.prisonHealthcare.identity,
      trust: a.trust,
      trusted: a.trusted,
    })
  const code = async (response: Response) => ({
    status: response.status,
    code: ((await response.json()) as { code?: string }).code,
  })

  /** A world frozen at A with its package in hand. */
  async function frozen(): Promise<{ w: MoveWorld; steps: MoveSteps; status: MoveStatus; pkg: MovePackage }> {
    const w = await world()
    const steps = new MoveSteps(w.holder, a.url, b.url)
    await steps.sign()
    const response = await steps.freeze()
    expect(response.status).toBe(200)
    const status = (await response.json()) as MoveStatus
    return { w, steps, status, pkg: await steps.package() }
  }

  it('[MIG-STMT-01] a move statement not signed by a device of the vault, or naming other hosts, is refused', async () => {
    const w = await world()
    const steps = new MoveSteps(w.holder, a.url, b.url)
    await steps.sign({}, generateSigningKeyPair().secretKey)
    expect(await code(await steps.freeze())).toEqual({ status: 422, code: 'signature_invalid' })
    await steps.sign({ from: 'https://elsewhere.example' })
    expect(await code(await steps.freeze())).toEqual({ status: 422, code: 'signature_invalid' })
    await steps.sign({ chain_head: 'A'.repeat(43) })
    expect(await code(await steps.freeze())).toEqual({ status: 422, code: 'signature_invalid' })
    // The vault is still live: the holder writes.
    await w.holder.putRecord('licence_conditions', licenceConditions(), 'Still here')
  })

  it('[MIG-STATE-01][MIG-STATE-03] a frozen vault refuses writes and grantees; the same freeze twice answers the same; abort makes it live again', async () => {
    const { w, steps, status } = await frozen()
    const again = await steps.freeze()
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(status)
    const write = await w.holder.putRecord('licence_conditions', licenceConditions(), 'x').catch((e: unknown) => e)
    expect(write).toMatchObject({ status: 409, code: 'vault_moving' })
    const read = await w.gp.records().catch((e: unknown) => e)
    expect(read).toMatchObject({ status: 409, code: 'vault_moving' })
    expect((await w.holder.listRecords()).length).toBe(2)
    expect((await steps.abort()).status).toBe(204)
    await w.holder.putRecord('licence_conditions', licenceConditions(), 'Live again')
    expect((await w.gp.records()).length).toBe(1)
    expect((await w.holder.log()).map((e) => e.event)).toEqual(expect.arrayContaining(['vault_moved', 'move_aborted']))
  })

  it('[MIG-PKG-01] a package with a broken log, a broken device chain, a foreign token, or no vault_moved at its end is refused', async () => {
    const { steps, pkg } = await frozen()
    const broken: Array<[string, MovePackage]> = [
      ['log', { ...pkg, log: pkg.log.map((r, i) => (i === 1 ? { ...r, details: '{"x":1}' } : r)) }],
      ['entry', { ...pkg, log: pkg.log.map((r, i) => (i === 0 ? { ...r, at: r.at + 1 } : r)) }],
      ['end', { ...pkg, log: pkg.log.slice(0, -1) }],
      [
        'chain',
        { ...pkg, device_chain: pkg.device_chain.map((e, i) => (i === 0 ? `${e.slice(0, 10)}A${e.slice(11)}` : e)) },
      ],
      [
        'token',
        {
          ...pkg,
          tokens: [
            ...pkg.tokens,
            { ...(pkg.tokens[0] as MovePackage['tokens'][0]), grant_id: 'AAAAAAAAAAAAAAAAAAAAAA' },
          ],
        },
      ],
      [
        'version',
        { ...pkg, versions: pkg.versions.map((v) => ({ ...v, ciphertext_length: v.ciphertext_length + 1 })) },
      ],
    ]
    for (const [what, p] of broken) {
      const answer = await code(await steps.importAt(p))
      expect({ what, ...answer }).toEqual({ what, status: 422, code: what === 'chain' ? answer.code : 'move_invalid' })
      if (what === 'chain') expect(['move_invalid', 'invalid_request']).toContain(answer.code)
    }
    // A statement for another host than B is refused by B.
    await steps.sign({ to: 'https://elsewhere.example' })
    expect(await code(await steps.importAt(pkg))).toEqual({ status: 422, code: 'signature_invalid' })
  })

  it('[MIG-PKG-03][MIG-STATE-02][MIG-STATE-04] envelopes must match; a commit before they arrive, or for another log, is refused; an import is served to nobody', async () => {
    const { w, steps, status, pkg } = await frozen()
    const imported = await steps.importAt(pkg)
    expect(imported.status).toBe(200)
    const missing = ((await imported.json()) as MoveStatus).missing_blobs ?? []
    expect(missing.length).toBe(pkg.blobs.length)
    const first = pkg.blobs[0] as MovePackage['blobs'][0]
    const wrong = await steps.b.send({
      method: 'PUT',
      path: `/moves/${steps.moveId}/blobs/${first.sha256}`,
      body: new Uint8Array(first.length),
    })
    expect(await code(wrong)).toEqual({ status: 422, code: 'envelope_invalid' })
    const commit = await steps.commit(status)
    expect(await code(await steps.commitAtB(commit))).toEqual({ status: 409, code: 'move_incomplete' })
    // The holder signs in at B (its devices came over), but nothing of an import is served yet.
    const token = await deviceToken(steps.b, w.holder)
    const early = await steps.b.send({ method: 'GET', path: `/vaults/${w.holder.vaultId}`, accessToken: token })
    expect(await code(early)).toEqual({ status: 409, code: 'vault_moving' })
    await steps.envelopes(missing)
    const wrongRoot = await steps.commit(status, { log_root: 'A'.repeat(43) })
    expect(await code(await steps.commitAtA(wrongRoot))).toEqual({ status: 409, code: 'move_incomplete' })
    expect(await code(await steps.commitAtB(wrongRoot))).toEqual({ status: 409, code: 'move_incomplete' })
    expect((await steps.commitAtA(commit)).status).toBe(200)
    expect((await steps.commitAtB(commit)).status).toBe(200)
    // [MIG-STATE-03] the same commit again: the same answer at both hosts.
    expect((await steps.commitAtB(commit)).status).toBe(200)
    expect((await steps.commitAtA(commit)).status).toBe(200)
    const live = await steps.b.send({ method: 'GET', path: `/vaults/${w.holder.vaultId}`, accessToken: token })
    expect(live.status).toBe(200)
  })

  it('[MIG-PKG-02] a replayed move (the same statement and package again, once live) is refused', async () => {
    const { steps, status, pkg } = await frozen()
    const imported = (await (await steps.importAt(pkg)).json()) as MoveStatus
    await steps.envelopes(imported.missing_blobs ?? [])
    const commit = await steps.commit(status)
    expect((await steps.commitAtA(commit)).status).toBe(200)
    expect((await steps.commitAtB(commit)).status).toBe(200)
    expect(await code(await steps.importAt(pkg))).toEqual({ status: 409, code: 'move_replayed' })
    // A new move id signed by the holder's device, with the old package: its log ends with another move.
    const head = JSON.parse(Buffer.from(steps.statement.split('.')[1] ?? '', 'base64url').toString('utf8'))
    await steps.sign({ chain_seq: head.chain_seq, chain_head: head.chain_head })
    expect(await code(await steps.importAt(pkg))).toEqual({ status: 422, code: 'move_invalid' })
  })

  it('[ERA-HOST-07][MIG-PKG-02] a vault erased after it moved is not brought back by its old package, replayed', async () => {
    const { w, steps, status, pkg } = await frozen()
    const imported = (await (await steps.importAt(pkg)).json()) as MoveStatus
    await steps.envelopes(imported.missing_blobs ?? [])
    const commit = await steps.commit(status)
    expect((await steps.commitAtA(commit)).status).toBe(200)
    expect((await steps.commitAtB(commit)).status).toBe(200)
    const atB = await HolderClient.open(b.url, w.holder.deviceKeys, w.holder.vaultId)
    await atB.erase()
    expect(await code(await steps.importAt(pkg))).toEqual({ status: 410, code: 'vault_erased' })
    expect(
      await b.db.selectFrom('records').select('record_id').where('vault_id', '=', w.holder.vaultId).execute(),
    ).toEqual([])
  })
})
