import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { en, type Language, type StringKey } from './strings.js'

export type Translate = (key: StringKey, values?: Record<string, string | number>) => string

/** The words of each language loaded so far: English is in the first load, Welsh comes on demand. */
const loaded: Partial<Record<Language, Record<StringKey, string>>> = { en }

/** Loads a language's words (once); the wallet switches language only after this resolves. */
export async function loadLanguage(language: Language): Promise<void> {
  if (loaded[language] !== undefined) return
  if (language === 'cy') loaded.cy = (await import('./strings-cy.js')).cy
}

/** Fills `{name}` placeholders; a value is inserted as text, never as markup. */
export function translate(language: Language, key: StringKey, values: Record<string, string | number> = {}): string {
  return (loaded[language] ?? en)[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
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

/*
 * Dates and times in our own words, not the browser's locale data: a phone set to English (or
 * with a build of Chromium or Android that lacks Welsh) still shows Welsh dates in Welsh. The
 * phone's own time zone is used; the instant shown is the caller's (host time where it matters).
 */
const DAYS: Record<Language, readonly string[]> = {
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  cy: ['Dydd Sul', 'Dydd Llun', 'Dydd Mawrth', 'Dydd Mercher', 'Dydd Iau', 'Dydd Gwener', 'Dydd Sadwrn'],
}
const SHORT_DAYS: Record<Language, readonly string[]> = {
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  cy: ['Sul', 'Llun', 'Maw', 'Mer', 'Iau', 'Gwe', 'Sad'],
}
const MONTHS: Record<Language, readonly string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  cy: [
    'Ionawr',
    'Chwefror',
    'Mawrth',
    'Ebrill',
    'Mai',
    'Mehefin',
    'Gorffennaf',
    'Awst',
    'Medi',
    'Hydref',
    'Tachwedd',
    'Rhagfyr',
  ],
}
const SHORT_MONTHS: Record<Language, readonly string[]> = {
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
  cy: ['Ion', 'Chwef', 'Maw', 'Ebr', 'Mai', 'Meh', 'Gorff', 'Awst', 'Medi', 'Hyd', 'Tach', 'Rhag'],
}

/** "Friday 20 March": an end date as a day and a date (domain.md (d) 4). */
export function dayAndDate(language: Language, at: number | Date): string {
  const d = new Date(at)
  return `${DAYS[language][d.getDay()]} ${d.getDate()} ${MONTHS[language][d.getMonth()]}`
}

/** "2 April 1991": a date of birth, or any date far from today. */
export function dateWithYear(language: Language, at: number | Date): string {
  const d = new Date(at)
  return `${d.getDate()} ${MONTHS[language][d.getMonth()]} ${d.getFullYear()}`
}

/** "Friday": the day of the week alone, for "before Friday". */
export function dayName(language: Language, at: number | Date): string {
  return DAYS[language][new Date(at).getDay()] as string
}

/** "10:02", on the 24-hour clock. */
export function timeOnly(_language: Language, at: number | Date): string {
  const d = new Date(at)
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
}

/** "Tue 17 Mar at 10:02", for the log. */
export function whenShort(language: Language, at: number | Date): string {
  const d = new Date(at)
  const day = `${SHORT_DAYS[language][d.getDay()]} ${d.getDate()} ${SHORT_MONTHS[language][d.getMonth()]}`
  return `${day} ${language === 'cy' ? 'am' : 'at'} ${timeOnly(language, d)}`
}

/** The date of a calendar day written as an ISO date ("2026-12-18"), read as that day, not as UTC midnight. */
export function calendarDay(iso: string): Date {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number)
  return new Date(year ?? 1970, (month ?? 1) - 1, day ?? 1, 12)
}

/** "A and B", "A, B and C" in the current language (Welsh "a", or "ac" before a vowel). */
export function listOf(language: Language, items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? ''
  const last = items[items.length - 1] as string
  const and = language === 'cy' ? (/^[aeiouwyâêîôûŵŷ]/i.test(last) ? 'ac' : 'a') : 'and'
  return `${items.slice(0, -1).join(', ')} ${and} ${last}`
}
