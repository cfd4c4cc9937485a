import { describe, expect, it } from 'vitest'
import { en as mainEn } from '../src/strings.js'
import { cy as mainCy } from '../src/strings-cy.js'
import { templateCy, templateEn } from '../src/template-words.js'
import { fleschKincaidGrade, sentences, syllables, words } from './readability.js'

// Every word the wallet shows: strings.ts and the template's words, loaded in their own chunk (issue 21).
const en = { ...mainEn, ...templateEn }
const cy: Record<keyof typeof en, string> = { ...mainCy, ...templateCy }

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

/** Sample values, so a sentence is measured as the holder reads it. */
const SAMPLES: Record<string, string> = {
  name: 'Riverside Surgery',
  item: 'your medicines',
  items: 'your medicines',
  date: 'Friday 20 March',
  when: 'Tue 17 Mar at 10:02',
  time: '10:02',
  days: '14',
  count: '1',
  code: 'K7 M2 Q9 XA',
  type: 'GP surgery',
  purpose: 'To carry on your repeat prescription.',
  dose: 'One tablet each morning',
  list: 'Penicillin',
  what: 'Probation',
  place: 'Leeds',
  by: 'Leeds Council',
  why: 'low mood',
  number: '943 476 5919',
  day: 'Thursday',
}
const filled = (text: string) => text.replace(/\{(\w+)\}/g, (_, key: string) => SAMPLES[key] ?? key)
// Names of things, not words a holder has to read: brand, languages, the NHS, the emergency number.
const NAMES = new Set(['Holdall', 'Cymraeg', 'NHS', 'PIN', 'PINs', 'GP', 'ID', 'QR', '999'])

describe('the wallet’s words', () => {
  it('has every key in English and Welsh, none empty, with the same placeholders', () => {
    expect(Object.keys(cy).sort()).toEqual(Object.keys(en).sort())
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(en[key].trim(), key).not.toBe('')
      expect(cy[key].trim(), key).not.toBe('')
      expect(placeholders(cy[key]), `${key}: placeholders`).toEqual(placeholders(en[key]))
    }
  })

  it('is translated: Welsh differs from English except for names', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((key) => en[key] === cy[key])
    expect(same.sort()).toEqual(['appName', 'pinLabel'])
  })

  it('keeps English sentences to 15 words or fewer', () => {
    for (const [key, text] of Object.entries(en))
      for (const sentence of sentences(filled(text)))
        expect(words(sentence).length, `${key}: "${sentence}"`).toBeLessThanOrEqual(15)
  })

  it('uses no English word of more than three syllables, besides names', () => {
    const long: string[] = []
    for (const [key, text] of Object.entries(en))
      for (const word of words(text.replace(/\{\w+\}/g, '')))
        if (!NAMES.has(word.replace(/[^A-Za-z0-9]/g, '')) && syllables(word) > 3) long.push(`${key}: ${word}`)
    expect(long).toEqual([])
  })

  it('reads at age 9 or below: Flesch-Kincaid grade 4 or lower, over all text and over full sentences alone', () => {
    const all = Object.values(en).map(filled)
    // Short labels ("Next", "Lock") pull the average down; the full sentences must pass on their own.
    const full = all.flatMap(sentences).filter((sentence) => words(sentence).length >= 5)
    const grade = fleschKincaidGrade(all)
    const fullGrade = fleschKincaidGrade(full)
    process.stdout.write(
      `wallet English: Flesch-Kincaid grade ${grade.toFixed(2)} over all ${all.length} strings, ${fullGrade.toFixed(2)} over the ${full.length} sentences of 5 words or more (reading age = grade + 5)\n`,
    )
    expect(grade).toBeLessThanOrEqual(4)
    expect(fullGrade).toBeLessThanOrEqual(4)
  })

  it('measures sensibly: a hard sentence scores far above an easy one', () => {
    const easy = fleschKincaidGrade(['You can stop sharing at any time.'])
    const hard = fleschKincaidGrade([
      'Authorisation notwithstanding, organisational responsibilities necessitate comprehensive documentation.',
    ])
    expect(easy).toBeLessThan(4)
    expect(hard).toBeGreaterThan(12)
  })
})
