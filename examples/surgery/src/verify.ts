import { type GrantInfo, type ServiceClient, type TrustedOrganisations, verifyTrustList } from '@holdall/client'
import { base64urlDecode, base64urlEncode, parseManifest } from '@holdall/crypto'
import type { MedicationList, OrganisationCategory, RecordVersionView } from '@holdall/protocol'

/** What the surgery could establish about who wrote a medicines list. Every kind is shown on the page. */
export type Verification =
  | {
      readonly kind: 'verified'
      readonly organisation: { name: string; odsCode: string; category: OrganisationCategory }
      readonly signedAt: Date
      /** The list names the same ODS code as the trust list entry of its signer. */
      readonly namesItsSigner: boolean
      /** The signer's category may issue a medicines list (prison or other healthcare). */
      readonly healthcareSigner: boolean
    }
  /** Signed by the holder's own phone: what the patient says they take, not what a prescriber issued. */
  | { readonly kind: 'self_asserted'; readonly signedAt: Date }
  /** Signed by a key that is on no trust list this surgery holds: nothing it says can be checked. */
  | { readonly kind: 'unknown_signer'; readonly trustListProblem: string | undefined }
  /** The signature or the content does not check out: the list was changed after it was signed. */
  | { readonly kind: 'invalid' }

export interface ReadMedicationList {
  readonly recordId: string
  readonly version: number
  readonly verification: Verification
  /** Present only when the list could be opened and its signature checked. */
  readonly list: MedicationList | undefined
}

const HEALTHCARE: readonly OrganisationCategory[] = ['prison_healthcare', 'gp_surgery', 'pharmacy']

/** The trust list the surgery checks signatures against: fetched from the host, verified under the pinned anchor. */
export async function currentTrustList(
  hostUrl: string,
  anchor: Uint8Array | undefined,
  now: number,
): Promise<{ trusted: TrustedOrganisations; problem: string | undefined }> {
  if (anchor === undefined) return { trusted: emptyTrustList(), problem: 'no trust list key is configured' }
  try {
    const response = await fetch(`${hostUrl}/trust-list`, { headers: { accept: 'application/jwt' } })
    if (!response.ok) return { trusted: emptyTrustList(), problem: 'the host serves no trust list' }
    return { trusted: verifyTrustList((await response.text()).trim(), anchor, now), problem: undefined }
  } catch {
    return { trusted: emptyTrustList(), problem: 'the trust list could not be checked' }
  }
}

function emptyTrustList(): TrustedOrganisations {
  return {
    list: { format: 2, iss: 'none', iat: 0, exp: 0, organisations: [] },
    byClientId: () => undefined,
    byKeyId: () => undefined,
  }
}

/**
 * Reads every medicines list the grant covers. Who signed is decided from the manifest before
 * anything is opened: a trusted organisation, the holder's own device, or nobody we know. A
 * signature that fails is reported as `invalid`, never dropped.
 */
export async function readMedicationLists(
  service: ServiceClient,
  grant: GrantInfo,
  trustList: { trusted: TrustedOrganisations; problem: string | undefined },
): Promise<ReadMedicationList[]> {
  const views = (await service.records()).filter((v) => v.record_type === 'medication_list')
  const out: ReadMedicationList[] = []
  for (const view of views) out.push(await readOne(service, grant, trustList, view))
  return out
}

async function readOne(
  service: ServiceClient,
  grant: GrantInfo,
  { trusted, problem }: { trusted: TrustedOrganisations; problem: string | undefined },
  view: RecordVersionView,
): Promise<ReadMedicationList> {
  const base = { recordId: view.record_id, version: view.version }
  let authorKeyId: string
  try {
    authorKeyId = base64urlEncode(parseManifest(base64urlDecode(view.manifest)).authorKeyId)
  } catch {
    return { ...base, verification: { kind: 'invalid' }, list: undefined }
  }
  const organisation = trusted.byKeyId(authorKeyId)
  // The holder's devices come from the device chain the SDK verified and pinned, not from the host.
  const byHolder = grant.holderDevices.some((device) => base64urlEncode(device.keyId) === authorKeyId)
  if (organisation === undefined && !byHolder) {
    return { ...base, verification: { kind: 'unknown_signer', trustListProblem: problem }, list: undefined }
  }
  let opened: Awaited<ReturnType<ServiceClient['readRecord']>>
  try {
    opened = await service.readRecord(view, trusted)
  } catch (error) {
    // A refused token is the grant ending, not a bad signature: let the caller end the session.
    if (typeof (error as { status?: unknown }).status === 'number') throw error
    return { ...base, verification: { kind: 'invalid' }, list: undefined }
  }
  const list = opened.payload as MedicationList
  if (organisation === undefined) {
    return { ...base, verification: { kind: 'self_asserted', signedAt: opened.signedAt }, list }
  }
  return {
    ...base,
    list,
    verification: {
      kind: 'verified',
      organisation: { name: organisation.name, odsCode: organisation.registry_code, category: organisation.category },
      signedAt: opened.signedAt,
      namesItsSigner: list.issuingOrganisation.odsCode === organisation.registry_code,
      healthcareSigner: HEALTHCARE.includes(organisation.category),
    },
  }
}

/** NHS number check digit (modulus 11), so a mistyped number is caught before it is compared. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false
  const digits = [...value].map(Number)
  const sum = digits.slice(0, 9).reduce((acc, d, i) => acc + d * (10 - i), 0)
  const check = 11 - (sum % 11)
  if (check === 10) return false
  return (check === 11 ? 0 : check) === digits[9]
}
