import type { MedicationList } from '@holdall/protocol'
import { calendarDay } from './i18n.js'

type Medicine = MedicationList['medicines'][number]

/** Medicines that run out within this many days are flagged first (issue 17, point 3). */
export const RUNNING_OUT_DAYS = 7

/*
 * Opioid substitution treatment: missed doses in the first weeks after release carry a real risk
 * of death, so these come first of all. Matched on the dm+d name the prescriber's system wrote.
 */
const OPIOID_SUBSTITUTION = /\b(methadone|physeptone|buprenorphine|subutex|suboxone|espranor|buvidal|sublocade)\b/i

export type MedicineKind = 'opioidSubstitution' | 'controlled' | 'other'

export function medicineKind(medicine: Medicine): MedicineKind {
  if (OPIOID_SUBSTITUTION.test(medicine.medication.display)) return 'opioidSubstitution'
  if (medicine.controlledDrugSchedule !== undefined) return 'controlled'
  return 'other'
}

/** The medicine's everyday name: its first word ("Methadone 1mg/ml oral solution" is "methadone"). */
export function medicineShortName(medicine: Medicine): string {
  return (medicine.medication.display.split(/\s+/)[0] ?? medicine.medication.display).toLowerCase()
}

const DAY = 86_400_000

/** Whole days from the calendar day of `now` to the run-out day: 0 is today, negative has passed. */
export function daysLeft(runOutDate: string, now: number): number {
  const today = new Date(now)
  const start = new Date(today.getFullYear(), today.getMonth(), today.getDate(), 12)
  return Math.round((calendarDay(runOutDate).getTime() - start.getTime()) / DAY)
}

export interface RunningOut {
  readonly medicine: Medicine
  readonly kind: MedicineKind
  readonly daysLeft: number
}

const KIND_ORDER: Record<MedicineKind, number> = { opioidSubstitution: 0, controlled: 1, other: 2 }

/**
 * Every medicine that runs out within 7 days (or has run out), opioid substitution first, then
 * other controlled drugs, then the rest; soonest first within each. `now` should be the host's
 * time when the wallet knows it: the phone's own clock may be days out.
 */
export function runningOut(lists: readonly MedicationList[], now: number): RunningOut[] {
  return lists
    .flatMap((list) => list.medicines)
    .map((medicine) => ({ medicine, kind: medicineKind(medicine), daysLeft: daysLeft(medicine.runOutDate, now) }))
    .filter((m) => m.daysLeft <= RUNNING_OUT_DAYS)
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.daysLeft - b.daysLeft)
}
