/**
 * @holdall/log: the verifiable log of a Holdall vault, for hosts, holder devices and services,
 * in browsers and Node. Specified in protocol-spec/spec/08-verifiable-log.md.
 */
export { base64Decode, base64Encode } from './base64.js'
export {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  type SignedCheckpoint,
  signCheckpoint,
  vaultLogOrigin,
} from './checkpoint.js'
export { CompactRange } from './compact-range.js'
export {
  decodeLogEntry,
  ENTRY_FORMAT,
  ENTRY_TYPES,
  encodeLogEntry,
  type LogEntry,
  type LogEntryType,
  MAX_ENTRY_LENGTH,
} from './entries.js'
export { HoldallLogError, isHoldallLogError, type LogErrorCode, type LogEvidence } from './errors.js'
export { EMPTY_ROOT, HASH_LENGTH, leafHash, nodeHash } from './hashing.js'
export { rotatedKeys, unknownSigners } from './key-rotation.js'
export { type KeyServedEntry, type KeyServedProof, verifyKeyServed } from './key-served.js'
export {
  adoptCompactRange,
  advanceByEntries,
  advanceByProof,
  emptyTrustedLog,
  type LogTrust,
  type TrustedLog,
  type TrustedLogJson,
  trustCheckpoint,
  trustedLogFromJson,
  trustedLogToJson,
} from './log-verifier.js'
export {
  consistencyProof,
  inclusionProof,
  MerkleTree,
  type NodeReader,
  nodesCompletedByAppend,
  nodesForRanges,
  rangeHash,
  type StoredNode,
  treeRoot,
} from './merkle-tree.js'
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './proofs.js'
export {
  formatVerifierKey,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifierKey,
  noteKeyId,
  noteVerifierKey,
  type OpenedNote,
  openNote,
  type ParsedNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from './signed-note.js'
export {
  consistencyPathRanges,
  inclusionPathRanges,
  type LeafRange,
  type NodeId,
  rangeNodes,
  splitPoint,
} from './tree-shape.js'
export {
  type LogAlarm,
  type LogUpdate,
  MemoryVaultLogStore,
  type VaultLogRecord,
  type VaultLogStore,
  VaultLogVerifier,
} from './vault-log-verifier.js'
