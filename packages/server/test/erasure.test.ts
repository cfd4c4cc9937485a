import { existsSync } from 'node:fs'
import { HolderClient, HostConnection } from '@holdall/client'
import { base64urlEncode, generateDeviceKeys } from '@holdall/crypto'
import { encodeLogEntry } from '@holdall/log'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VAULT_TABLES } from '../src/repositories/erasures.js'
import { AccessLog } from '../src/repositories/log.js'
import { VaultRepository } from '../src/repositories/vaults.js'
import { deviceAccessToken } from './attacks/support.js'
import { medicationList } from './fixtures.js'
import { type Host, startHost } from './harness.js'
import { filesUnder, fileTraces, rowTraces, tablesWithVaultId } from './support/erasure-scan.js'

/*
 * Leaving Holdall (spec chapter 13, scenario 17), on SQLite and on PostgreSQL: the holder erases
 * the vault; every grant ends at once and its service is told `vault_erased`; nothing of the vault
 * is left in any table or in the data folder; the holder's device checks the receipt against the
 * vault log, and refuses one the operator has edited.
 */
describe('goodbye: the holder erases the vault', () => {
  let host: Host
  let holder: HolderClient
  const needles: string[] = []
  const ciphertexts: Uint8Array[] = []

  beforeAll(async () => {
    host = await startHost()
    holder = await HolderClient.createVault(host.url)
    await holder.putRecord('medication_list', medicationList(), 'Medicines')
    await holder.putRecord('medication_list', medicationList(), 'Older medicines')
  }, 60_000)
  afterAll(async () => host?.close())

  it('[ERA-HOST-01][ERA-HOST-02][ERA-HOST-03][ERA-HOST-05][ERA-LOG-01][ERA-KEEP-01][ERA-CLI-01] every grant ends, services are told, nothing of the vault is left, and the receipt checks', async () => {
    const gp = host.service(host.orgs.gp)
    const { authReqId } = await gp.requestAccess({
      pairingCode: (await holder.createPairingCode()).qr,
      bindingMessage: 'Riverside 7777',
      details: [
        {
          type: 'holdall_records',
          actions: ['read'],
          record_types: ['medication_list'],
          purpose: 'Repeat prescription',
          duration_days: 14,
        },
      ],
    })
    const [request] = await holder.pendingRequests()
    const grant = await holder.approve(request as NonNullable<typeof request>, host.trust)
    await gp.waitForDecision(authReqId, { intervalMs: 50, timeoutMs: 5000 })
    const served = await gp.records()
    expect(served).toHaveLength(2)
    expect((await gp.readRecord(served[0] as NonNullable<(typeof served)[0]>, host.trusted)).payload).toEqual(
      medicationList(),
    )

    // What an auditor looks for afterwards: ids, wraps, manifests, the grant's receipt, the ciphertext.
    const device = new HostConnection(host.url, holder.deviceKeys.signing)
    const own = await holder.listRecords()
    needles.push(holder.vaultId, grant.grant_id, grant.receipt.split('.')[2] as string)
    for (const view of [...own, ...served]) {
      needles.push(view.record_id, view.ciphertext_sha256, view.wrap, view.manifest.slice(0, 200))
    }
    const token = await deviceAccessToken(holder, device)
    for (const view of own) {
      ciphertexts.push(
        await device.bytes({
          method: 'GET',
          path: `/vaults/${holder.vaultId}/blobs/${view.ciphertext_sha256}`,
          accessToken: token,
        }),
      )
    }
    expect(ciphertexts).toHaveLength(2)

    const checked = await holder.erase()
    expect(checked.receipt.vault_id).toBe(holder.vaultId)
    expect(checked.receipt.kept).toEqual(['tombstone', 'token_hashes_until_expiry'])

    // The service is told, with a stable code, on every route it has; so is the holder's device.
    await expect(gp.records()).rejects.toMatchObject({ status: 410, code: 'vault_erased' })
    await expect(gp.grant()).rejects.toMatchObject({ status: 410, code: 'vault_erased' })
    await expect(holder.listRecords()).rejects.toMatchObject({ status: 410, code: 'vault_erased' })
    // A refresh of the service's token is refused too (OAuth's own error there).
    await expect(gp.refresh()).rejects.toBeDefined()

    // Nothing of the vault in any row of any table, the tombstone's aside.
    expect(await rowTraces(host.db, host.kind, needles)).toEqual([])
    const tombstone = await host.db.selectFrom('erasures').selectAll().executeTakeFirstOrThrow()
    expect(tombstone).toMatchObject({ vault_id: holder.vaultId, state: 'erased', pending_blobs: null })
    // No envelope left in the blob store, and on SQLite no byte of ciphertext, id or wrap in any
    // file of the data folder: the database file and its WAL included (secure_delete, ERA-HOST-05).
    expect(existsSync(`${host.dataDir}/blobs`) ? filesUnder(`${host.dataDir}/blobs`) : []).toEqual([])
    if (host.kind === 'sqlite') {
      expect(
        fileTraces(host.dataDir, [
          ...needles.filter((n) => n !== holder.vaultId),
          ...ciphertexts.map((c) => c.subarray(100, 164)),
        ]),
      ).toEqual([])
    } else {
      const chunks = await host.db.selectFrom('blob_chunks').select('upload_id').execute()
      expect(chunks).toEqual([])
    }
  })

  it('[ERA-HOST-06] the receipt is given again to a proof by one of the vault devices, and to no one else', async () => {
    const again = await holder.erasureReceipt()
    expect(again.receipt.vault_id).toBe(holder.vaultId)
    const stranger = new HostConnection(host.url, generateDeviceKeys().signing)
    await expect(stranger.json({ method: 'GET', path: `/erasures/${holder.vaultId}` })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    })
  })

  it('[ERA-CLI-01] the operator edits the stored receipt: the device refuses it', async () => {
    const row = await host.db.selectFrom('erasures').select('receipt').executeTakeFirstOrThrow()
    const receipt = JSON.parse(row.receipt as string) as { inclusion: string[]; tombstone: string; checkpoint: string }
    const edits = [
      // Another entry passed off as the tombstone.
      {
        ...receipt,
        tombstone: base64urlEncode(encodeLogEntry({ type: 'host_event', at: 0, name: 'vault_created' })),
      },
      // A proof that the tombstone is not the last leaf.
      { ...receipt, inclusion: [...receipt.inclusion, 'A'.repeat(43)] },
      // A checkpoint the host's log key did not sign as it is (a larger tree claimed).
      { ...receipt, checkpoint: receipt.checkpoint.replace(/\n(\d+)\n/, (_m, n) => `\n${Number(n) + 1}\n`) },
    ]
    for (const edited of edits) {
      await host.db
        .updateTable('erasures')
        .set({ receipt: JSON.stringify(edited) })
        .where('vault_id', '=', holder.vaultId)
        .execute()
      await expect(holder.erasureReceipt()).rejects.toMatchObject({ code: 'ERASURE_UNPROVEN' })
    }
    await host.db.updateTable('erasures').set({ receipt: row.receipt }).where('vault_id', '=', holder.vaultId).execute()
    expect((await holder.erasureReceipt()).receipt.vault_id).toBe(holder.vaultId)
  })

  it('[ERA-HOST-07] an erased vault id is never taken again', async () => {
    const vaults = new VaultRepository(host.db, new AccessLog(host.db, Date.now), Date.now)
    await expect(
      vaults.create({ vault_id: holder.vaultId } as never, 'device', () => {
        throw new Error('not reached')
      }),
    ).rejects.toMatchObject({ code: 'vault_erased' })
  })

  it('every table with a vault_id column is one an erasure empties', async () => {
    const withVault = await tablesWithVaultId(host.db, host.kind)
    expect(withVault.filter((t) => t !== 'erasures' && !(VAULT_TABLES as readonly string[]).includes(t))).toEqual([])
  })
})
