import { join } from 'node:path'
import { HolderClient, RecoveringDevice, type TrustedOrganisation } from '@holdall/client'
import {
  base64urlEncode,
  createDeviceChainGenesis,
  deriveRecoveryMember,
  deriveVaultKeyCheck,
  generateDeviceKeys,
  generateVaultRootKey,
  nextDeviceChainEntry,
  splitRecoveryShares,
  verifyDeviceChain,
  wrapRecoveryShare,
} from '@holdall/crypto'
import { RECOVERY_WAIT_MS } from '@holdall/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RecoveryEscrow } from '../../src/services/recovery-escrow.js'
import { type Host, startHost } from '../harness.js'
import { releaseWorkerShare } from '../support/key-worker.js'

/*
 * The host's operator tries to hand a recovering device a vault of its own making (spec 9.6): it
 * holds the escrow key file and the database, so it can make a VRK, its check value, a device chain
 * whose recovery member derives from it, its own "host share" and a "worker share" sealed to the
 * new device's key. Only the key worker's signature, checked against the pinned trust list, is out
 * of its reach: the device must refuse. Edits only the host's database and files.
 */

let offset = 0
const clock = () => Date.now() + offset

describe('malicious host: a forged recovery', () => {
  let host: Host
  let worker: TrustedOrganisation
  beforeAll(async () => {
    host = await startHost({}, { app: { clock } })
    worker = host.trusted.byClientId(host.orgs.probation.identity.clientId) as TrustedOrganisation
  })
  afterAll(async () => host?.close())

  it('[REC-WORKER-02][REC-SHARE-02] shares, check value and chain of the operator’s making are refused: the worker share is not signed by the organisation', async () => {
    const holder = await HolderClient.createVault(host.url)
    await holder.setUpRecovery(worker)
    const { device } = await RecoveringDevice.start(host.url, { vaultId: holder.vaultId })
    await releaseWorkerShare(host, device, worker)
    offset += RECOVERY_WAIT_MS + 1000

    // The operator's own vault key, chain and shares, for the same vault id and epoch.
    const vaultId = Buffer.from(holder.vaultId, 'base64url')
    const fake = generateVaultRootKey()
    const shares = await splitRecoveryShares(fake, vaultId, 0)
    const operatorDevice = generateDeviceKeys()
    const genesis = createDeviceChainGenesis(vaultId, {
      signingSecretKey: operatorDevice.signing.secretKey,
      agreementPublicKey: operatorDevice.agreement.publicKey,
    })
    const member = deriveRecoveryMember(fake, vaultId, 0)
    const added = nextDeviceChainEntry(
      verifyDeviceChain([genesis], { vaultId }),
      { operation: 'add', subjectSigningKey: member.signingPublicKey, subjectAgreementKey: member.agreementPublicKey },
      operatorDevice.signing.secretKey,
    )
    const escrow = RecoveryEscrow.fromFile(join(host.dataDir, 'recovery-escrow.key'))
    await host.db
      .updateTable('recovery_setups')
      .set({
        check_value: base64urlEncode(deriveVaultKeyCheck(fake, vaultId)),
        host_share_sealed: escrow.seal(shares.host, { vaultId: holder.vaultId, epoch: 0 }),
      })
      .where('vault_id', '=', holder.vaultId)
      .execute()
    await host.db.deleteFrom('device_chain_entries').where('vault_id', '=', holder.vaultId).execute()
    await host.db
      .insertInto('device_chain_entries')
      .values(
        [genesis, added].map((e, seq) => ({ vault_id: holder.vaultId, seq, entry: base64urlEncode(e), created_at: 0 })),
      )
      .execute()
    const sealedWorker = await wrapRecoveryShare(shares.worker, device.device.agreement.publicKey, {
      vaultId,
      recoveryId: Buffer.from(device.recoveryId, 'base64url'),
    })
    await host.db
      .updateTable('recoveries')
      .set({ worker_share: base64urlEncode(sealedWorker) })
      .where('id', '=', device.recoveryId)
      .execute()

    const ready = await device.status()
    expect(ready.status).toBe('ready')
    await expect(device.complete({ worker })).rejects.toMatchObject({ code: 'RECOVERY_FAILED' })
    const [row] = await host.db.selectFrom('recoveries').select('status').where('id', '=', device.recoveryId).execute()
    expect(row?.status).toBe('waiting')
  })
})
