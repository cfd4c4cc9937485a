import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  type DeviceChainEntry,
  isHoldallCryptoError,
  verifyDeviceChain,
} from '@holdall/crypto'
import { type RecoverySetup, type WorkerReleaseClaims, workerReleaseClaimsSchema } from '@holdall/protocol'
import { compactVerify, importJWK } from 'jose'
import { HttpProblem } from '../errors.js'

/*
 * What the host checks in recovery (spec 9.4-9.6). The host never opens a share it could combine:
 * it checks signatures, ids and counts, and keeps what it cannot read.
 */

/** Setting recovery up: the entry adds the setup's recovery member, signed by the calling device. */
export function checkMemberAddition(
  vaultId: string,
  existing: readonly string[],
  entry: string,
  setup: RecoverySetup,
  signerSigningJwk: string,
): { seq: number; entry: string } {
  let added: DeviceChainEntry
  try {
    const chain = verifyDeviceChain([...existing, entry].map(base64urlDecode), { vaultId: base64urlDecode(vaultId) })
    added = chain.entries[chain.entries.length - 1] as DeviceChainEntry
  } catch (error) {
    if (!isHoldallCryptoError(error)) throw error
    throw new HttpProblem(
      'signature_invalid',
      `the device chain entry does not extend the vault's chain (${error.code})`,
    )
  }
  const signer = base64urlDecode((JSON.parse(signerSigningJwk) as { x: string }).x)
  const ok =
    added.operation === 'add' &&
    constantTimeEqual(added.subjectSigningKey, base64urlDecode(setup.member_signing_key.x)) &&
    constantTimeEqual(added.signerKey, signer)
  if (!ok)
    throw new HttpProblem('signature_invalid', 'the entry does not add the recovery member, signed by this device')
  return { seq: added.seq, entry: base64urlEncode(added.bytes) }
}

/**
 * The key worker's release: a JWS (typ `recovery-release+jwt`) by the organisation's listed signing
 * key, naming this recovery, its vault and its device, approved by two different staff (REC-WORKER-01).
 */
export async function checkWorkerRelease(
  release: string,
  organisationSigningKey: string,
  recovery: { id: string; vault_id: string; device_id: string; status: string },
  workerClientId: string,
): Promise<WorkerReleaseClaims> {
  let claims: WorkerReleaseClaims
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: organisationSigningKey }, 'EdDSA')
    const { payload, protectedHeader } = await compactVerify(release, key, { algorithms: ['EdDSA', 'Ed25519'] })
    if (protectedHeader.typ !== 'recovery-release+jwt') throw new Error('typ')
    claims = workerReleaseClaimsSchema.parse(JSON.parse(new TextDecoder().decode(payload)))
  } catch {
    throw new HttpProblem('signature_invalid', 'the release is not signed by the key worker organisation')
  }
  if (
    claims.iss !== workerClientId ||
    claims.recovery_id !== recovery.id ||
    claims.vault_id !== recovery.vault_id ||
    claims.device_id !== recovery.device_id
  )
    throw new HttpProblem('forbidden', 'the release is for another recovery, vault or device')
  if (recovery.status !== 'waiting') throw new HttpProblem('conflict', 'the recovery was cancelled or completed')
  return claims
}
