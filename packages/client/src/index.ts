/**
 * @holdall/client: SDKs for the three roles of the Holdall protocol, for browsers and Node.
 * - HolderClient: the person's own device: vault, records, inbox, approve/narrow/refuse, revoke, log.
 * - ServiceClient: a GP surgery, pharmacy, probation…: pair, request, wait, read and verify.
 * - IssuerClient: prison healthcare, probation, an ID scheme: sign and deposit.
 */

export {
  decodeLogEntry,
  encodeLogEntry,
  HoldallLogError,
  isHoldallLogError,
  type LogAlarm,
  type LogEntry,
  MemoryVaultLogStore,
  type VaultLogRecord,
  type VaultLogStore,
} from '@holdall/log'
export {
  type CheckedName,
  type CheckedReceipt,
  checkDeposit,
  checkGrant,
  checkLogActor,
  checkReceipt,
  checkRequester,
} from './checked-names.js'
export {
  type ClinicalCodeProblem,
  clinicalCodeProblems,
  medicationListCodeProblems,
  ostHandoverCodeProblems,
  sctidConceptProblem,
  verhoeffValid,
} from './clinical-codes.js'
export { type CheckedErasure, checkErasureReceipt, eraseVault, fetchErasureReceipt } from './erasure.js'
export {
  CLIENT_ERROR_CODES,
  type ClientErrorCode,
  HoldallApiError,
  HoldallError,
  HoldallOAuthError,
} from './errors.js'
export { hostByNumber, hostNumberOf, type ResolvedPairing, resolvePairing } from './federation.js'
export {
  type HandlePin,
  type HandlePinStore,
  type HandleSigner,
  MemoryHandlePinStore,
  publishHandle,
  type ResolvedHandle,
  resolveHandle,
  signHandleRecord,
  splitHandle,
  verifyHandleDocument,
} from './handles.js'
export { type ApproveChoice, HolderClient, type HolderOptions, type PairingDisplay } from './holder.js'
export {
  checkHolderChain,
  deviceLogEntryInChain,
  formatSafetyCode,
  type HolderPin,
  type HolderPinStore,
  type HolderRootHint,
  MemoryHolderPinStore,
  readPairingInput,
} from './holder-chain.js'
export { HolderLog, type HolderLogOptions, type LogSync } from './holder-log.js'
export {
  MemoryMoveStore,
  type MoveOptions,
  type MoveProgress,
  type MoveStep,
  type MoveStore,
} from './holder-move.js'
export { HostClock } from './host-clock.js'
export { HostConnection } from './http.js'
export { IssuerClient } from './issuer.js'
export { exchangeLogCheckpoints, LOG_CHECKPOINT_RECORD, type LogExchange, type LogExchangeDeps } from './log-gossip.js'
export { type CheckedMove, checkVaultMoved, isVaultMoved, VaultMovedError } from './moved-vault.js'
export {
  type MadeOfflineShare,
  MemoryOfflineNonceStore,
  makeOfflineShare,
  mayShowOffline,
  OFFLINE_REFUSAL_REASONS,
  OFFLINE_SHARE_DEFAULT_LIFETIME_MS,
  type OfflineNonceStore,
  type OfflineRecordCopy,
  type OfflineRefusalCode,
  type OfflineShareLogEntry,
  type OfflineTime,
  type OfflineVerification,
  offlineRecordCopy,
  offlineRecordLabel,
  type VerifyOfflineShareOptions,
  verifyOfflineShare,
} from './offline.js'
export {
  manifestAuthorKeyId,
  type OpenedFileRecord,
  type OpenedRecord,
  openFileRecord,
  openRecord,
  sealFileRecord,
  sealRecord,
  signedSupersedes,
  supersededAmong,
  verifySignedType,
} from './records.js'
export { RecoveringDevice, releaseWorkerShare, type WorkerRequest, workerRecoveries } from './recovery.js'
export { isRecoveryEntry, type RecoveryFinding, recoveryFindings } from './recovery-log.js'
export {
  buildRecoverySetup,
  KIT_QR_PREFIX,
  parseKitQr,
  type RecoveryKit,
  SETUP_RECOVERY_ID,
} from './rotation.js'
export { clientMetadataDocument, type GrantInfo, ServiceClient, type ServiceIdentity } from './service.js'
export { type BoundService, bindServiceKey, type HolderTrust } from './service-binding.js'
export { ServiceLog, type ServiceLogOptions } from './service-log.js'
export {
  signTrustList,
  type TrustedOrganisation,
  type TrustedOrganisations,
  trustListEntry,
  verifyTrustList,
} from './trust-list.js'
export {
  acceptTrustListDocument,
  fetchTrustList,
  signTrustKeyRotation,
  type TrustPin,
  trustPin,
  verifyTrustKeyRotation,
} from './trust-pin.js'
