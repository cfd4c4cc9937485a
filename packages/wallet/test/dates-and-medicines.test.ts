import type { MedicationList } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import { calendarDay, dateWithYear, dayAndDate, listOf, timeOnly, whenShort } from '../src/i18n.js'
import { daysLeft, runningOut } from '../src/running-out.js'

/*
 * Dates in Welsh come from the wallet's own names, not the browser's locale data (a phone set to
 * English, or a build without Welsh, still shows Welsh dates), and medicines running out are
 * counted and ordered as issue 17 asks.
 */

const friday18December = new Date(2026, 11, 18, 9, 5)

describe('dates and times in both languages, without Intl', () => {
  it('writes days and months in Welsh and English', () => {
    expect(dayAndDate('cy', friday18December)).toBe('Dydd Gwener 18 Rhagfyr')
    expect(dayAndDate('en', friday18December)).toBe('Friday 18 December')
    expect(whenShort('cy', friday18December)).toBe('Gwe 18 Rhag am 09:05')
    expect(whenShort('en', friday18December)).toBe('Fri 18 Dec at 09:05')
    expect(timeOnly('cy', friday18December)).toBe('09:05')
    expect(dateWithYear('cy', calendarDay('1991-04-02'))).toBe('2 Ebrill 1991')
  })

  it('does not ask the browser for Welsh at all', () => {
    const real = Intl.DateTimeFormat
    // A runtime with no Welsh data (or none at all) changes nothing.
    ;(Intl as { DateTimeFormat: unknown }).DateTimeFormat = () => {
      throw new Error('no locale data')
    }
    try {
      expect(dayAndDate('cy', friday18December)).toBe('Dydd Gwener 18 Rhagfyr')
    } finally {
      ;(Intl as { DateTimeFormat: unknown }).DateTimeFormat = real
    }
  })

  it('joins lists with "a", or "ac" before a vowel, in Welsh', () => {
    expect(listOf('cy', ['eich ID', 'meddyginiaethau'])).toBe('eich ID a meddyginiaethau')
    expect(listOf('cy', ['eich meddyginiaethau', 'eich ID'])).toBe('eich meddyginiaethau ac eich ID')
    expect(listOf('en', ['A', 'B', 'C'])).toBe('A, B and C')
    expect(listOf('en', ['A'])).toBe('A')
  })

  it('reads an ISO date as that calendar day wherever the phone is', () => {
    expect(calendarDay('2026-12-18').getDate()).toBe(18)
  })
})

const medicine = (display: string, runOutDate: string, extra: object = {}) =>
  ({
    medication: { system: 'https://dmd.nhs.uk', code: display, display },
    strength: '1',
    form: 'tablet',
    dose: 'As told',
    lastIssueDate: '2026-11-01',
    quantitySupplied: { value: 28, unit: 'dose' },
    supplyDate: '2026-11-01',
    runOutDate,
    repeat: true,
    prescriber: { name: 'Dr A Khan', registration: { body: 'GMC', number: '7012345' } },
    ...extra,
  }) as MedicationList['medicines'][number]

describe('medicines running out', () => {
  const now = new Date(2026, 11, 1, 23, 30).getTime()

  it('counts whole calendar days from today', () => {
    expect(daysLeft('2026-12-01', now)).toBe(0)
    expect(daysLeft('2026-12-02', now)).toBe(1)
    expect(daysLeft('2026-12-08', now)).toBe(7)
    expect(daysLeft('2026-11-30', now)).toBe(-1)
  })

  it('flags 7 days or fewer: opioid substitution first, then controlled drugs, then the rest, soonest first', () => {
    const list = {
      medicines: [
        medicine('Omeprazole 20mg capsules', '2026-12-02'),
        medicine('Sertraline 50mg tablets', '2026-12-09'),
        medicine('Zopiclone 7.5mg tablets', '2026-12-05', { controlledDrugSchedule: '4' }),
        medicine('Buprenorphine 8mg tablets', '2026-12-07'),
        medicine('Methadone 1mg/ml oral solution', '2026-12-04', { controlledDrugSchedule: '2' }),
        medicine('Paracetamol 500mg tablets', '2026-11-30'),
      ],
    } as MedicationList
    expect(
      runningOut([list], now).map((m) => [m.medicine.medication.display.split(' ')[0], m.kind, m.daysLeft]),
    ).toEqual([
      ['Methadone', 'opioidSubstitution', 3],
      ['Buprenorphine', 'opioidSubstitution', 6],
      ['Zopiclone', 'controlled', 4],
      ['Paracetamol', 'other', -1],
      ['Omeprazole', 'other', 1],
    ])
  })
})
