/**
 * Writes the JSON Schemas (draft 2020-12) of the wire objects to protocol-spec/schemas/, generated
 * from the zod schemas in @holdall/protocol, so that implementers in other languages validate
 * exactly what the reference implementation validates. test/json-schemas.test.ts checks that the
 * files are fresh and that the examples in protocol-spec/examples/ pass or fail as named.
 *
 *   npx tsx scripts/generate-schemas.ts           (re)write the files
 *   npx tsx scripts/generate-schemas.ts --check   exit 1 if a file differs from what would be written
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import * as protocol from '../packages/protocol/src/index.js'

/** File name → schema, and the spec section that describes it. */
export const PUBLISHED_SCHEMAS: Record<string, { schema: z.ZodType; title: string; section: string }> = {
  'host-metadata': { schema: protocol.hostMetadataSchema, title: 'Host metadata', section: '2.1' },
  'client-metadata': { schema: protocol.clientMetadataSchema, title: 'Client metadata document', section: '2.2' },
  'trust-list': { schema: protocol.trustListSchema, title: 'Trust list payload', section: '2.3' },
  'trust-list-document': {
    schema: protocol.trustListDocumentSchema,
    title: "A host's mirror of the trust list, with key rotation statements",
    section: '11.1',
  },
  'trust-key-rotation': {
    schema: protocol.trustKeyRotationSchema,
    title: 'Operator key rotation statement payload',
    section: '11.1.1',
  },
  'handle-record': { schema: protocol.handleRecordSchema, title: 'Handle record payload', section: '11.4' },
  'handle-document': {
    schema: protocol.handleDocumentSchema,
    title: 'A handle record with its device chain',
    section: '11.4',
  },
  'record-metadata': {
    schema: protocol.recordMetadataSchema,
    title: "An envelope's metadata block (plaintext)",
    section: '3.5.3',
  },
  'create-vault': { schema: protocol.createVaultSchema, title: 'Create a vault (request)', section: '5.5' },
  'enrol-device': { schema: protocol.enrolDeviceSchema, title: 'Enrol a device (request)', section: '5.5' },
  vault: { schema: protocol.vaultSchema, title: 'A vault as its device sees it', section: '5.5' },
  'put-record-version': {
    schema: protocol.putRecordVersionSchema,
    title: 'Write a record version (request)',
    section: '5.6',
  },
  'record-version-view': {
    schema: protocol.recordVersionViewSchema,
    title: 'A record version with its wrap',
    section: '5.6',
  },
  'record-list': { schema: protocol.recordListSchema, title: 'A list of record versions', section: '5.6' },
  'grant-record-list': {
    schema: protocol.grantRecordListSchema,
    title: "A grantee's read, with the proof of its key_served entries when asked",
    section: '8.7.1',
  },
  'erasure-request': { schema: protocol.erasureRequestSchema, title: 'A holder closes the vault', section: '13.2' },
  'erasure-receipt': { schema: protocol.erasureReceiptSchema, title: 'The receipt of an erasure', section: '13.4' },
  deposit: { schema: protocol.depositSchema, title: 'Deposit a record (request)', section: '5.11' },
  'accept-deposit': { schema: protocol.acceptDepositSchema, title: 'Accept a deposit (request)', section: '5.11' },
  'pairing-code': { schema: protocol.pairingCodeSchema, title: 'A pairing code', section: '5.7' },
  'authorization-detail': {
    schema: protocol.authorizationDetailSchema,
    title: 'RFC 9396 authorization detail',
    section: '5.8',
  },
  'pending-request': {
    schema: protocol.pendingRequestSchema,
    title: 'A request as the holder sees it',
    section: '5.8',
  },
  'grant-receipt-claims': { schema: protocol.grantReceiptClaimsSchema, title: 'Grant receipt claims', section: '5.9' },
  'approve-request': { schema: protocol.approveRequestSchema, title: 'Approve a request (request)', section: '5.9' },
  grant: { schema: protocol.grantSchema, title: 'A grant', section: '5.9' },
  'grant-info': {
    schema: protocol.grantInfoSchema,
    title: 'A grant as its grantee reads it, with the device chain and the inbox key',
    section: '5.10',
  },
  'access-log-entry': { schema: protocol.accessLogEntrySchema, title: 'An access log entry', section: '5.13' },
  problem: { schema: protocol.problemSchema, title: 'Problem details (RFC 9457)', section: '6.1' },
  'move-statement-claims': {
    schema: protocol.moveStatementClaimsSchema,
    title: 'Move statement claims (holder-signed)',
    section: '12.2',
  },
  'move-commit-claims': {
    schema: protocol.moveCommitClaimsSchema,
    title: 'Move commit claims (holder-signed)',
    section: '12.2',
  },
  'move-package': { schema: protocol.movePackageSchema, title: 'A vault as it moves between hosts', section: '12.4' },
  'move-status': { schema: protocol.moveStatusSchema, title: 'Where a move stands', section: '12.3' },
  tombstone: { schema: protocol.tombstoneSchema, title: 'A tombstone (vault_moved)', section: '12.6' },
  'record-payload': { schema: protocol.recordPayloadSchema, title: 'Any record payload', section: '4.2' },
  'medication-list': { schema: protocol.medicationListSchema, title: 'Medication list payload', section: '4.2' },
  'licence-conditions': {
    schema: protocol.licenceConditionsSchema,
    title: 'Licence conditions payload',
    section: '4.2',
  },
  'victim-protective-conditions': {
    schema: protocol.victimProtectiveConditionsSchema,
    title: 'Victim-protective conditions payload',
    section: '4.2',
  },
  'identity-document': { schema: protocol.identityDocumentSchema, title: 'Identity document payload', section: '4.2' },
  appointment: { schema: protocol.appointmentSchema, title: 'Appointment payload', section: '4.2' },
  'ost-handover': { schema: protocol.ostHandoverSchema, title: 'Opioid substitution handover payload', section: '4.2' },
  'release-letter': { schema: protocol.releaseLetterSchema, title: 'Release letter payload', section: '4.2' },
  'birth-certificate': {
    schema: protocol.birthCertificateSchema,
    title: 'Birth certificate attestation payload',
    section: '4.2',
  },
  'national-insurance-number': {
    schema: protocol.nationalInsuranceNumberSchema,
    title: 'National Insurance number attestation payload',
    section: '4.2',
  },
  'proof-of-address': { schema: protocol.proofOfAddressSchema, title: 'Proof of address payload', section: '4.2' },
  'qualification-certificate': {
    schema: protocol.qualificationCertificateSchema,
    title: 'Qualification certificate payload',
    section: '4.2',
  },
  cv: { schema: protocol.cvSchema, title: 'CV payload (self-authored)', section: '4.2' },
  'disclosure-statement': {
    schema: protocol.disclosureStatementSchema,
    title: 'Disclosure statement payload (self-authored)',
    section: '4.2',
  },
  'health-document-metadata': {
    schema: protocol.healthDocumentMetadataSchema,
    title: "A health document's envelope metadata block (the file is the plaintext)",
    section: '4.2',
  },
}

export const schemasDir = join(import.meta.dirname, '..', 'protocol-spec', 'schemas')

export function renderSchema(name: string): string {
  const entry = PUBLISHED_SCHEMAS[name]
  if (entry === undefined) throw new Error(`unknown schema ${name}`)
  // io: 'input' describes what a receiver accepts; unrepresentable: 'throw' keeps the files honest.
  const json = z.toJSONSchema(entry.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' })
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://holdall.org/spec/v1/schemas/${name}.schema.json`,
    title: entry.title,
    description: `Holdall protocol version 1, section ${entry.section}. Generated from @holdall/protocol by scripts/generate-schemas.ts; do not edit.`,
    ...Object.fromEntries(Object.entries(json).filter(([key]) => key !== '$schema')),
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

function main(check: boolean): number {
  const stale: string[] = []
  if (!check) mkdirSync(schemasDir, { recursive: true })
  const expected = new Set(Object.keys(PUBLISHED_SCHEMAS).map((name) => `${name}.schema.json`))
  for (const name of Object.keys(PUBLISHED_SCHEMAS)) {
    const path = join(schemasDir, `${name}.schema.json`)
    const text = renderSchema(name)
    if (check) {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name)
    } else writeFileSync(path, text)
  }
  for (const file of existsSync(schemasDir) ? readdirSync(schemasDir) : []) {
    if (!file.endsWith('.schema.json') || expected.has(file)) continue
    if (check) stale.push(`${file} (no longer generated)`)
    else rmSync(join(schemasDir, file))
  }
  if (check) {
    process.stdout.write(stale.length === 0 ? 'schemas up to date\n' : `stale: ${stale.join(', ')}\n`)
    return stale.length === 0 ? 0 : 1
  }
  process.stdout.write(`wrote ${expected.size} schemas to ${schemasDir}\n`)
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.includes('--check'))
