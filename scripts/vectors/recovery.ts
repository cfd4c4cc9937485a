/**
 * Vectors for devices and recovery (spec chapter 9): the share format and the Shamir shares of a
 * fixed VRK, the kit code and proof, the recovery member, a sealed share, and the device chain
 * entries of a removal, a rotation and a recovery. Shamir's split and HPKE draw random bytes from
 * crypto.getRandomValues; here that is replaced, while they run, by bytes derived from a label.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'
import {
  createDeviceChainGenesis,
  nextDeviceChainEntry,
  verifyDeviceChain,
} from '../../packages/crypto/src/device-chain.js'
import { deriveVaultKeyCheck } from '../../packages/crypto/src/key-hierarchy.js'
import { agreementPublicKey, signingPublicKey } from '../../packages/crypto/src/keys.js'
import {
  deriveRecoveryMember,
  formatRecoveryKitCode,
  recoveryKitProof,
  splitRecoveryShares,
  wrapRecoveryShare,
} from '../../packages/crypto/src/recovery.js'
import { fixed, hex, type VectorWriter } from './support.js'

async function withFixedRandom<T>(label: string, work: () => Promise<T>): Promise<T> {
  const original = crypto.getRandomValues.bind(crypto)
  let counter = 0
  // On Node, shamir-secret-sharing draws from node:crypto's randomBytes: replaced the same way.
  const nodeCrypto = createRequire(import.meta.url)('node:crypto') as { randomBytes: (n: number) => Buffer }
  const originalRandomBytes = nodeCrypto.randomBytes
  nodeCrypto.randomBytes = (n: number) => Buffer.from(fixed(`${label} ${counter++}`, n).buffer)
  syncBuiltinESMExports()
  crypto.getRandomValues = (<A extends ArrayBufferView | null>(array: A): A => {
    if (array !== null) {
      const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
      view.set(fixed(`${label} ${counter++}`, view.length))
    }
    return array
  }) as typeof crypto.getRandomValues
  try {
    return await work()
  } finally {
    crypto.getRandomValues = original
    nodeCrypto.randomBytes = originalRandomBytes
    syncBuiltinESMExports()
  }
}

export async function writeRecoveryVectors(write: VectorWriter): Promise<void> {
  const vaultId = fixed('recovery vault id', 16)
  const vrk = fixed('recovery vrk')
  const epoch = 1
  const shares = await withFixedRandom('recovery split', () => splitRecoveryShares(vrk, vaultId, epoch))
  const damaged = shares.worker.slice()
  damaged[30] = (damaged[30] as number) ^ 0x01
  const otherVault = await withFixedRandom('recovery other split', () =>
    splitRecoveryShares(fixed('recovery other vrk'), fixed('recovery other vault', 16), epoch),
  )
  const deviceSecret = fixed('recovery new device x25519')
  const recoveryId = fixed('recovery id', 16)
  const sealed = await withFixedRandom('recovery seal', () =>
    wrapRecoveryShare(shares.host, agreementPublicKey(deviceSecret), { vaultId, recoveryId }),
  )
  const code = formatRecoveryKitCode(shares.kit)
  // One symbol of group 6 mistyped: its own group's check fails.
  const mistyped = code.replace(/^((?:\S+ ){5})(.)/, (_, before: string, c: string) => before + (c === 'A' ? 'B' : 'A'))

  // The device chain: A adds itself, A adds B and the recovery member of epoch 0; A removes B,
  // removes member 0 and adds member 1 (a rotation); member 1 adds N, N removes A and member 1 and
  // adds member 2 (a completed recovery).
  const device = (name: string) => {
    const seed = fixed(`recovery chain ${name} ed25519`)
    return {
      name,
      seed,
      signing: signingPublicKey(seed),
      agreement: agreementPublicKey(fixed(`recovery chain ${name} x25519`)),
    }
  }
  const a = device('A')
  const b = device('B')
  const n = device('N')
  const vrks = [fixed('recovery chain vrk 0'), fixed('recovery chain vrk 1'), fixed('recovery chain vrk 2')]
  const members = vrks.map((k, e) => deriveRecoveryMember(k, vaultId, e))
  const entries: Uint8Array[] = [
    createDeviceChainGenesis(vaultId, { signingSecretKey: a.seed, agreementPublicKey: a.agreement }),
  ]
  const steps = ['A adds itself (root)']
  const add = (
    step: string,
    change: { operation: 'add' | 'remove'; subjectSigningKey: Uint8Array; subjectAgreementKey?: Uint8Array },
    signer: Uint8Array,
  ) => {
    const chain = verifyDeviceChain(entries, { vaultId })
    entries.push(nextDeviceChainEntry(chain, change, signer))
    steps.push(step)
  }
  const member = (m: (typeof members)[number]) => ({
    subjectSigningKey: m.signingPublicKey,
    subjectAgreementKey: m.agreementPublicKey,
  })
  add('A adds B', { operation: 'add', subjectSigningKey: b.signing, subjectAgreementKey: b.agreement }, a.seed)
  add('A adds recovery member 0', { operation: 'add', ...member(members[0] as (typeof members)[number]) }, a.seed)
  add('rotation: A removes B', { operation: 'remove', subjectSigningKey: b.signing }, a.seed)
  add(
    'rotation: A removes member 0',
    { operation: 'remove', subjectSigningKey: members[0]?.signingPublicKey as Uint8Array },
    a.seed,
  )
  add('rotation: A adds member 1', { operation: 'add', ...member(members[1] as (typeof members)[number]) }, a.seed)
  add(
    'recovery: member 1 adds N',
    { operation: 'add', subjectSigningKey: n.signing, subjectAgreementKey: n.agreement },
    members[1]?.signingSecretKey as Uint8Array,
  )
  add('recovery: N removes A', { operation: 'remove', subjectSigningKey: a.signing }, n.seed)
  add(
    'recovery: N removes member 1',
    { operation: 'remove', subjectSigningKey: members[1]?.signingPublicKey as Uint8Array },
    n.seed,
  )
  add('recovery: N adds member 2', { operation: 'add', ...member(members[2] as (typeof members)[number]) }, n.seed)
  const chain = verifyDeviceChain(entries, { vaultId })

  write('recovery.json', {
    description:
      'Holdall recovery (spec chapter 9). Share (55) = u8 format 1 ‖ u8 holder (1 kit, 2 worker, 3 host) ‖ vault_id ‖ u32 epoch ‖ Shamir share (33, shamir-secret-sharing over GF(2^8)). check = HKDF(VRK, "holdall/v1/vrk-check" ‖ vault_id). Kit code: share ‖ SHA-256(share)[0..2] in Crockford base32, 23 groups of four symbols each followed by its check symbol g ⊕ Σ α^(i+1)·d_i in GF(2^5) (x^5+x^2+1, α = x, g the group index from 0). Kit proof = SHA-256("holdall/v1/recovery/kit-proof" 0x00 share). Recovery member = HKDF(VRK, "holdall/v1/recovery/member" ‖ vault_id ‖ u32 epoch, 64): Ed25519 seed ‖ X25519 secret. Sealed share = HPKE Base to an X25519 key, info "holdall/v1/wrap/recovery-share", aad vault_id ‖ recovery_id. Hex throughout.',
    vaultId: hex(vaultId),
    epoch,
    vaultRootKey: hex(vrk),
    check: hex(deriveVaultKeyCheck(vrk, vaultId)),
    shares: { kit: hex(shares.kit), worker: hex(shares.worker), host: hex(shares.host) },
    kitCode: code,
    kitProof: hex(recoveryKitProof(shares.kit)),
    recoveryMember: {
      epoch,
      signingKey: hex(deriveRecoveryMember(vrk, vaultId, epoch).signingPublicKey),
      agreementKey: hex(deriveRecoveryMember(vrk, vaultId, epoch).agreementPublicKey),
    },
    sealedShare: {
      recipientSecretKey: hex(deviceSecret),
      recoveryId: hex(recoveryId),
      sealed: hex(sealed),
      share: 'host',
    },
    invalid: [
      {
        name: 'worker share with one bit flipped: no pair with it matches the check',
        shares: [hex(shares.kit), hex(damaged)],
        error: 'RECOVERY_FAILED',
      },
      {
        name: 'a share of another vault',
        shares: [hex(shares.kit), hex(otherVault.host)],
        error: 'RECOVERY_SHARE_INVALID',
      },
      { name: 'the same holder twice', shares: [hex(shares.kit), hex(shares.kit)], error: 'RECOVERY_SHARE_INVALID' },
      { name: 'one share only', shares: [hex(shares.kit)], error: 'RECOVERY_FAILED' },
    ],
    mistypedKitCode: { code: mistyped, error: 'RECOVERY_SHARE_INVALID', wrongGroups: [6] },
    deviceChain: {
      devices: [a, b, n].map((d) => ({
        name: d.name,
        seed: hex(d.seed),
        signingKey: hex(d.signing),
        agreementKey: hex(d.agreement),
      })),
      vaultRootKeys: vrks.map(hex),
      steps,
      entries: entries.map(hex),
      root: hex(chain.root),
      members: chain.members.map((m) => hex(m.signingKey)),
    },
  })
}
