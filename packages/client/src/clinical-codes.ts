import { CLINICAL_CODE_SYSTEMS, type MedicationList, type OstHandover, type RecordPayload } from '@holdall/protocol'

/*
 * Offline checks of the clinical codes in a payload. dm+d and SNOMED CT codes are SNOMED CT
 * identifiers (SCTIDs): 6 to 18 digits, no leading zero, whose last digit is a Verhoeff check
 * digit and whose two digits before it are the partition identifier (SNOMED CT Technical
 * Implementation Guide, 6.7 "SCTID" and 6.8 "Check-digit"). A concept (what a medicine or a
 * substance is) has partition 00 (short format, International release) or 10 (long format: an
 * extension's namespace, as dm+d's 1000001 is). Nothing here says the concept exists or is
 * current: that needs the terminology release, which a phone or a surgery page does not hold.
 */

// Verhoeff's dihedral group D5: multiplication, permutation and inverse tables.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
// Row i is the permutation (1 5 7 6 2 8 3 0 9 4) applied i times: derived, not typed, so a
// mistyped row cannot hide (it would reject real codes such as 138875005).
const F1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
const P: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]
for (let i = 1; i < 8; i++)
  P.push((P[i - 1] as number[]).map((_, j) => (P[i - 1] as number[])[F1[j] as number] as number))

/** Whether a string of digits ends in its correct Verhoeff check digit. */
export function verhoeffValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false
  let c = 0
  const n = digits.length
  for (let i = 0; i < n; i++) {
    const digit = digits.charCodeAt(n - 1 - i) - 48
    c = (D[c] as number[])[(P[i % 8] as number[])[digit] as number] as number
  }
  return c === 0
}

/** Why a string is not a SNOMED CT concept identifier, or undefined when it is well formed. */
export function sctidConceptProblem(code: string): string | undefined {
  if (!/^\d+$/.test(code)) return 'is not all digits'
  if (code.length < 6 || code.length > 18) return 'must have 6 to 18 digits'
  if (code.startsWith('0')) return 'must not start with 0'
  if (!verhoeffValid(code)) return 'has a wrong check digit (mistyped?)'
  const partition = code.slice(-3, -1)
  if (partition !== '00' && partition !== '10')
    return `is not a concept identifier (partition ${partition}: a description or relationship id?)`
  // A long-format id carries a 7-digit namespace before its partition, and an item id before that.
  if (partition === '10' && code.length < 11) return 'is too short for a long-format (extension) identifier'
  return undefined
}

/** One clinical code in a payload that cannot be used as it stands, and why. */
export interface ClinicalCodeProblem {
  /** Where it is, in plain words a clinician recognises ("Sertraline 50mg tablets"). */
  readonly where: string
  /** JSON path in the payload, for logs and tests. */
  readonly path: string
  readonly reason: string
}

function checkCoding(
  coding: { system: string; code: string },
  expectedSystems: readonly string[],
  where: string,
  path: string,
): ClinicalCodeProblem[] {
  if (!expectedSystems.includes(coding.system))
    return [
      { where, path: `${path}.system`, reason: `code system ${coding.system} is not ${expectedSystems.join(' or ')}` },
    ]
  const problem = sctidConceptProblem(coding.code)
  return problem === undefined ? [] : [{ where, path: `${path}.code`, reason: `code ${coding.code} ${problem}` }]
}

const DMD_ONLY = [CLINICAL_CODE_SYSTEMS.dmd]
const ANY_SCT = [CLINICAL_CODE_SYSTEMS.snomed, CLINICAL_CODE_SYSTEMS.dmd]

/** Every malformed or unexpected clinical code in a medicines list (medicines are dm+d; allergies SNOMED CT or dm+d). */
export function medicationListCodeProblems(list: MedicationList): ClinicalCodeProblem[] {
  return [
    ...list.medicines.flatMap((m, i) =>
      checkCoding(m.medication, DMD_ONLY, m.medication.display, `medicines[${i}].medication`),
    ),
    ...list.allergies.flatMap((a, i) =>
      a.code === undefined ? [] : checkCoding(a.code, ANY_SCT, `Allergy: ${a.substance}`, `allergies[${i}].code`),
    ),
  ]
}

export function ostHandoverCodeProblems(handover: OstHandover): ClinicalCodeProblem[] {
  return checkCoding(handover.drug, DMD_ONLY, handover.drug.display, 'drug')
}

/** The clinical code problems of any payload; record types without clinical codes have none. */
export function clinicalCodeProblems(payload: RecordPayload | OstHandover): ClinicalCodeProblem[] {
  switch (payload.recordType) {
    case 'medication_list':
      return medicationListCodeProblems(payload)
    case 'ost_handover':
      return ostHandoverCodeProblems(payload)
    default:
      return []
  }
}
