/*
 * Plain-English measures for the wallet's words. Flesch-Kincaid grade level:
 *   0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59
 * A US grade plus 5 is a reading age, so grade 4 is a reading age of 9 (domain.md (d) 7). Syllables
 * are counted by the usual rule of thumb (groups of vowels, less a silent final e), which is
 * close enough for short everyday words and errs high on long ones.
 */

export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '')
  if (w.length === 0) return 0
  if (w.length <= 3) return 1
  const trimmed = w.replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, '').replace(/^y/, '')
  const groups = trimmed.match(/[aeiouy]{1,2}/g)
  return Math.max(1, groups?.length ?? 1)
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w))
}

/** Sentences end with . ? or !; a string without one (a label, a button) is one sentence. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.?!])\s+/)
    .map((s) => s.trim())
    .filter((s) => words(s).length > 0)
}

export function fleschKincaidGrade(texts: readonly string[]): number {
  const all = texts.flatMap(sentences)
  const ws = all.flatMap(words)
  const syllableCount = ws.reduce((sum, w) => sum + syllables(w), 0)
  return 0.39 * (ws.length / all.length) + 11.8 * (syllableCount / ws.length) - 15.59
}
