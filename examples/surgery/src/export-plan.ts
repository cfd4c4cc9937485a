import { medicationListCodeProblems, ostHandoverCodeProblems } from '@holdall/client'
import type { MedicationList, OstHandover } from '@holdall/protocol'

/*
 * What an export would write to the patient's record, what it would leave out, and what stops it.
 * The GP reads this before downloading (FHIR.md, "What the GP is told"); the export endpoint
 * refuses a list with any problem instead of writing a bundle that would not validate or would
 * map a mistyped code to the wrong drug.
 */

export type ExportProblemKind = 'malformed_code' | 'unknown_code_system' | 'missing_dose'

export interface ExportProblem {
  readonly kind: ExportProblemKind
  /** JSON path in the payload: safe to send in a problem answer (no record content). */
  readonly path: string
  /** For the GP's screen only: names the medicine and the code. */
  readonly message: string
}

export interface ExportPlan {
  /** Anything here stops the whole export: a partial medicines list would mislead reconciliation. */
  readonly problems: ExportProblem[]
  readonly written: string[]
  readonly notWritten: string[]
}

function codeProblems(found: ReturnType<typeof medicationListCodeProblems>): ExportProblem[] {
  return found.map((p) => ({
    kind: p.path.endsWith('.system') ? 'unknown_code_system' : 'malformed_code',
    path: p.path,
    message: `${p.where}: ${p.reason}. Check the code with the prison healthcare team; it was not exported.`,
  }))
}

export function medicationListPlan(list: MedicationList): ExportPlan {
  const problems = codeProblems(medicationListCodeProblems(list))
  list.medicines.forEach((m, i) => {
    if (m.dose.trim() === '')
      problems.push({
        kind: 'missing_dose',
        path: `medicines[${i}].dose`,
        message: `${m.medication.display}: no dose is given.`,
      })
  })
  const written = [
    'The patient (NHS number, name, date of birth), the prison healthcare organisation and your surgery.',
    ...list.medicines.map(
      (m) =>
        `${m.medication.display} (dm+d ${m.medication.code}): the prescription, the supply on release and the medicine as a current one, with its dose, quantity, last issue and run-out dates and prescriber.`,
    ),
    ...list.allergies.map((a) =>
      a.code === undefined
        ? `Allergy: ${a.substance}, as text only (the list carries no SNOMED CT code for it).`
        : `Allergy: ${a.substance}, coded SNOMED CT ${a.code.code}.`,
    ),
    'Where it came from: signed by prison healthcare, checked by your surgery, shared by the patient through Holdall.',
  ]
  const notWritten = [
    'The prison number: the clinical record does not need it, and it would tell every reader the patient was in prison.',
    ...list.medicines
      .filter((m) => m.substitutionAllowed === undefined)
      .map((m) => `${m.medication.display}: whether another product may be dispensed is not stated on the list.`),
    ...list.medicines
      .filter((m) => m.controlledDrugSchedule !== undefined || m.supervisedConsumption === true)
      .map(
        (m) =>
          `${m.medication.display}: controlled-drug schedule and supervised consumption go in a note, not a coded field.`,
      ),
    'Structured dose timings: the dose is written as the prison gave it, in words.',
  ]
  return { problems, written, notWritten }
}

export function ostHandoverPlan(handover: OstHandover): ExportPlan {
  const problems = codeProblems(ostHandoverCodeProblems(handover))
  const written = [
    `${handover.drug.display}: current daily dose ${handover.dailyDose.value} ${handover.dailyDose.unit}.`,
    `Last dose in custody: ${handover.lastDoseInCustody} (${handover.lastDoseSupervised ? 'supervised' : 'not supervised'}).`,
    handover.bridgingPrescription === undefined
      ? 'No bridging prescription is on the handover.'
      : `Bridging prescription (${handover.bridgingPrescription.form}) ${handover.bridgingPrescription.startDate} to ${handover.bridgingPrescription.endDate}: instalments of ${handover.bridgingPrescription.instalmentAmount.value} ${handover.bridgingPrescription.instalmentAmount.unit} every ${handover.bridgingPrescription.instalmentIntervalDays} day(s)${handover.bridgingPrescription.supervisedConsumption ? ', supervised' : ''}.`,
    `Handover to ${handover.receivingService.name}${handover.receivingService.firstAppointment === undefined ? '' : `, first appointment ${handover.receivingService.firstAppointment}`}.`,
    `Naloxone ${handover.naloxoneSupplied ? 'was' : 'was not'} supplied on release.`,
  ]
  const notWritten = [
    'The prison number.',
    ...(handover.substitutionAllowed === undefined
      ? ['Whether another product may be dispensed is not stated on the handover.']
      : []),
  ]
  return { problems, written, notWritten }
}
