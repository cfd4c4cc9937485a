import {
  base64urlDecode,
  base64urlEncode,
  fromPublicJwk,
  generateDataKey,
  generateId,
  keyThumbprint,
  type SealedEnvelope,
  verifyInboxKeyStatement,
  wrapToInbox,
} from '@holdall/crypto'
import type { HealthDocumentMetadata, RecordPayload, RecordType } from '@holdall/protocol'
import { clinicalCodeProblems } from './clinical-codes.js'
import { HoldallError } from './errors.js'
import { checkFile, sealFileRecord, sealRecord } from './records.js'
import { ServiceClient } from './service.js'

/**
 * An issuer (prison healthcare, probation, an ID scheme): with a deposit grant, seals and signs a
 * record and leaves it in the vault's inbox. It cannot read anything back.
 */
export class IssuerClient extends ServiceClient {
  /**
   * Seals, signs and deposits a record. A malformed or mistyped clinical code (an SCTID whose
   * check digit or partition is wrong, or a code in another system) is refused here, with
   * HoldallError `invalid_clinical_code`, before anything is signed: a wrong code would map to the
   * wrong drug in every clinical system that imports the record.
   */
  async deposit(recordType: RecordType, payload: RecordPayload, title: string): Promise<{ recordId: string }> {
    const problems = clinicalCodeProblems(payload)
    if (problems.length > 0)
      throw new HoldallError('invalid_clinical_code', problems.map((p) => `${p.path}: ${p.reason}`).join('; '))
    return this.#deposit(recordType, (target) =>
      sealRecord({ recordType, payload, title, ...target, version: 1, ...this.#author() }),
    )
  }

  /**
   * Seals, signs and deposits a document kept as a file (spec 4.2.1): a discharge summary or a
   * clinic letter as PDF, PNG or JPEG. The description must parse and the file's first bytes must
   * be its content type, and it must be at most `MAX_FILE_RECORD_BYTES` (`FILE_TOO_LARGE`), all
   * checked before anything is signed or sent ([REC-TYPE-04], [REC-TYPE-05]).
   */
  async depositFile(
    recordType: RecordType,
    metadata: HealthDocumentMetadata,
    file: Uint8Array,
  ): Promise<{ recordId: string }> {
    // Checked before the grant is even read: a wrong file costs no request.
    checkFile(recordType, metadata, file)
    return this.#deposit(recordType, (target) =>
      sealFileRecord({ recordType, metadata, file, ...target, version: 1, ...this.#author() }),
    )
  }

  #author() {
    return {
      authorSecretKey: this.identity.keys.signing.secretKey,
      authorPublicKey: this.identity.keys.signing.publicKey,
    }
  }

  async #deposit(
    recordType: RecordType,
    seal: (target: { dek: Uint8Array; vaultId: string; recordId: string; keyEpoch: number }) => {
      sealed: SealedEnvelope
      manifest: string
    },
  ): Promise<{ recordId: string }> {
    const { info: grant, chain } = await this.verifiedGrant()
    // The inbox key must be one a member of the vault's verified device chain signed, not one the
    // host made up, nor one signed by a "device" the host listed (spec 3.8, [CRY-STMT-01]).
    const vaultId = base64urlDecode(grant.vault_id)
    const inboxKey = fromPublicJwk(grant.inbox.key, 'X25519')
    const signedByMember = chain.members.some((member) => {
      try {
        verifyInboxKeyStatement(
          { vaultId, epoch: grant.inbox.key_epoch, inboxPublicKey: inboxKey },
          base64urlDecode(grant.inbox.statement),
          member.signingKey,
        )
        return true
      } catch {
        return false
      }
    })
    if (!signedByMember)
      throw new HoldallError('INBOX_KEY_UNVERIFIED', "the vault's inbox key is not signed by a device of the vault")
    const recordId = base64urlEncode(generateId())
    const dek = generateDataKey()
    const { sealed, manifest } = seal({ dek, vaultId: grant.vault_id, recordId, keyEpoch: grant.inbox.key_epoch })
    const inboxWrap = await wrapToInbox(dek, inboxKey, {
      vaultId,
      recordId: base64urlDecode(recordId),
      version: 1,
      epoch: grant.inbox.key_epoch,
    })
    const token = await this.accessToken()
    const sha = base64urlEncode(sealed.ciphertextSha256)
    await this.host.json({ method: 'PUT', path: `/grant/blobs/${sha}`, body: sealed.ciphertext, accessToken: token })
    await this.host.json({
      method: 'POST',
      path: '/grant/deposits',
      accessToken: token,
      json: {
        record_id: recordId,
        record_type: recordType,
        key_epoch: grant.inbox.key_epoch,
        ciphertext_sha256: sha,
        ciphertext_length: sealed.ciphertextLength,
        manifest,
        inbox_wrap: base64urlEncode(inboxWrap),
      },
    })
    return { recordId }
  }

  /** This issuer's key id, as the trust list and its manifests name it. */
  get signingKeyId(): string {
    return base64urlEncode(keyThumbprint(this.identity.keys.signing.publicKey, 'Ed25519'))
  }
}
