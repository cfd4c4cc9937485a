import {
  base64urlDecode,
  constantTimeEqual,
  isHoldallCryptoError,
  type MoveStatementTyp,
  type VerifiedDeviceChain,
  verifyCompactJws,
  verifyDeviceChain,
  verifyMoveStatement,
} from '@holdall/crypto'
import { decodeLogEntry } from '@holdall/log'
import {
  MOVE_COMMIT_TYP,
  MOVE_STATEMENT_TYP,
  type MoveCommitClaims,
  type MovePackage,
  type MoveStatementClaims,
  moveCommitClaimsSchema,
  moveStatementClaimsSchema,
} from '@holdall/protocol'
import { HttpProblem } from '../errors.js'
import { sha256Base64url } from '../hashing.js'
import { LOG_GENESIS_HASH } from '../repositories/log.js'

/*
 * What a host checks of a move (spec chapter 12): the holder's statements, signed by a device of
 * the vault's chain ([MIG-STMT-01]), and a package from the host the vault leaves ([MIG-PKG-01]).
 * The host decrypts nothing; it checks signatures, hashes and that every row belongs.
 */

/** A URL compared as hosts name themselves (no trailing slash). */
export function sameHost(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
}

/** The vault's chain, verified from entry 0; `move_invalid` if it does not verify. */
export function verifiedChain(vaultId: string, entries: readonly string[]): VerifiedDeviceChain {
  try {
    return verifyDeviceChain(entries.map(base64urlDecode), { vaultId: base64urlDecode(vaultId) })
  } catch (error) {
    if (!isHoldallCryptoError(error)) throw error
    throw new HttpProblem('move_invalid', `the device chain does not verify (${error.code})`)
  }
}

function checked<T>(typ: MoveStatementTyp, jws: string, chain: VerifiedDeviceChain, parse: (c: unknown) => T): T {
  let claims: Record<string, unknown>
  try {
    claims = verifyMoveStatement(typ, jws, chain).claims
  } catch (error) {
    if (!isHoldallCryptoError(error)) throw error
    throw new HttpProblem('signature_invalid', `the holder's statement does not verify: ${error.message}`)
  }
  try {
    return parse(claims)
  } catch {
    throw new HttpProblem('signature_invalid', "the holder's statement does not say what a move statement says")
  }
}

export function checkMoveStatement(jws: string, chain: VerifiedDeviceChain): MoveStatementClaims {
  return checked(MOVE_STATEMENT_TYP, jws, chain, (c) => moveStatementClaimsSchema.parse(c))
}

/** A commit for the move `statement` began: same move, hosts and chain, and the statement's hash. */
export function checkMoveCommit(jws: string, chain: VerifiedDeviceChain, statement: string): MoveCommitClaims {
  const claims = checked(MOVE_COMMIT_TYP, jws, chain, (c) => moveCommitClaimsSchema.parse(c))
  const started = moveStatementClaimsSchema.parse(
    JSON.parse(Buffer.from(statement.split('.')[1] ?? '', 'base64url').toString('utf8')),
  )
  if (
    claims.statement !== sha256Base64url(statement) ||
    claims.move !== started.move ||
    !sameHost(claims.from, started.from) ||
    !sameHost(claims.to, started.to)
  )
    throw new HttpProblem('signature_invalid', 'the commit is for another move')
  return claims
}

/**
 * Checks a package against the move statement it came with ([MIG-PKG-01]): the log's hash chain
 * and canonical entries, its last entry this move's `vault_moved`, and every row belonging to the
 * vault and naming a record, grant or envelope of the package. Throws `move_invalid`.
 */
export function checkPackage(p: MovePackage, statement: string, claims: MoveStatementClaims): void {
  const bad = (why: string) => new HttpProblem('move_invalid', why)
  const vaultId = p.vault.id
  if (vaultId !== claims.vault) throw bad('the package is of another vault than the statement')
  // The access log: each row's hash chains to the one before (spec 5.13), each entry decodes.
  let prev = LOG_GENESIS_HASH
  for (const [i, row] of p.log.entries()) {
    if (row.seq !== i || row.prev_hash !== prev) throw bad(`the log is broken at entry ${i}`)
    const body = `{"vault_id":${JSON.stringify(vaultId)},"seq":${row.seq},"at":${row.at},"event":${JSON.stringify(row.event)},"actor":${JSON.stringify(row.actor)},"details":${row.details}}`
    if (sha256Base64url(`${prev}\n${body}`) !== row.hash) throw bad(`the log is broken at entry ${i}`)
    try {
      if (decodeLogEntry(base64urlDecode(row.entry)).at !== row.at) throw new Error('time')
    } catch {
      throw bad(`log entry ${i} is not a canonical entry of this row`)
    }
    prev = row.hash
  }
  const last = p.log[p.log.length - 1]
  const leaf = last === undefined ? undefined : decodeLogEntry(base64urlDecode(last.entry))
  if (
    leaf?.type !== 'vault_moved' ||
    Buffer.from(leaf.moveId).toString('base64url') !== claims.move ||
    Buffer.from(leaf.statementSha256).toString('base64url') !== sha256Base64url(statement) ||
    !sameHost(leaf.host, claims.to)
  )
    throw bad("the log does not end with this move's vault_moved entry")
  // Every row names something of the package.
  const records = new Set(p.records.map((r) => r.record_id))
  const versions = new Set(p.versions.map((v) => `${v.record_id}/${v.version}`))
  const grants = new Set(p.grants.map((g) => g.id))
  const requests = new Map(p.requests.map((r) => [r.id, r.grant_id]))
  const blobs = new Map(p.blobs.map((b) => [b.sha256, b.length]))
  for (const v of p.versions) {
    if (!records.has(v.record_id)) throw bad('a version of no record of the package')
    if (blobs.get(v.ciphertext_sha256) !== v.ciphertext_length) throw bad('a version whose envelope is not listed')
  }
  if (blobs.size !== new Set(p.versions.map((v) => v.ciphertext_sha256)).size) throw bad('an envelope no version names')
  for (const w of p.wraps) {
    if (!versions.has(`${w.record_id}/${w.version}`)) throw bad('a wrap of no version of the package')
    if ((w.kind === 'grant') !== (w.grant_id !== null) || (w.grant_id !== null && !grants.has(w.grant_id)))
      throw bad('a grant wrap of no grant of the package')
  }
  for (const g of p.grants) if (requests.get(g.request_id) !== g.id) throw bad('a grant without its approved request')
  for (const t of p.tokens) if (!grants.has(t.grant_id)) throw bad('a token of no grant of the package')
  const chain = verifiedChain(vaultId, p.device_chain)
  const members = new Set(chain.members.map((m) => Buffer.from(m.keyId).toString('base64url')))
  for (const d of p.devices)
    if (d.status === 'active' && !members.has(d.id)) throw bad('an active device that is not in the device chain')
  // A live grant's receipt is signed by a current device (re-signed at every rotation, DEV-ROT-04):
  // host A cannot slip in a grant the holder never gave.
  for (const g of p.grants) if (!receiptByMember(g.receipt, g.id, chain)) throw bad('a grant the holder did not sign')
}

function receiptByMember(receipt: string, grantId: string, chain: VerifiedDeviceChain): boolean {
  try {
    const header = JSON.parse(Buffer.from(receipt.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown
    }
    if (typeof header.kid !== 'string') return false
    const kid = base64urlDecode(header.kid)
    const member = chain.members.find((m) => m.keyId.length === kid.length && constantTimeEqual(m.keyId, kid))
    if (member === undefined) return false
    return verifyCompactJws(receipt, member.signingKey, 'grant+jwt').payload.jti === grantId
  } catch {
    return false
  }
}
