import { createHash } from 'node:crypto'
import { base64urlDecode, base64urlEncode, keyThumbprint, parseDeviceChainEntry } from '@holdall/crypto'
import type { LogEntry } from '@holdall/log'

/**
 * The canonical entry (spec 8.3) an access-log event appends to the vault's Merkle log, without
 * its `at` (the log stamps it with the host's clock, the same as the access log's row). Every
 * caller of `AccessLog.append` says which entry its event is; an event without a type of its own
 * yet is a `host_event` naming it, so the Merkle log has one leaf for every access-log row.
 */
export type LeafBody = LogEntry extends infer E ? (E extends LogEntry ? Omit<E, 'at'> : never) : never

/** A protocol id or key id (base64url) as its raw bytes. */
export function idBytes(id: string): Uint8Array {
  return new Uint8Array(Buffer.from(id, 'base64url'))
}

/** SHA-256 of text (a manifest as the writer sent it, a device chain entry). */
export function textSha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest())
}

/**
 * The link from a `device_added` entry into the holder-signed device chain (spec 3.8.1): the chain
 * entry's position (u32, big-endian) and the SHA-256 of its text. A holder auditing the log finds
 * the entry at that position of the chain they verified and compares the hash.
 */
export function deviceChainLink(seq: number, entry: string): Uint8Array {
  const out = new Uint8Array(36)
  new DataView(out.buffer).setUint32(0, seq)
  out.set(textSha256(entry), 4)
  return out
}

/**
 * What a device chain entry the host has already verified does: the key id (RFC 7638 thumbprint,
 * the device id) of the key it adds or removes. For the log's key-transparency entries.
 */
export function chainEntrySubject(entry: string): { readonly deviceId: string; readonly added: boolean } {
  const parsed = parseDeviceChainEntry(base64urlDecode(entry))
  return {
    deviceId: base64urlEncode(keyThumbprint(parsed.subjectSigningKey, 'Ed25519')),
    added: parsed.operation === 'add',
  }
}

/**
 * The log events of a rotation's new chain entries: the devices removed and joined, and the
 * epochs' recovery members (marked, so a holder's screen can say which is which).
 */
export function chainLogEvents(
  entries: readonly { seq: number; entry: string }[],
  removed: readonly string[],
  joiningId: string | undefined,
): { event: 'device_added' | 'device_removed'; details: Record<string, unknown>; leaf: LeafBody }[] {
  return entries.map((link) => {
    const { deviceId, added } = chainEntrySubject(link.entry)
    const member = !(added ? deviceId === joiningId : removed.includes(deviceId))
    return {
      event: added ? 'device_added' : 'device_removed',
      details: member ? { device_id: deviceId, recovery_member: true } : { device_id: deviceId },
      leaf: leaves.deviceChanged(added, deviceId, link.seq, link.entry),
    }
  })
}

/** A completed recovery's entry, linked to the chain entry that added the recovered device (as its device_added is). */
export function recoveryCompletedLeaf(
  entries: readonly { seq: number; entry: string }[],
  recoveryId: string,
  deviceId: string,
): LeafBody | undefined {
  const link = entries.find((e) => {
    const subject = chainEntrySubject(e.entry)
    return subject.added && subject.deviceId === deviceId
  })
  return link === undefined ? undefined : leaves.recoveryCompleted(recoveryId, deviceId, link.seq, link.entry)
}

export const leaves = {
  /** A device (or an epoch's recovery member) added to or removed from the chain by `entry`. */
  deviceChanged: (added: boolean, deviceId: string, chainSeq: number, chainEntry: string): LeafBody => ({
    type: added ? 'device_added' : 'device_removed',
    deviceKeyId: idBytes(deviceId),
    deviceListLink: deviceChainLink(chainSeq, chainEntry),
  }),
  deviceAdded: (deviceId: string, chainSeq: number, chainEntry: string): LeafBody => ({
    type: 'device_added',
    deviceKeyId: idBytes(deviceId),
    deviceListLink: deviceChainLink(chainSeq, chainEntry),
  }),
  requestMade: (requestId: string, clientId: string): LeafBody => ({
    type: 'request_made',
    requestId: idBytes(requestId),
    clientId,
  }),
  grantApproved: (requestId: string, grantId: string, receipt: string): LeafBody => ({
    type: 'grant_approved',
    requestId: idBytes(requestId),
    grantId: idBytes(grantId),
    receipt: new TextEncoder().encode(receipt),
  }),
  grantDenied: (requestId: string): LeafBody => ({ type: 'grant_denied', requestId: idBytes(requestId) }),
  grantRevoked: (grantId: string): LeafBody => ({ type: 'grant_revoked', grantId: idBytes(grantId) }),
  keyServed: (grantId: string, recordId: string, version: number): LeafBody => ({
    type: 'key_served',
    grantId: idBytes(grantId),
    recordId: idBytes(recordId),
    version,
  }),
  recordWritten: (recordId: string, version: number, manifest: string): LeafBody => ({
    type: 'record_written',
    recordId: idBytes(recordId),
    version,
    manifestSha256: textSha256(manifest),
  }),
  depositReceived: (recordId: string, issuerClientId: string, manifest: string): LeafBody => ({
    type: 'deposit_received',
    recordId: idBytes(recordId),
    issuerClientId,
    manifestSha256: textSha256(manifest),
  }),
  depositAccepted: (recordId: string): LeafBody => ({ type: 'deposit_accepted', recordId: idBytes(recordId) }),
  /** A recovery waiting to let `deviceId` in at `readyAt` (host clock). */
  recoveryStarted: (recoveryId: string, deviceId: string, readyAt: number, withKit: boolean): LeafBody => ({
    type: 'recovery_started',
    recoveryId: idBytes(recoveryId),
    deviceKeyId: idBytes(deviceId),
    readyAt,
    withKit,
  }),
  recoveryCancelled: (recoveryId: string, byDeviceId: string): LeafBody => ({
    type: 'recovery_cancelled',
    recoveryId: idBytes(recoveryId),
    deviceKeyId: idBytes(byDeviceId),
  }),
  recoveryShareReleased: (recoveryId: string, holder: 'worker' | 'host'): LeafBody => ({
    type: 'recovery_share_released',
    recoveryId: idBytes(recoveryId),
    holder: holder === 'worker' ? 1 : 2,
  }),
  /** The recovered device joined by the chain entry at `chainSeq` (linked as `device_added` is). */
  recoveryCompleted: (recoveryId: string, deviceId: string, chainSeq: number, chainEntry: string): LeafBody => ({
    type: 'recovery_completed',
    recoveryId: idBytes(recoveryId),
    deviceKeyId: idBytes(deviceId),
    deviceListLink: deviceChainLink(chainSeq, chainEntry),
  }),
}
