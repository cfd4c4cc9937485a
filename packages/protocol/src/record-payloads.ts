import { z } from 'zod'
import { idSchema } from './ids.js'

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
 * T3+ (highly sensitive health), record type `ost_handover` (code 6).
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
    /**
     * A variation (scenario 16): the id of the licence record this one replaces, signed with the
     * rest of the payload so a host cannot invent or hide it ([SUP-VER-01]).
     */
    supersedes: idSchema.optional(),
    /** Why the licence changed, in plain words (a variation only). */
    variationReason: z.string().max(500).optional(),
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

/*
 * Issue 21: the rest of release week (spec 4.2, [REC-TYPE-01]). Structured where a receiver acts
 * on the data; a file (health_document, below) where they only read it.
 */

const personName = z.string().min(1).max(200)
const organisation = z
  .object({
    name: z.string().min(1).max(200),
    /** ODS code, prison agency code, probation delivery unit, FCA firm number, UKPRN… */
    registryCode: z.string().max(20).optional(),
  })
  .strict()
const postalAddress = z
  .object({
    lines: z.array(z.string().min(1).max(200)).min(1).max(6),
    postcode: z.string().max(10).optional(),
    /** "Care of" an address that is not the person's home (a hostel, a friend, a day centre). */
    careOf: z.string().max(200).optional(),
  })
  .strict()

/**
 * A prison discharge letter, which doubles as the GP registration card (scenario 6): it proves
 * name, birth date and release, names the NHS number when known, and may give a "care of"
 * address. The wallet shows with it that nobody needs ID or an address to register with a GP
 * ({@link GP_REGISTRATION_GUIDANCE}).
 */
export const releaseLetterSchema = z
  .object({
    recordType: z.literal('release_letter'),
    name: personName,
    birthDate: isoDate,
    prisonNumber: z.string().max(20).optional(),
    releaseDate: isoDate,
    releasedFrom: organisation,
    nhsNumber: z
      .string()
      .regex(/^\d{10}$/)
      .optional(),
    correspondenceAddress: postalAddress.optional(),
    /** The letter's own contact for checking it (a prison's switchboard, an offender management unit). */
    contactPhone: z.string().max(40).optional(),
  })
  .strict()
export type ReleaseLetter = z.infer<typeof releaseLetterSchema>

/** What NHS England says on registering with a GP practice without ID or a fixed address. */
export const GP_REGISTRATION_GUIDANCE = {
  text: 'You do not need ID or an address to register with a GP.',
  source: 'NHS England, Patient registration: standard operating principles for primary medical care (GP)',
  url: 'https://www.england.nhs.uk/long-read/patient-registration/',
} as const

/** An attestation that a birth certificate (or adoption certificate) is held and what it says (scenario 9, 10). */
export const birthCertificateSchema = z
  .object({
    recordType: z.literal('birth_certificate'),
    name: personName,
    birthDate: isoDate,
    placeOfBirth: z.string().max(200).optional(),
    certificateKind: z.enum(['full', 'short', 'adoption']),
    /** The General Register Office entry number, when the attester saw it. */
    entryNumber: z.string().max(40).optional(),
    /** Who saw the document and when: a prison ID administrator, a GRO check. */
    attestedBy: organisation,
    seenOn: isoDate,
    /** Where the paper is now. */
    status: z.enum(['held', 'in_prison_property', 'applied_for', 'lost']),
  })
  .strict()
export type BirthCertificate = z.infer<typeof birthCertificateSchema>

/** A National Insurance number, attested by DWP (scenario 9). */
export const nationalInsuranceNumberSchema = z
  .object({
    recordType: z.literal('national_insurance_number'),
    name: personName,
    birthDate: isoDate.optional(),
    /** Two letters, six digits, one letter A-D (HMRC's format; the prefixes DWP never issues are not checked here). */
    number: z.string().regex(/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/),
    attestedBy: organisation,
    attestedOn: isoDate,
  })
  .strict()
export type NationalInsuranceNumber = z.infer<typeof nationalInsuranceNumberSchema>

/**
 * Proof of address as its own document (scenario 10: a bank wants two distinct documents): a
 * probation "proof of name and address" letter, an approved premises letter, a council letter.
 */
export const proofOfAddressSchema = z
  .object({
    recordType: z.literal('proof_of_address'),
    name: personName,
    address: postalAddress,
    accommodationType: z.enum(['settled', 'approved_premises', 'temporary', 'care_of']),
    livingThereSince: isoDate.optional(),
    issuedBy: organisation,
    issuedOn: isoDate,
    /** Money-laundering guidance (JMLSG) allows such letters for people without the usual documents. */
    jmlsgNote: z.string().max(500).optional(),
  })
  .strict()
export type ProofOfAddress = z.infer<typeof proofOfAddressSchema>

/** A qualification, from a course or a competence test (in prison on a tablet, or outside). */
export const qualificationCertificateSchema = z
  .object({
    recordType: z.literal('qualification_certificate'),
    holderName: personName,
    title: z.string().min(1).max(300),
    /** Level on the Regulated Qualifications Framework (entry level is 0), when it has one. */
    level: z.number().int().min(0).max(8).optional(),
    awardingOrganisation: organisation,
    /** Who ran the course or the test: a prison's education provider, a college. */
    issuingOrganisation: organisation,
    assessment: z
      .object({
        method: z.enum(['exam', 'practical', 'portfolio', 'online_test', 'observation']),
        date: isoDate,
        result: z.enum(['pass', 'merit', 'distinction', 'competent']),
        /** Where it was taken; a prison's name may be left out by the holder's choice at issue. */
        location: z.string().max(200).optional(),
      })
      .strict(),
    awardedOn: isoDate,
    certificateNumber: z.string().max(64).optional(),
    expiresOn: isoDate.optional(),
  })
  .strict()
export type QualificationCertificate = z.infer<typeof qualificationCertificateSchema>

/** The person's own CV (self-authored, never shown as verified). */
export const cvSchema = z
  .object({
    recordType: z.literal('cv'),
    name: personName,
    contact: z.object({ phone: z.string().max(40).optional(), email: z.email().optional() }).strict(),
    summary: z.string().max(2000),
    experience: z
      .array(
        z
          .object({
            role: z.string().min(1).max(200),
            where: z.string().max(200),
            from: z.string().max(20),
            to: z.string().max(20).optional(),
            what: z.string().max(1000).optional(),
          })
          .strict(),
      )
      .max(30),
    skills: z.array(z.string().min(1).max(100)).max(50),
  })
  .strict()
export type Cv = z.infer<typeof cvSchema>

/**
 * The person's own disclosure statement, in their words (self-authored, T4): what they choose to
 * tell an employer about a conviction. Never issued by anyone else.
 */
export const disclosureStatementSchema = z
  .object({
    recordType: z.literal('disclosure_statement'),
    statement: z.string().min(1).max(4000),
    /** Whether the conviction is spent under the Rehabilitation of Offenders Act 1974, as the person understands it. */
    spent: z.boolean().optional(),
    writtenOn: isoDate,
  })
  .strict()
export type DisclosureStatement = z.infer<typeof disclosureStatementSchema>

/**
 * A holder device's latest verified checkpoint of the vault's log (record type `log_checkpoint`,
 * spec 8.6.1): the host's signed note as the device verified it. Sealed and signed like any
 * record the holder writes, so the host can withhold or replay it but not forge or alter it.
 */
export const logCheckpointRecordSchema = z
  .object({
    recordType: z.literal('log_checkpoint'),
    checkpoint: z.string().min(1).max(8192),
  })
  .strict()
export type LogCheckpointRecord = z.infer<typeof logCheckpointRecordSchema>

export const recordPayloadSchema = z.discriminatedUnion('recordType', [
  medicationListSchema,
  licenceConditionsSchema,
  victimProtectiveConditionsSchema,
  identityDocumentSchema,
  appointmentSchema,
  ostHandoverSchema,
  releaseLetterSchema,
  birthCertificateSchema,
  nationalInsuranceNumberSchema,
  proofOfAddressSchema,
  qualificationCertificateSchema,
  cvSchema,
  disclosureStatementSchema,
  logCheckpointRecordSchema,
])
export type RecordPayload = z.infer<typeof recordPayloadSchema>

/**
 * A document kept as a file (record types whose `body` is `file`, [REC-TYPE-04]): the envelope's
 * plaintext is the file itself, streamed; what describes it is in the envelope's metadata block,
 * under these members beside `contentType`, `title` and `fileName`.
 */
export const FILE_CONTENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const
/**
 * The largest file a writer seals as one record ([REC-TYPE-05]): 10 MiB, a scanned letter of a
 * few pages at a readable resolution. A host refuses anything over its own `max_record_bytes`.
 */
export const MAX_FILE_RECORD_BYTES = 10 * 1024 * 1024
export const healthDocumentMetadataSchema = z
  .object({
    contentType: z.enum(FILE_CONTENT_TYPES),
    title: z.string().min(1).max(500),
    fileName: z.string().max(255).optional(),
    recordType: z.literal('health_document'),
    documentKind: z.enum(['discharge_summary', 'clinic_letter', 'test_result', 'care_plan', 'other']),
    documentDate: isoDate,
    author: organisation.optional(),
  })
  .strict()
export type HealthDocumentMetadata = z.infer<typeof healthDocumentMetadataSchema>

/**
 * Whether a file's first bytes are what its content type says ([REC-TYPE-04]): a reader never
 * hands a viewer a file whose bytes contradict its type.
 */
export function fileMatchesContentType(contentType: string, head: Uint8Array): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b)
  switch (contentType) {
    case 'application/pdf':
      return starts(0x25, 0x50, 0x44, 0x46, 0x2d) // %PDF-
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff)
    default:
      return false
  }
}
