import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { type Language, STRINGS, type StringKey } from './strings.js'

export type Translate = (key: StringKey, values?: Record<string, string | number>) => string

/** Fills `{name}` placeholders; a value is inserted as text, never as markup. */
export function translate(language: Language, key: StringKey, values: Record<string, string | number> = {}): string {
  return STRINGS[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  )
}

export interface LanguageState {
  readonly language: Language
  readonly t: Translate
  readonly setLanguage: (language: Language) => void
}

export const LanguageContext = createContext<LanguageState>({
  language: 'en',
  t: (key, values) => translate('en', key, values),
  setLanguage: () => {},
})

export const useLanguage = () => useContext(LanguageContext)

const LOCALES: Record<Language, string> = { en: 'en-GB', cy: 'cy-GB' }

/** "Friday 20 March": an end date as a day and a date (domain.md (d) 4). */
export function dayAndDate(language: Language, at: number | Date): string {
  return new Intl.DateTimeFormat(LOCALES[language], { weekday: 'long', day: 'numeric', month: 'long' }).format(at)
}

/** "Tue 17 Mar at 10:02", for the log. */
export function whenShort(language: Language, at: number | Date): string {
  const day = new Intl.DateTimeFormat(LOCALES[language], { weekday: 'short', day: 'numeric', month: 'short' }).format(
    at,
  )
  const time = new Intl.DateTimeFormat(LOCALES[language], { hour: '2-digit', minute: '2-digit', hour12: false }).format(
    at,
  )
  return language === 'cy' ? `${day} am ${time}` : `${day} at ${time}`
}

export function timeOnly(language: Language, at: number | Date): string {
  return new Intl.DateTimeFormat(LOCALES[language], { hour: '2-digit', minute: '2-digit', hour12: false }).format(at)
}

/** "A and B", "A, B and C" in the current language. */
export function listOf(language: Language, items: readonly string[]): string {
  return new Intl.ListFormat(LOCALES[language], { style: 'long', type: 'conjunction' }).format(items)
}
