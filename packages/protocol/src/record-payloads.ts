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

/** One medicine on the discharge list (a MedicationStatement plus its repeat MedicationRequest, flattened). */
export const dischargeMedicineSchema = z
  .object({
    /** dm+d concept: system https://dmd.nhs.uk */
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
      .array(z.object({ substance: z.string().max(200), reaction: z.string().max(300).optional() }).strict())
      .max(50),
  })
  .strict()
export type MedicationList = z.infer<typeof medicationListSchema>

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
