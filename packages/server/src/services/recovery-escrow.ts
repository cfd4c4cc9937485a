import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/*
 * The host's recovery shares at rest (spec 9.4, REC-HOST-01): sealed with AES-256-GCM under a key
 * kept in a file outside the database, bound to the vault and epoch. A database dump alone gives
 * no share; the file alone gives nothing to open. The host never holds a second share of a vault
 * (the kit stays on paper, the worker's share is sealed to the organisation), so it can never
 * rebuild a vault key by itself. An HSM or KMS could replace this class behind the same methods.
 */
export class RecoveryEscrow {
  readonly #key: Buffer

  private constructor(key: Buffer) {
    this.#key = key
  }

  /** Reads the key file, or makes it (mode 0600) on first start. */
  static fromFile(path: string): RecoveryEscrow {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' })
    }
    const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url')
    if (key.length !== 32) throw new Error(`the recovery escrow key file ${path} does not hold 32 bytes`)
    return new RecoveryEscrow(key)
  }

  static defaultPath(dataDir: string): string {
    return join(dataDir, 'recovery-escrow.key')
  }

  seal(share: Uint8Array, binding: { vaultId: string; epoch: number }): string {
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce)
    cipher.setAAD(aad(binding))
    const body = Buffer.concat([cipher.update(share), cipher.final()])
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')
  }

  open(sealed: string, binding: { vaultId: string; epoch: number }): Uint8Array {
    const bytes = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12))
    decipher.setAAD(aad(binding))
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]))
  }
}

function aad(binding: { vaultId: string; epoch: number }): Buffer {
  return Buffer.from(`holdall/v1/recovery-escrow\0${binding.vaultId}\0${binding.epoch}`)
}
