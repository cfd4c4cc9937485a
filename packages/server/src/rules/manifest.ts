import { base64urlDecode, parseManifest } from '@holdall/crypto'
import { recordTypeOfCode } from '@holdall/protocol'
import { HttpProblem } from '../errors.js'

/** The host checks what it can check without keys: the manifest names this record version and this blob. */
export function checkManifest(
  manifestText: string,
  expected: {
    vaultId: string
    recordId: string
    version: number
    keyEpoch: number
    sha256: string
    length: number
    recordType: string
  },
) {
  let manifest: ReturnType<typeof parseManifest>
  try {
    manifest = parseManifest(base64urlDecode(manifestText))
  } catch {
    throw new HttpProblem('manifest_invalid', 'the manifest is malformed')
  }
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  const matches =
    b64(manifest.vaultId) === expected.vaultId &&
    b64(manifest.recordId) === expected.recordId &&
    manifest.version === expected.version &&
    manifest.keyEpoch === expected.keyEpoch &&
    b64(manifest.ciphertextSha256) === expected.sha256 &&
    manifest.ciphertextLength === expected.length &&
    // The clear label must be the type the author signed ([API-DEP-02]); readers check it again.
    recordTypeOfCode(manifest.recordTypeCode) === expected.recordType
  if (!matches) throw new HttpProblem('manifest_invalid', 'the manifest does not describe this record version')
  return manifest
}
