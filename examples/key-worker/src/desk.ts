import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { releaseWorkerShare, type ServiceIdentity, type WorkerRequest, workerRecoveries } from '@holdall/client'
import { base64urlEncode, sha256Bytes } from '@holdall/crypto'

/*
 * The key-worker organisation's desk (spec 9.6, REC-WORKER-01): a person who lost their phone
 * comes in; the key worker checks who they are, in person; a second member of staff approves; only
 * then is the organisation's share opened and released, sealed to the person's new phone. Every
 * step is a line of an append-only, hash-chained audit trail the organisation keeps. Built on the
 * SDK only (@holdall/client): the organisation's keys never leave this process.
 */

export type AuditEvent =
  | 'request_received'
  | 'identity_checked'
  | 'approved'
  | 'released'
  | 'refused'
  | 'recovery_waiting'

export interface AuditLine {
  readonly seq: number
  readonly at: string
  readonly event: AuditEvent
  readonly case_id: string
  readonly staff?: string
  readonly detail?: string
  readonly prev: string
  readonly hash: string
}

interface Case {
  readonly request: WorkerRequest
  checkedBy?: string
  approvedBy?: string
  released: boolean
}

export class KeyWorkerDesk {
  readonly #cases = new Map<string, Case>()
  readonly #noticed = new Set<string>()
  readonly #staff: ReadonlySet<string>

  constructor(
    private readonly options: {
      baseUrl: string
      organisation: Pick<ServiceIdentity, 'clientId' | 'keys'>
      /** Staff references allowed to check and approve (the organisation's own ids). */
      staff: readonly string[]
      /** The audit trail: JSON lines, appended to, never rewritten. */
      auditFile: string
      fetchImpl?: typeof fetch
    },
  ) {
    this.#staff = new Set(options.staff)
  }

  /**
   * Asks the host which recoveries naming this organisation wait (REC-WORKER-03): each new one is a
   * line of the audit trail, so the desk can expect the person, or warn them if it was not them.
   */
  async waitingRecoveries(): Promise<Awaited<ReturnType<typeof workerRecoveries>>> {
    const waiting = await workerRecoveries(this.options.baseUrl, this.options.organisation, this.options.fetchImpl)
    for (const r of waiting) {
      if (this.#noticed.has(r.recovery_id)) continue
      this.#noticed.add(r.recovery_id)
      this.#audit(
        'recovery_waiting',
        r.recovery_id,
        undefined,
        `vault ${r.vault_id}, ready ${new Date(r.ready_at).toISOString()}`,
      )
    }
    return waiting
  }

  /** The person shows their new phone's recovery request (as a QR code); a case is opened. */
  receive(request: WorkerRequest): string {
    if (request.worker_client_id !== this.options.organisation.clientId)
      throw new Error('this recovery names another organisation')
    const caseId = request.recovery_id
    if (!this.#cases.has(caseId)) this.#cases.set(caseId, { request, released: false })
    this.#audit('request_received', caseId, undefined, `vault ${request.vault_id}`)
    return caseId
  }

  /** The key worker saw the person and their documents, in person. */
  checkIdentity(caseId: string, staff: string): void {
    const c = this.#case(caseId)
    this.#member(staff)
    c.checkedBy = staff
    this.#audit('identity_checked', caseId, staff)
  }

  /** A second member of staff approves: never the one who checked. */
  approve(caseId: string, staff: string): void {
    const c = this.#case(caseId)
    this.#member(staff)
    if (c.checkedBy === undefined) throw this.#refuse(caseId, staff, 'nobody has checked the person in person yet')
    if (c.checkedBy === staff) throw this.#refuse(caseId, staff, 'the approver must not be the key worker who checked')
    c.approvedBy = staff
    this.#audit('approved', caseId, staff)
  }

  /** Releases the share, once, to the host (which keeps it back until the waiting period ends). */
  async release(caseId: string): Promise<void> {
    const c = this.#case(caseId)
    if (c.released) throw this.#refuse(caseId, undefined, 'already released')
    if (c.checkedBy === undefined || c.approvedBy === undefined)
      throw this.#refuse(caseId, undefined, 'two members of staff must check and approve first')
    const release = await releaseWorkerShare(
      this.options.baseUrl,
      this.options.organisation,
      c.request,
      [c.checkedBy, c.approvedBy],
      this.options.fetchImpl,
    )
    c.released = true
    this.#audit(
      'released',
      caseId,
      c.approvedBy,
      `release ${base64urlEncode(sha256Bytes(new TextEncoder().encode(release)))}`,
    )
  }

  #case(caseId: string): Case {
    const c = this.#cases.get(caseId)
    if (c === undefined) throw new Error('no such case')
    return c
  }

  #member(staff: string): void {
    if (!this.#staff.has(staff)) throw new Error('not a member of staff of this organisation')
  }

  #refuse(caseId: string, staff: string | undefined, reason: string): Error {
    this.#audit('refused', caseId, staff, reason)
    return new Error(reason)
  }

  #audit(event: AuditEvent, caseId: string, staff?: string, detail?: string): void {
    const lines = readAudit(this.options.auditFile)
    const last = lines.at(-1)
    const body = {
      seq: lines.length,
      at: new Date().toISOString(),
      event,
      case_id: caseId,
      ...(staff === undefined ? {} : { staff }),
      ...(detail === undefined ? {} : { detail }),
      prev: last?.hash ?? '',
    }
    const hash = lineHash(body)
    appendFileSync(this.options.auditFile, `${JSON.stringify({ ...body, hash })}\n`, { mode: 0o600 })
  }
}

export function readAudit(file: string): AuditLine[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as AuditLine)
}

/** Whether every line links to the one before and hashes to what it says (an edited trail fails). */
export function verifyAudit(file: string): boolean {
  let prev = ''
  for (const [i, line] of readAudit(file).entries()) {
    const { hash, ...body } = line
    if (line.seq !== i || line.prev !== prev || lineHash(body) !== hash) return false
    prev = hash
  }
  return true
}

function lineHash(body: Omit<AuditLine, 'hash'>): string {
  return base64urlEncode(sha256Bytes(new TextEncoder().encode(JSON.stringify(body))))
}
