import { sctidConceptProblem } from '@holdall/client'
import { nhsNumberValid } from './fhir-rules.js'

/*
 * The UK Core R4 constraints our bundles rely on that a base R4 validator cannot know (the UK Core
 * package is not published on npm, and its terminology needs a server). Each check names the UK
 * Core page it comes from (HL7 UK, UK Core R4 on simplifier.net; the StructureDefinitions are in
 * NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN, structuredefinitions/). Ids are stable for tests.
 */

const UKCORE = 'https://simplifier.net/hl7fhirukcorer4'
export const UKCORE_PAGES = {
  medicationRequest: `${UKCORE}/ukcore-medicationrequest`,
  allergyIntolerance: `${UKCORE}/ukcore-allergyintolerance`,
  patient: `${UKCORE}/ukcore-patient`,
  lastIssueDate: `${UKCORE}/extension-ukcore-medicationstatementlastissuedate`,
  prescribingOrganisationType: `${UKCORE}/extension-ukcore-medicationprescribingorganizationtype`,
  medicationCode: `${UKCORE}/ukcore-medicationcode`,
  profiles: `${UKCORE}/profiles-and-extensions`,
} as const

const EXTENSION = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-'
const LAST_ISSUE_DATE = `${EXTENSION}MedicationStatementLastIssueDate`
const PRESCRIBING_ORGANISATION_TYPE = `${EXTENSION}MedicationPrescribingOrganizationType`
const PRESCRIBING_ORGANISATION_TYPE_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-MedicationPrescribingOrganizationType'
/** The codes of that CodeSystem (UKCore-MedicationPrescribingOrganizationType value set). */
const PRESCRIBING_ORGANISATION_TYPES = ['prescribed-at-gp-practice', 'prescribed-by-another-organisation']
const DMD = 'https://dmd.nhs.uk'
const SNOMED = 'http://snomed.info/sct'
/** Resource types with a UK Core profile that we claim (Provenance has none we rely on). */
const PROFILED = new Set([
  'Patient',
  'Organization',
  'Practitioner',
  'MedicationRequest',
  'MedicationStatement',
  'MedicationDispense',
  'MedicationAdministration',
  'AllergyIntolerance',
  'ServiceRequest',
])
const MEDICATION_RESOURCES = [
  'MedicationRequest',
  'MedicationStatement',
  'MedicationDispense',
  'MedicationAdministration',
]

type Json = Record<string, unknown>

/** Every Coding (an object with system and code) under a node, with its path. */
function codings(node: unknown, path: string, out: { path: string; coding: Json }[] = []) {
  if (Array.isArray(node))
    node.forEach((item, i) => {
      codings(item, `${path}[${i}]`, out)
    })
  else if (node !== null && typeof node === 'object') {
    const object = node as Json
    if (typeof object.system === 'string' && typeof object.code === 'string') out.push({ path, coding: object })
    for (const [key, value] of Object.entries(object)) if (key !== 'text') codings(value, `${path}.${key}`, out)
  }
  return out
}

/** Every extension (url + value) under a node, with the resource type it sits in. */
function extensions(node: unknown, path: string, out: { path: string; extension: Json }[] = []) {
  if (Array.isArray(node))
    node.forEach((item, i) => {
      extensions(item, `${path}[${i}]`, out)
    })
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as Json)) {
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(value))
        value.forEach((e, i) => {
          out.push({ path: `${path}.${key}[${i}]`, extension: e as Json })
        })
      extensions(value, `${path}.${key}`, out)
    }
  }
  return out
}

const valueKeys = (e: Json) => Object.keys(e).filter((k) => k.startsWith('value'))

export function ukCoreProblems(bundle: Json): string[] {
  const problems: string[] = []
  const fail = (rule: string, where: string, message: string, page: string) =>
    problems.push(`${rule}: ${where}: ${message} (${page})`)
  const entries = (bundle.entry as { resource: Json }[] | undefined) ?? []
  entries.forEach(({ resource }, i) => {
    const type = resource.resourceType as string
    const where = `Bundle.entry[${i}].resource (${type})`

    if (PROFILED.has(type)) {
      const claimed = ((resource.meta as Json | undefined)?.profile as string[] | undefined) ?? []
      if (!claimed.includes(`https://fhir.hl7.org.uk/StructureDefinition/UKCore-${type}`))
        fail('UKC-PROFILE', where, `does not claim UKCore-${type} in meta.profile`, UKCORE_PAGES.profiles)
    }

    if (type === 'MedicationRequest') {
      // UKCore-MedicationRequest: substitution 1..1 (and base R4: allowed[x] 1..1 within it).
      const substitution = resource.substitution as Json | undefined
      const allowed = substitution === undefined ? [] : Object.keys(substitution).filter((k) => k.startsWith('allowed'))
      if (allowed.length !== 1)
        fail('UKC-MR-1', where, 'substitution with one allowed[x] is mandatory', UKCORE_PAGES.medicationRequest)
      // UKCore-MedicationRequest: a coded route is SNOMED CT, with code and display.
      for (const d of (resource.dosageInstruction as Json[] | undefined) ?? [])
        for (const c of ((d.route as Json | undefined)?.coding as Json[] | undefined) ?? [])
          if (c.system !== SNOMED || typeof c.code !== 'string' || typeof c.display !== 'string')
            fail(
              'UKC-MR-2',
              where,
              'a route coding must be SNOMED CT with code and display',
              UKCORE_PAGES.medicationRequest,
            )
    }

    if (type === 'AllergyIntolerance' && resource.code === undefined)
      fail('UKC-AI-1', where, 'code is mandatory (1..1)', UKCORE_PAGES.allergyIntolerance)

    if (type === 'Patient') {
      const nhs = ((resource.identifier as Json[] | undefined) ?? []).filter(
        (id) => id.system === 'https://fhir.nhs.uk/Id/nhs-number',
      )
      for (const id of nhs)
        if (!nhsNumberValid(String(id.value)))
          fail('UKC-PAT-1', where, 'the NHS number fails its modulus 11 check', UKCORE_PAGES.patient)
    }

    if (MEDICATION_RESOURCES.includes(type)) {
      // UKCore-MedicationCode (dm+d) is bound extensibly: where a dm+d concept applies it must be used.
      const medication = resource.medicationCodeableConcept as Json | undefined
      const coded = ((medication?.coding as Json[] | undefined) ?? []).some((c) => c.system === DMD)
      if (!coded) fail('UKC-DMD-2', where, 'the medication carries no dm+d coding', UKCORE_PAGES.medicationCode)
    }

    for (const { path, coding } of codings(resource, where)) {
      if (coding.system !== DMD && coding.system !== SNOMED) continue
      const problem = sctidConceptProblem(coding.code as string)
      const rule = coding.system === DMD ? 'UKC-DMD-1' : 'UKC-SCT-1'
      if (problem !== undefined) fail(rule, path, `code ${String(coding.code)} ${problem}`, UKCORE_PAGES.medicationCode)
      if (coding.system === DMD && typeof coding.display !== 'string')
        fail('UKC-DMD-1', path, 'a dm+d coding carries its display', UKCORE_PAGES.medicationCode)
    }

    for (const { path, extension } of extensions(resource, where)) {
      const url = extension.url as string
      if (!url.startsWith(EXTENSION)) continue
      const values = valueKeys(extension)
      if (url === LAST_ISSUE_DATE) {
        if (type !== 'MedicationStatement' || !/^Bundle\.entry\[\d+\]\.resource \(\w+\)\.extension\[\d+\]$/.test(path))
          fail('UKC-EXT-1', path, 'LastIssueDate belongs on MedicationStatement only', UKCORE_PAGES.lastIssueDate)
        if (values.length !== 1 || values[0] !== 'valueDateTime')
          fail('UKC-EXT-1', path, 'LastIssueDate takes valueDateTime only', UKCORE_PAGES.lastIssueDate)
      } else if (url === PRESCRIBING_ORGANISATION_TYPE) {
        const page = UKCORE_PAGES.prescribingOrganisationType
        if (type !== 'MedicationStatement' || !/^Bundle\.entry\[\d+\]\.resource \(\w+\)\.extension\[\d+\]$/.test(path))
          fail('UKC-EXT-2', path, 'PrescribingOrganizationType belongs on MedicationStatement only', page)
        const codes = (
          ((extension.valueCodeableConcept as Json | undefined)?.coding as Json[] | undefined) ?? []
        ).filter(
          (c) =>
            c.system === PRESCRIBING_ORGANISATION_TYPE_SYSTEM &&
            PRESCRIBING_ORGANISATION_TYPES.includes(c.code as string),
        )
        if (values.length !== 1 || values[0] !== 'valueCodeableConcept' || codes.length === 0)
          fail(
            'UKC-EXT-2',
            path,
            'takes a valueCodeableConcept from UKCore-MedicationPrescribingOrganizationType',
            page,
          )
      } else fail('UKC-EXT-0', path, `UK Core extension ${url} is not one these checks know`, UKCORE_PAGES.profiles)
    }
    for (const url of [LAST_ISSUE_DATE, PRESCRIBING_ORGANISATION_TYPE]) {
      const count = ((resource.extension as Json[] | undefined) ?? []).filter((e) => e.url === url).length
      if (count > 1) fail('UKC-EXT-3', where, `${url} may appear once (max 1)`, UKCORE_PAGES.profiles)
    }
  })
  return problems
}
