import {
  base64urlEncode,
  constantTimeEqual,
  createVaultKeyring,
  deriveInboxKeyPair,
  generateDataKey,
  generateDeviceKeys,
  generateId,
  generateVaultRootKey,
  isHoldallCryptoError,
  keyThumbprint,
  NO_PREVIOUS_MANIFEST,
  openEnvelope,
  openOptionsFromManifest,
  type RecordContext,
  rewrapToEpoch,
  rotateVaultKeyring,
  sealEnvelope,
  signInboxKeyStatement,
  signManifest,
  unwrapAsDevice,
  unwrapAsGrantee,
  unwrapFromEpoch,
  unwrapFromInbox,
  verifyInboxKeyStatement,
  verifyManifest,
  wrapToDevice,
  wrapToEpoch,
  wrapToGrantee,
  wrapToInbox,
} from '@holdall/crypto'

/**
 * The cryptography of the repeat-prescription journey (ARCHITECTURE.md), with an in-memory
 * stand-in for the host: it stores only what a real host would, opaque bytes.
 */
export interface JourneyResult {
  gpReadMedicines: string
  readAfterRotation: string
  gpVerifiedIssuer: boolean
  hostSwapRefused: string
  revokedWrapGone: boolean
  oldDeviceLockedOut: string
  hostSawPlaintext: boolean
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const bytes = (value: string) => new TextEncoder().encode(value)

export async function runJourney(log: (line: string) => void = () => {}): Promise<JourneyResult> {
  // What the host stores. Nothing here opens anything.
  const host = {
    deviceWraps: new Map<string, Uint8Array>(),
    envelopes: new Map<string, Uint8Array>(),
    manifests: new Map<string, Uint8Array>(),
    inboxWraps: new Map<string, Uint8Array>(),
    epochWraps: new Map<string, Uint8Array>(),
    grantWraps: new Map<string, Uint8Array>(),
  }

  // 1. Enrolment: the holder's phone makes its keys and the vault root key.
  const phone = generateDeviceKeys()
  let keyring = createVaultKeyring(generateId(), generateVaultRootKey(), 0)
  host.deviceWraps.set(
    'phone',
    await wrapToDevice(keyring.vaultRootKey, phone.agreement.publicKey, { vaultId: keyring.vaultId, epoch: 0 }),
  )
  const inbox = deriveInboxKeyPair(keyring.vaultRootKey, keyring.vaultId, keyring.epoch)
  // The phone signs the inbox key, so an issuer can tell it from a key the host made up.
  const inboxStatement = { vaultId: keyring.vaultId, epoch: keyring.epoch, inboxPublicKey: inbox.publicKey }
  const inboxSignature = signInboxKeyStatement(inboxStatement, phone.signing.secretKey)
  log(`vault ${base64urlEncode(keyring.vaultId)} created; inbox key published, signed by the phone`)

  // 2. Deposit: prison healthcare seals the medication list to the vault's inbox key.
  const prisonHealthcare = generateDeviceKeys() // its keys would come from the trust list
  const medicines = 'Sertraline 50 mg tablets: one each morning. 28 supplied on release, last issued Fri 13 Mar.'
  const context: RecordContext = {
    vaultId: keyring.vaultId,
    recordId: generateId(),
    version: 1,
    keyEpoch: keyring.epoch,
  }
  verifyInboxKeyStatement(inboxStatement, inboxSignature, phone.signing.publicKey)
  const dek = generateDataKey()
  const sealed = sealEnvelope({
    dek,
    context,
    metadata: bytes('{"contentType":"application/fhir+json","title":"Medicines on release"}'),
    plaintext: bytes(medicines),
  })
  const manifest = signManifest(
    {
      ...context,
      recordTypeCode: 1, // medication_list: the type is signed, so a host cannot relabel it
      commitment: sealed.commitment,
      ciphertextSha256: sealed.ciphertextSha256,
      ciphertextLength: sealed.ciphertextLength,
      previousManifestSha256: NO_PREVIOUS_MANIFEST,
      authorKeyId: keyThumbprint(prisonHealthcare.signing.publicKey, 'Ed25519'),
      createdAt: Date.now(),
    },
    prisonHealthcare.signing.secretKey,
  )
  host.envelopes.set('medicines', sealed.ciphertext)
  host.manifests.set('medicines', manifest.bytes)
  host.inboxWraps.set('medicines', await wrapToInbox(dek, inbox.publicKey, { ...context, epoch: keyring.epoch }))
  log(`prison healthcare deposited ${sealed.ciphertextLength} bytes of ciphertext`)

  // 3. Accept: the phone unlocks the vault, opens the deposit, checks who signed it, and keeps
  //    the data key under its own epoch key.
  const vrk = await unwrapAsDevice(host.deviceWraps.get('phone') as Uint8Array, phone.agreement.secretKey, {
    vaultId: keyring.vaultId,
    epoch: 0,
  })
  const inboxSecret = deriveInboxKeyPair(vrk, keyring.vaultId, 0).secretKey
  const acceptedDek = await unwrapFromInbox(host.inboxWraps.get('medicines') as Uint8Array, inboxSecret, {
    ...context,
    epoch: 0,
  })
  const checked = verifyManifest(host.manifests.get('medicines') as Uint8Array, prisonHealthcare.signing.publicKey)
  openEnvelope(host.envelopes.get('medicines') as Uint8Array, openOptionsFromManifest(checked, acceptedDek))
  host.epochWraps.set(
    'medicines',
    wrapToEpoch(acceptedDek, keyring.keyEncryptionKey, { ...context, epoch: keyring.epoch }),
  )
  host.inboxWraps.delete('medicines')
  log('holder accepted the medication list')

  // 4-5. Request and approval: the GP surgery asks; the holder wraps the key to the surgery.
  const surgery = generateDeviceKeys()
  const grantId = generateId()
  const holderDek = unwrapFromEpoch(host.epochWraps.get('medicines') as Uint8Array, keyring.keyEncryptionKey, {
    ...context,
    epoch: keyring.epoch,
  })
  host.grantWraps.set('medicines', await wrapToGrantee(holderDek, surgery.agreement.publicKey, { grantId, ...context }))
  log('holder approved: medicines shared with the surgery')

  // 6. Read: the surgery unwraps, verifies prison healthcare's signature, and opens.
  const gpDek = await unwrapAsGrantee(host.grantWraps.get('medicines') as Uint8Array, surgery.agreement.secretKey, {
    grantId,
    ...context,
  })
  const gpManifest = verifyManifest(host.manifests.get('medicines') as Uint8Array, prisonHealthcare.signing.publicKey)
  const opened = openEnvelope(host.envelopes.get('medicines') as Uint8Array, openOptionsFromManifest(gpManifest, gpDek))
  const gpVerifiedIssuer = constantTimeEqual(
    gpManifest.authorKeyId,
    keyThumbprint(prisonHealthcare.signing.publicKey, 'Ed25519'),
  )
  log(`surgery read: "${text(opened.plaintext)}"`)

  // A host that swaps in another record is caught before anything is shown.
  const other = sealEnvelope({
    dek: gpDek,
    context: { ...context, recordId: generateId() },
    metadata: new Uint8Array(0),
    plaintext: bytes('Diazepam 10 mg'),
  })
  let hostSwapRefused = 'accepted'
  try {
    openEnvelope(other.ciphertext, openOptionsFromManifest(gpManifest, gpDek))
  } catch (error) {
    hostSwapRefused = isHoldallCryptoError(error) ? error.code : 'unexpected error'
  }
  log(`host swapped the record: refused with ${hostSwapRefused}`)

  // 7. Revoke: the wrap is deleted; the surgery keeps only what it already read.
  host.grantWraps.delete('medicines')
  log('holder stopped sharing')

  // The phone is lost: a new VRK, a new epoch, every data key re-wrapped; the old phone is out.
  const next = rotateVaultKeyring(keyring)
  host.epochWraps.set(
    'medicines',
    rewrapToEpoch(
      host.epochWraps.get('medicines') as Uint8Array,
      keyring.keyEncryptionKey,
      next.keyEncryptionKey,
      { ...context, epoch: keyring.epoch },
      next.epoch,
    ),
  )
  let oldDeviceLockedOut = 'still opens'
  try {
    unwrapFromEpoch(host.epochWraps.get('medicines') as Uint8Array, keyring.keyEncryptionKey, {
      ...context,
      epoch: next.epoch,
    })
  } catch (error) {
    oldDeviceLockedOut = isHoldallCryptoError(error) ? error.code : 'unexpected error'
  }
  keyring = next
  log(`phone lost: vault moved to epoch ${keyring.epoch}; the old key gets ${oldDeviceLockedOut}`)

  // The new phone still reads the record: the DEK comes from the epoch-1 wrap, while the
  // envelope and its manifest keep the epoch it was sealed in (0).
  const afterRotation = unwrapFromEpoch(host.epochWraps.get('medicines') as Uint8Array, keyring.keyEncryptionKey, {
    ...context,
    epoch: keyring.epoch,
  })
  const readAfterRotation = text(
    openEnvelope(host.envelopes.get('medicines') as Uint8Array, openOptionsFromManifest(checked, afterRotation))
      .plaintext,
  )

  const stored = [...Object.values(host)].flatMap((map) => [...map.values()])
  const hostSawPlaintext = stored.some((blob) => text(blob).includes('Sertraline'))
  return {
    gpReadMedicines: text(opened.plaintext),
    readAfterRotation,
    gpVerifiedIssuer,
    hostSwapRefused,
    revokedWrapGone: !host.grantWraps.has('medicines'),
    oldDeviceLockedOut,
    hostSawPlaintext,
  }
}
