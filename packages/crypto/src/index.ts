/**
 * @holdall/crypto: the cryptographic core of the Holdall protocol, for browsers and Node.
 * Every byte format here is specified in protocol-spec/spec/03-cryptography.md.
 */
export { base64Decode, base64Encode, base64urlDecode, base64urlDecodeExact, base64urlEncode } from './base64url.js'
export { constantTimeEqual, randomBytes, sha256Bytes } from './bytes.js'
export * as constants from './constants.js'
export {
  createDeviceChainGenesis,
  type DeviceChainEntry,
  type DeviceChainEntryFields,
  type DeviceChainHead,
  type DeviceChainMember,
  type DeviceChainOperation,
  deviceChainEntryHash,
  deviceChainMember,
  deviceChainSafetyCode,
  nextDeviceChainEntry,
  normaliseSafetyCode,
  parseDeviceChainEntry,
  SAFETY_CODE_LENGTH,
  safetyCodeMatches,
  signDeviceChainEntry,
  type VerifiedDeviceChain,
  verifyDeviceChain,
} from './device-chain.js'
export { type OpenedEnvelope, openEnvelope, type SealedEnvelope, sealEnvelope } from './envelope.js'
export { type EnvelopeHeader, parseHeader, type RecordContext } from './envelope-header.js'
export { EnvelopeOpener, type OpenOptions } from './envelope-opener.js'
export type { DigestedSealSummary, SealOptions, SealSummary } from './envelope-sealer.js'
export {
  createEnvelopeDecryptStream,
  createEnvelopeEncryptStream,
  type EnvelopeDecryptStream,
  type EnvelopeEncryptStream,
} from './envelope-stream.js'
export { type CryptoErrorCode, HoldallCryptoError, isHoldallCryptoError } from './errors.js'
export { type X25519Implementation, x25519Implementation } from './hpke-suite.js'
export { signCompactJws, type VerifiedJws, verifyCompactJws } from './jws.js'
export {
  createVaultKeyring,
  deriveInboxKeyPair,
  deriveKeyEncryptionKey,
  deriveVaultKeyCheck,
  generateDataKey,
  generateId,
  generateVaultRootKey,
  rotateVaultKeyring,
  type VaultKeyring,
} from './key-hierarchy.js'
export {
  type AgreementKeyPair,
  agreementPublicKey,
  assertAgreementPublicKey,
  assertSigningPublicKey,
  type DeviceKeys,
  fromPublicJwk,
  generateAgreementKeyPair,
  generateDeviceKeys,
  generateSigningKeyPair,
  keyThumbprint,
  type OkpPublicJwk,
  type SigningKeyPair,
  signingKeyId,
  signingPublicKey,
  toPublicJwk,
  verifySignature,
  verifySignatureAsync,
} from './keys.js'
export {
  assertManifestSuccessor,
  type Manifest,
  type ManifestFields,
  manifestHash,
  NO_PREVIOUS_MANIFEST,
  openOptionsFromManifest,
  parseManifest,
  signManifest,
  type VerifiedManifest,
  verifyManifest,
  verifyManifestAsync,
} from './manifest.js'
export { type MoveStatementTyp, signMoveStatement, verifyMoveStatement } from './move-statement.js'
export {
  base45Decode,
  base45Encode,
  decodeOfflineShareText,
  encodeOfflineShareText,
  type OfflineShare,
  type OfflineShareFields,
  type OfflineShareMode,
  parseOfflineShare,
  signOfflineShare,
} from './offline-share.js'
export {
  combineRecoveryShares,
  deriveRecoveryMember,
  formatRecoveryKitCode,
  parseRecoveryKitCode,
  parseRecoveryShare,
  RECOVERY_KIT_GROUPS,
  type RecoveredVault,
  type RecoveryShare,
  type RecoveryShareHolder,
  type RecoveryShares,
  recoveryKitCodeTypos,
  recoveryKitProof,
  splitRecoveryShares,
  unwrapRecoveryShare,
  wrapRecoveryShare,
} from './recovery.js'
export {
  type DeviceWrapStatement,
  type InboxKeyStatement,
  signDeviceWrapStatement,
  signInboxKeyStatement,
  verifyDeviceWrapStatement,
  verifyInboxKeyStatement,
} from './statements.js'
export {
  type DeviceWrapContext,
  type GrantWrapContext,
  type InboxWrapContext,
  type OwnerWrapContext,
  rewrapToEpoch,
  unwrapAsDevice,
  unwrapAsGrantee,
  unwrapFromEpoch,
  unwrapFromInbox,
  wrapToDevice,
  wrapToEpoch,
  wrapToGrantee,
  wrapToInbox,
} from './wraps.js'
