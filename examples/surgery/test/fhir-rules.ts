/*
 * The UK Core rules our export must meet, as documented in ../FHIR.md (rule ids match). Each
 * returns human-readable violations; an empty list means the bundle passes. This is not a full
 * FHIR validator: it checks the required elements and value sets we rely on.
 */

type Json = Record<string, unknown>

const UKCORE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-'
const REGISTRATION_SYSTEMS = [
  'https://fhir.hl7.org.uk/Id/gmc-number',
  'https://fhir.hl7.org.uk/Id/nmc-number',
  'https://fhir.hl7.org.uk/Id/gphc-number',
  'https://fhir.hl7.org.uk/Id/hcpc-number',
]
const MEDICATION_STATEMENT_STATUS = [
  'active',
  'completed',
  'entered-in-error',
  'intended',
  'stopped',
  'on-hold',
  'unknown',
  'not-taken',
]
const MEDICATION_REQUEST_STATUS = [
  'active',
  'on-hold',
  'cancelled',
  'completed',
  'entered-in-error',
  'stopped',
  'draft',
  'unknown',
]
const MEDICATION_REQUEST_INTENT = [
  'proposal',
  'plan',
  'order',
  'original-order',
  'reflex-order',
  'filler-order',
  'instance-order',
  'option',
]

export function nhsNumberValid(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false
  const d = [...value].map(Number)
  const check = 11 - (d.slice(0, 9).reduce((a, n, i) => a + n * (10 - i), 0) % 11)
  return check !== 10 && (check === 11 ? 0 : check) === d[9]
}

export function checkBundle(bundle: Json, expect: { grantId: string }): string[] {
  const errors: string[] = []
  const fail = (rule: string, message: string) => errors.push(`${rule}: ${message}`)
  if (bundle.resourceType !== 'Bundle') fail('B1', 'not a Bundle')
  if (bundle.type !== 'collection') fail('B1', 'type must be collection')
  if (typeof bundle.timestamp !== 'string' || Number.isNaN(Date.parse(bundle.timestamp as string)))
    fail('B1', 'timestamp is required')
  const identifier = bundle.identifier as Json | undefined
  if (typeof identifier?.value !== 'string') fail('B1', 'identifier is required')
  const entries = (bundle.entry as { fullUrl?: string; resource?: Json }[] | undefined) ?? []
  const byUrl = new Map<string, Json>()
  for (const e of entries) {
    if (typeof e.fullUrl !== 'string' || !/^urn:uuid:[0-9a-f-]{36}$/.test(e.fullUrl))
      fail('B2', 'fullUrl must be a urn:uuid')
    if (e.resource === undefined) fail('B2', 'entry without resource')
    else byUrl.set(e.fullUrl ?? '', e.resource)
  }
  const resolve = (rule: string, ref: unknown, type: string): Json | undefined => {
    const reference = (ref as Json | undefined)?.reference
    const target = typeof reference === 'string' ? byUrl.get(reference) : undefined
    if (target?.resourceType !== type) {
      fail(rule, `reference ${String(reference)} must resolve to a ${type} in the bundle`)
      return undefined
    }
    return target
  }
  const of = (type: string) => [...byUrl.values()].filter((r) => r.resourceType === type)
  for (const r of byUrl.values()) {
    if (r.resourceType === 'Bundle' || r.resourceType === 'Provenance') continue
    const profiles = ((r.meta as Json | undefined)?.profile as string[] | undefined) ?? []
    if (!profiles.includes(`${UKCORE}${r.resourceType as string}`))
      fail('R1', `${r.resourceType} must claim its UK Core profile`)
  }

  const patients = of('Patient')
  if (patients.length !== 1) fail('P1', 'exactly one Patient')
  for (const p of patients) {
    const ids = (p.identifier as Json[] | undefined) ?? []
    const nhs = ids.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')
    if (nhs === undefined || !nhsNumberValid(String(nhs.value)))
      fail('P1', 'Patient needs a valid NHS number identifier')
    if (!Array.isArray(p.name) || p.name.length === 0) fail('P2', 'Patient needs a name')
    if (typeof p.birthDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(p.birthDate))
      fail('P2', 'Patient needs a birthDate')
  }
  for (const o of of('Organization')) {
    const ods = ((o.identifier as Json[] | undefined) ?? []).find(
      (i) => i.system === 'https://fhir.nhs.uk/Id/ods-organization-code',
    )
    if (ods === undefined || !/^[A-Z0-9]{3,10}$/.test(String(ods.value))) fail('O1', 'Organization needs an ODS code')
    if (typeof o.name !== 'string' || o.name === '') fail('O1', 'Organization needs a name')
  }
  for (const pr of of('Practitioner')) {
    const reg = ((pr.identifier as Json[] | undefined) ?? []).find((i) =>
      REGISTRATION_SYSTEMS.includes(String(i.system)),
    )
    if (reg === undefined || typeof reg.value !== 'string' || reg.value === '')
      fail('PR1', 'Practitioner needs a professional registration identifier')
    if (!Array.isArray(pr.name) || pr.name.length === 0) fail('PR1', 'Practitioner needs a name')
  }
  const dmd = (rule: string, concept: unknown) => {
    const coding = ((concept as Json | undefined)?.coding as Json[] | undefined) ?? []
    const c = coding.find((x) => x.system === 'https://dmd.nhs.uk')
    if (c === undefined || !/^\d{6,18}$/.test(String(c.code)) || typeof c.display !== 'string')
      fail(rule, 'medication needs a dm+d coding (system https://dmd.nhs.uk, SNOMED id, display)')
  }
  const statements = of('MedicationStatement')
  const requests = of('MedicationRequest')
  if (statements.length === 0) fail('MS1', 'at least one MedicationStatement')
  for (const s of statements) {
    if (!MEDICATION_STATEMENT_STATUS.includes(String(s.status))) fail('MS1', 'status outside its required value set')
    dmd('MS2', s.medicationCodeableConcept)
    resolve('MS3', s.subject, 'Patient')
    if (typeof s.dateAsserted !== 'string') fail('MS4', 'dateAsserted (when prison healthcare issued the list)')
    resolve('MS4', s.informationSource, 'Organization')
    const extensions = (s.extension as Json[] | undefined) ?? []
    const lastIssue = extensions.find(
      (e) => e.url === 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate',
    )
    if (typeof lastIssue?.valueDateTime !== 'string')
      fail('MS6', 'the last issue date extension is required for a repeat')
    const orgType = extensions.find(
      (e) =>
        e.url === 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationPrescribingOrganizationType',
    )
    if (!JSON.stringify(orgType ?? {}).includes('"prescribed-by-another-organisation"'))
      fail('MS6', 'prison prescriptions are prescribed-by-another-organisation')
    const dosage = (s.dosage as Json[] | undefined)?.[0]
    if (typeof dosage?.text !== 'string' || dosage.text === '')
      fail('MS5', 'dosage text is required for reconciliation')
  }
  for (const m of requests) {
    if (!MEDICATION_REQUEST_STATUS.includes(String(m.status))) fail('MR1', 'status outside its required value set')
    if (!MEDICATION_REQUEST_INTENT.includes(String(m.intent))) fail('MR1', 'intent outside its required value set')
    dmd('MR2', m.medicationCodeableConcept)
    resolve('MR3', m.subject, 'Patient')
    resolve('MR4', m.requester, 'Practitioner')
    if (typeof m.authoredOn !== 'string') fail('MR5', 'authoredOn (last issue date) is required for reconciliation')
    const quantity = (m.dispenseRequest as Json | undefined)?.quantity as Json | undefined
    if (typeof quantity?.value !== 'number') fail('MR5', 'dispenseRequest.quantity (supplied on release) is required')
  }
  const dispenses = of('MedicationDispense')
  if (dispenses.length !== requests.length) fail('MD1', 'one MedicationDispense (the supply on release) per medicine')
  for (const d of dispenses) {
    if (
      ![
        'preparation',
        'in-progress',
        'cancelled',
        'on-hold',
        'completed',
        'entered-in-error',
        'stopped',
        'declined',
        'unknown',
      ].includes(String(d.status))
    )
      fail('MD1', 'status outside its required value set')
    dmd('MD1', d.medicationCodeableConcept)
    resolve('MD1', d.subject, 'Patient')
    if (typeof (d.quantity as Json | undefined)?.value !== 'number') fail('MD2', 'quantity supplied is required')
    if (typeof d.whenHandedOver !== 'string') fail('MD2', 'whenHandedOver (date supplied) is required')
  }
  for (const a of of('AllergyIntolerance')) {
    const code = a.code as Json | undefined
    if (code === undefined || (typeof code.text !== 'string' && !Array.isArray(code.coding)))
      fail('A1', 'code is required')
    resolve('A1', a.patient, 'Patient')
    const clinical = ((a.clinicalStatus as Json | undefined)?.coding as Json[] | undefined)?.[0]
    const enteredInError = JSON.stringify(a.verificationStatus ?? '').includes('entered-in-error')
    if (
      !enteredInError &&
      (clinical?.system !== 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical' ||
        !['active', 'inactive', 'resolved'].includes(String(clinical?.code)))
    )
      fail('A2', 'clinicalStatus is required unless entered-in-error (ait-1)')
  }
  const provenances = of('Provenance')
  if (provenances.length !== 1) fail('PV1', 'exactly one Provenance')
  for (const pv of provenances) {
    const targets = (pv.target as Json[] | undefined) ?? []
    if (targets.length === 0) fail('PV1', 'target 1..*')
    const targeted = new Set(targets.map((t) => t.reference))
    for (const [url, r] of byUrl)
      if (
        ['MedicationStatement', 'MedicationRequest', 'MedicationDispense', 'AllergyIntolerance'].includes(
          String(r.resourceType),
        ) &&
        !targeted.has(url)
      )
        fail('PV2', `${r.resourceType} ${url} is not covered by the Provenance`)
    if (typeof pv.recorded !== 'string' || Number.isNaN(Date.parse(pv.recorded as string)))
      fail('PV1', 'recorded (when the signature was verified) is required')
    if (typeof pv.occurredDateTime !== 'string') fail('PV3', 'occurredDateTime (when it was signed)')
    const agents = (pv.agent as Json[] | undefined) ?? []
    const author = agents.find((g) => JSON.stringify(g.type ?? '').includes('"author"'))
    if (author === undefined) fail('PV3', 'an author agent (the issuing organisation) is required')
    else resolve('PV3', author.who, 'Organization')
    for (const g of agents) if (g.who === undefined) fail('PV1', 'agent.who is required')
    const entityText = JSON.stringify(pv.entity ?? [])
    if (!entityText.includes(expect.grantId)) fail('PV4', 'the Holdall grant id must be named')
    if (!entityText.includes('Holdall')) fail('PV4', 'the source (Holdall) must be named')
  }
  return errors
}
