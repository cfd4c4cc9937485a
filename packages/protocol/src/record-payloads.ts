import { z } from 'zod'

/*
 * Plaintext payloads of the record types: what a holder's or grantee's device sees after opening
 * an envelope. Hosts never see these. Shapes follow domain.md (a) and its sources: FHIR R4 UK
 * Core for medicines, the MoJ Create and Vary a Licence model for licences.
 */

const isoDate = z.iso.date()
const coding = z
  .object({ system: z.string().max(200), code: z.string().max(64), display: z.string().max(300) })
  .strict()

/**
 * The code systems a clinical code names, explicitly (chapter 4.2). Both hold SNOMED CT identifiers
 * (SCTIDs): dm+d is the NHS drug extension of SNOMED CT. Readers check the SCTID's check digit
 * themselves; an issuer SDK refuses a malformed one before it deposits.
 */
export const CLINICAL_CODE_SYSTEMS = { snomed: 'http://snomed.info/sct', dmd: 'https://dmd.nhs.uk' } as const
/** An SCTID as a string: 6 to 18 digits, no leading zero (its check digit is checked by readers, not here). */
const sctidFormat = z.string().regex(/^[1-9]\d{5,17}$/)
/** A clinical code whose system is one of CLINICAL_CODE_SYSTEMS, named in the payload. */
export const clinicalCodeSchema = z
  .object({
    system: z.enum([CLINICAL_CODE_SYSTEMS.snomed, CLINICAL_CODE_SYSTEMS.dmd]),
    code: sctidFormat,
    display: z.string().min(1).max(300),
  })
  .strict()
export type ClinicalCode = z.infer<typeof clinicalCodeSchema>

/** One medicine on the discharge list (a MedicationStatement plus its repeat MedicationRequest, flattened). */
export const dischargeMedicineSchema = z
  .object({
    /**
     * dm+d concept: system https://dmd.nhs.uk (CLINICAL_CODE_SYSTEMS.dmd). Kept as a free coding
     * so that lists written before the system was checked still open; the issuer SDK refuses any
     * other system or a malformed SCTID at deposit, and readers flag one.
     */
    medication: coding,
    strength: z.string().max(100),
    form: z.string().max(100),
    route: z.string().max(100).optional(),
    dose: z.string().min(1).max(500),
    indication: z.string().max(300).optional(),
    startDate: isoDate.optional(),
    lastIssueDate: isoDate,
    quantitySupplied: z.object({ value: z.number().positive(), unit: z.string().max(50) }).strict(),
    supplyDate: isoDate,
    runOutDate: isoDate,
    repeat: z.boolean(),
    controlledDrugSchedule: z.enum(['2', '3', '4', '5']).optional(),
    supervisedConsumption: z.boolean().optional(),
    /**
     * Whether the prescriber allows a different product to be dispensed (FHIR
     * MedicationRequest.substitution, mandatory in UK Core). Absent on older lists: not stated.
     */
    substitutionAllowed: z.boolean().optional(),
    prescriber: z
      .object({
        name: z.string().max(200),
        registration: z.object({ body: z.enum(['GMC', 'NMC', 'GPhC', 'HCPC']), number: z.string().max(20) }).strict(),
      })
      .strict(),
  })
  .strict()

export const medicationListSchema = z
  .object({
    recordType: z.literal('medication_list'),
    patient: z
      .object({
        nhsNumber: z.string().regex(/^\d{10}$/),
        name: z.string().max(200),
        birthDate: isoDate,
        prisonNumber: z.string().max(20).optional(),
      })
      .strict(),
    issuingOrganisation: z.object({ name: z.string().max(200), odsCode: z.string().max(20) }).strict(),
    issuedAt: z.iso.datetime(),
    medicines: z.array(dischargeMedicineSchema).max(100),
    allergies: z
      .array(
        z
          .object({
            substance: z.string().max(200),
            /** SNOMED CT (or dm+d) code of the substance, when the issuer's record carries one. */
            code: clinicalCodeSchema.optional(),
            reaction: z.string().max(300).optional(),
          })
          .strict(),
      )
      .max(50),
  })
  .strict()
export type MedicationList = z.infer<typeof medicationListSchema>

/**
 * The opioid substitution therapy (OST) handover on release (domain.md (a) #4, scenarios 5 and 8):
 * what a community pharmacy and a drug service need so that no dose is missed or doubled. Tier
 * T3+ (highly sensitive health). Its record type is registered with issue 21's record types; the
 * payload is defined here so that issuers and the surgery's FHIR export share one shape.
 */
export const ostHandoverSchema = z
  .object({
    recordType: z.literal('ost_handover'),
    patient: medicationListSchema.shape.patient,
    issuingOrganisation: medicationListSchema.shape.issuingOrganisation,
    issuedAt: z.iso.datetime(),
    /** dm+d concept of the product (methadone, buprenorphine, long-acting injectable buprenorphine). */
    drug: clinicalCodeSchema,
    formulation: z.string().min(1).max(100),
    dailyDose: z.object({ value: z.number().positive(), unit: z.string().min(1).max(20) }).strict(),
    /** When the last dose was taken in custody, with its UTC offset: the next dose depends on it. */
    lastDoseInCustody: z.iso.datetime({ offset: true }),
    lastDoseSupervised: z.boolean(),
    /** The bridging prescription (usually an FP10MDA) that covers the days until the drug service takes over. */
    bridgingPrescription: z
      .object({
        form: z.enum(['FP10MDA', 'FP10', 'EPS']),
        startDate: isoDate,
        endDate: isoDate,
        instalmentAmount: z.object({ value: z.number().positive(), unit: z.string().min(1).max(20) }).strict(),
        instalmentIntervalDays: z.number().int().min(1).max(14),
        supervisedConsumption: z.boolean(),
        dispensingPharmacy: z
          .object({ name: z.string().min(1).max(200), odsCode: z.string().max(20).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    receivingService: z
      .object({
        name: z.string().min(1).max(200),
        odsCode: z.string().max(20).optional(),
        phone: z.string().max(40).optional(),
        firstAppointment: z.iso.datetime({ offset: true }).optional(),
      })
      .strict(),
    naloxoneSupplied: z.boolean(),
    /** Long-acting injectable buprenorphine: when the next injection is due. */
    nextInjectionDue: isoDate.optional(),
    substitutionAllowed: z.boolean().optional(),
    prescriber: dischargeMedicineSchema.shape.prescriber,
  })
  .strict()
export type OstHandover = z.infer<typeof ostHandoverSchema>

const licenceCondition = z.object({ code: z.string().max(64), text: z.string().min(1).max(2000) }).strict()

export const licenceConditionsSchema = z
  .object({
    recordType: z.literal('licence_conditions'),
    licenceKind: z.enum(['CRD', 'HDC', 'PSS', 'PRRD']),
    licenceStartDate: isoDate,
    licenceExpiryDate: isoDate,
    supervisingOfficer: z.object({ name: z.string().max(200), phone: z.string().max(40) }).strict(),
    initialAppointment: z
      .object({
        person: z.string().max(200),
        time: z.iso.datetime(),
        address: z.string().max(500),
        phone: z.string().max(40),
      })
      .strict(),
    standardConditions: z.array(licenceCondition).max(50),
    additionalConditions: z.array(licenceCondition).max(100),
    bespokeConditions: z.array(licenceCondition).max(50),
    policyVersion: z.string().max(10),
  })
  .strict()
export type LicenceConditions = z.infer<typeof licenceConditionsSchema>

/** Victim-protective conditions, split out of the licence so they can be justice-only (T5). */
export const victimProtectiveConditionsSchema = z
  .object({
    recordType: z.literal('victim_protective_conditions'),
    conditions: z.array(licenceCondition).max(50),
  })
  .strict()

export const identityDocumentSchema = z
  .object({
    recordType: z.literal('identity_document'),
    documentType: z.enum([
      'birth_certificate',
      'passport',
      'driving_licence',
      'nino_letter',
      'release_letter',
      'other',
    ]),
    number: z.string().max(64).optional(),
    issuer: z.string().max(200),
    issueDate: isoDate.optional(),
    expiryDate: isoDate.optional(),
    status: z.enum(['held', 'applied_for', 'in_prison_property', 'lost']),
  })
  .strict()

export const appointmentSchema = z
  .object({
    recordType: z.literal('appointment'),
    with: z.string().max(200),
    purpose: z.string().max(300),
    time: z.iso.datetime(),
    address: z.string().max(500),
    phone: z.string().max(40).optional(),
  })
  .strict()

export const recordPayloadSchema = z.discriminatedUnion('recordType', [
  medicationListSchema,
  licenceConditionsSchema,
  victimProtectiveConditionsSchema,
  identityDocumentSchema,
  appointmentSchema,
])
export type RecordPayload = z.infer<typeof recordPayloadSchema>
