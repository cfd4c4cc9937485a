/** Deeper than any Holdall body (the deepest is about 6); deep enough for any honest client. */
export const MAX_JSON_DEPTH = 32

/**
 * Finds what JSON.parse silently accepts but a Holdall body must not have: a member name twice in
 * one object (JSON.parse keeps the last, so two readers of one body could disagree about it), or
 * nesting deeper than MAX_JSON_DEPTH. One linear pass over the text, no allocation per value.
 * Returns a reason, or undefined. Malformed JSON is left for JSON.parse to refuse.
 */
export function jsonShapeProblem(text: string): string | undefined {
  const objects: (Set<string> | null)[] = [] // null marks an array
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      const start = i
      let escaped = false
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 0x5c /* \ */) {
          escaped = true
          i++
        } else if (d === 0x22) break
      }
      const top = objects.at(-1)
      if (expectKey && top) {
        const raw = text.slice(start, i + 1)
        let name: string
        try {
          name = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1)
        } catch {
          return undefined
        }
        if (top.has(name)) return 'a member name appears twice in one object'
        top.add(name)
        expectKey = false
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      objects.push(c === 0x7b ? new Set() : null)
      if (objects.length > MAX_JSON_DEPTH) return `nesting deeper than ${MAX_JSON_DEPTH}`
      expectKey = c === 0x7b
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      objects.pop()
      expectKey = false
    } else if (c === 0x2c /* , */) {
      expectKey = objects.at(-1) instanceof Set
    }
  }
  return undefined
}
