import type { HolderClient, HolderTrust, ServiceClient } from '@holdall/client'
import {
  base64urlDecode,
  base64urlEncode,
  createDeviceChainGenesis,
  type DeviceKeys,
  generateDeviceKeys,
  keyThumbprint,
  signCompactJws,
  signDeviceChainEntry,
  signInboxKeyStatement,
  toPublicJwk,
  verifyDeviceChain,
} from '@holdall/crypto'
import type { RecordType } from '@holdall/protocol'
import type { Host } from '../harness.js'

/*
 * The host's operator, as the malicious-host tests play it: it edits the host's own database
 * (rows and columns the host stores), and holds no key of the holder's. Everything here goes
 * through the test's own database connection, never through the API.
 */

export class Operator {
  readonly keys: DeviceKeys = generateDeviceKeys()
  constructor(readonly host: Host) {}

  get keyId(): string {
    return base64urlEncode(keyThumbprint(this.keys.signing.publicKey, 'Ed25519'))
  }

  /** Adds a devices row for the operator's own key, as if a device had enrolled. */
  async addDeviceRow(vaultId: string): Promise<void> {
    await this.host.db
      .insertInto('devices')
      .values({
        id: this.keyId,
        vault_id: vaultId,
        signing_jwk: JSON.stringify(toPublicJwk(this.keys.signing.publicKey, 'Ed25519')),
        agreement_jwk: JSON.stringify(toPublicJwk(this.keys.agreement.publicKey, 'X25519')),
        vrk_wrap: base64urlEncode(new Uint8Array(80)),
        wrap_epoch: 0,
        enrolled_by: null,
        wrap_statement: null,
        status: 'active',
        created_at: Date.now(),
      })
      .execute()
  }

  /** The chain as the host stores it. */
  async chain(vaultId: string): Promise<string[]> {
    const rows = await this.host.db
      .selectFrom('device_chain_entries')
      .select(['entry'])
      .where('vault_id', '=', vaultId)
      .orderBy('seq', 'asc')
      .execute()
    return rows.map((r) => r.entry)
  }

  /** Replaces the stored chain with `entries`, served in this order. */
  async writeChain(vaultId: string, entries: readonly (string | Uint8Array)[]): Promise<void> {
    await this.host.db.deleteFrom('device_chain_entries').where('vault_id', '=', vaultId).execute()
    for (const [seq, entry] of entries.entries()) {
      await this.host.db
        .insertInto('device_chain_entries')
        .values({
          vault_id: vaultId,
          seq,
          entry: typeof entry === 'string' ? entry : base64urlEncode(entry),
          created_at: Date.now(),
        })
        .execute()
    }
  }

  /** Appends an entry adding the operator's device, signed by `signerSecretKey` (its own by default). */
  async appendOwnDevice(vaultId: string, signerSecretKey: Uint8Array = this.keys.signing.secretKey): Promise<void> {
    const entries = await this.chain(vaultId)
    // Linked to the real head, so only the signer is wrong.
    const head = headOf(entries, vaultId)
    const entry = signDeviceChainEntry(
      {
        vaultId: base64urlDecode(vaultId),
        seq: head.seq + 1,
        previousHash: head.hash,
        operation: 'add',
        subjectSigningKey: this.keys.signing.publicKey,
        subjectAgreementKey: this.keys.agreement.publicKey,
      },
      signerSecretKey,
    )
    await this.writeChain(vaultId, [...entries, entry])
  }

  /**
   * A whole new chain with the operator's key as the root, which then adds the holder's real
   * device (the operator is a member of its own chain, so it can sign that).
   */
  async swapRoot(vaultId: string, holderDevice: DeviceKeys): Promise<void> {
    const id = base64urlDecode(vaultId)
    const genesis = createDeviceChainGenesis(id, {
      signingSecretKey: this.keys.signing.secretKey,
      agreementPublicKey: this.keys.agreement.publicKey,
    })
    const root = verifyDeviceChain([genesis], { vaultId: id })
    const addHolder = signDeviceChainEntry(
      {
        vaultId: id,
        seq: 1,
        previousHash: root.head.hash,
        operation: 'add',
        subjectSigningKey: holderDevice.signing.publicKey,
        subjectAgreementKey: holderDevice.agreement.publicKey,
      },
      this.keys.signing.secretKey,
    )
    await this.writeChain(vaultId, [genesis, addHolder])
  }

  /** Points the vault's inbox at the operator's own X25519 key, with a statement signed by `signer`. */
  async swapInbox(vaultId: string, signerSecretKey: Uint8Array = this.keys.signing.secretKey): Promise<void> {
    const vault = await this.host.db
      .selectFrom('vaults')
      .select(['key_epoch'])
      .where('id', '=', vaultId)
      .executeTakeFirstOrThrow()
    const statement = signInboxKeyStatement(
      { vaultId: base64urlDecode(vaultId), epoch: vault.key_epoch, inboxPublicKey: this.keys.agreement.publicKey },
      signerSecretKey,
    )
    await this.host.db
      .updateTable('vaults')
      .set({
        inbox_public_jwk: JSON.stringify(toPublicJwk(this.keys.agreement.publicKey, 'X25519')),
        inbox_statement: base64urlEncode(statement),
      })
      .where('id', '=', vaultId)
      .execute()
  }

  /** Re-signs a grant's stored receipt with the operator's key, naming it as the signer. */
  async forgeReceipt(grantId: string): Promise<void> {
    const grant = await this.host.db
      .selectFrom('grants')
      .select(['receipt'])
      .where('id', '=', grantId)
      .executeTakeFirstOrThrow()
    const payload = JSON.parse(
      new TextDecoder().decode(base64urlDecode(grant.receipt.split('.')[1] as string)),
    ) as Record<string, unknown>
    const forged = signCompactJws(
      { typ: 'grant+jwt', alg: 'EdDSA', kid: this.keyId },
      { ...payload, iss: this.keyId },
      this.keys.signing.secretKey,
    )
    await this.host.db.updateTable('grants').set({ receipt: forged }).where('id', '=', grantId).execute()
  }
}

function headOf(entries: readonly string[], vaultId: string) {
  return verifyDeviceChain(entries.map(base64urlDecode), { vaultId: base64urlDecode(vaultId) }).head
}

/** A fetch that remembers every request ("METHOD /path"), to show what left an honest party. */
export function recordingFetch(): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = []
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    requests.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url.pathname}`)
    return fetch(input, init)
  }
  return { fetch: recording, requests }
}

/**
 * The holder pairs with `client` and approves its request. `show` is what the person at the desk
 * gets: the QR text (code and root), the typed code and safety code, or the typed code alone.
 * Returns the request id to wait on (the caller waits, since that is where refusals happen).
 */
export async function pairAndApprove(
  holder: HolderClient,
  client: ServiceClient,
  options: {
    /** What the honest holder's client trusts (the host's signed trust list). */
    trust: HolderTrust
    action: 'read' | 'deposit'
    recordTypes: RecordType[]
    show?: 'qr' | 'safety-code' | 'code-only'
    binding: string
  },
): Promise<{ authReqId: string; grantId: string }> {
  const pairing = await holder.createPairingCode()
  const show = options.show ?? 'qr'
  const { authReqId } = await client.requestAccess({
    pairingCode: show === 'qr' ? pairing.qr : pairing.code,
    ...(show === 'safety-code' ? { holderRoot: { safetyCode: pairing.safetyCode } } : {}),
    bindingMessage: options.binding,
    details: [
      {
        type: 'holdall_records',
        actions: [options.action],
        record_types: options.recordTypes,
        purpose: 'Malicious host test',
        duration_days: 7,
      },
    ],
  })
  const request = (await holder.pendingRequests()).find((r) => r.binding_message === options.binding)
  if (request === undefined) throw new Error('the request did not reach the holder')
  const grant = await holder.approve(request, options.trust)
  return { authReqId, grantId: grant.grant_id }
}
