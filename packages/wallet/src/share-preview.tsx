import type { RecordPayload } from '@holdall/protocol'
import { calendarDay, dateWithYear, dayAndDate, timeOnly, useLanguage } from './i18n.js'
import { medicineKind, medicineShortName } from './running-out.js'
import type { StringKey } from './strings.js'

/** One line the service will read, and whether it tells them something private. */
export interface PreviewLine {
  readonly text: string
  /** Said plainly under the line: "This shows you take methadone." */
  readonly warning?: string | undefined
}

type Translate = (key: StringKey, values?: Record<string, string | number>) => string

const fullDate = (language: 'en' | 'cy', iso: string) => dateWithYear(language, calendarDay(iso))

/** "943 476 5919": the NHS number as it is printed on letters, easier to check. */
const nhsNumber = (n: string) => `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`

/**
 * What a service reads in a record, line by line, in plain words, drawn from the record itself
 * (issue 17, point 2). The sensitive lines say what they show.
 */
export function previewLines(payload: RecordPayload, t: Translate, language: 'en' | 'cy'): PreviewLine[] {
  switch (payload.recordType) {
    case 'medication_list': {
      const lines: PreviewLine[] = [
        { text: t('previewName', { name: payload.patient.name }) },
        { text: t('previewBirthDate', { date: fullDate(language, payload.patient.birthDate) }) },
        { text: t('previewNhsNumber', { number: nhsNumber(payload.patient.nhsNumber) }) },
        {
          text: t('previewFrom', { name: payload.issuingOrganisation.name }),
          warning: payload.patient.prisonNumber === undefined ? undefined : t('previewShowsPrison'),
        },
      ]
      for (const m of payload.medicines) {
        const kind = medicineKind(m)
        lines.push({
          text: m.indication
            ? t('previewMedicineFor', { name: m.medication.display, why: m.indication })
            : m.medication.display,
          warning:
            kind === 'opioidSubstitution'
              ? t('previewShowsTake', { name: medicineShortName(m) })
              : kind === 'controlled'
                ? t('previewShowsControlled', { name: medicineShortName(m) })
                : m.supervisedConsumption
                  ? t('previewShowsSupervised')
                  : undefined,
        })
      }
      lines.push({
        text:
          payload.allergies.length === 0
            ? t('previewNoAllergies')
            : t('previewAllergies', { list: payload.allergies.map((a) => a.substance).join(', ') }),
      })
      return lines
    }
    case 'licence_conditions':
      return [
        { text: t('previewLicence'), warning: t('previewShowsPrison') },
        { text: t('licenceEnds', { date: fullDate(language, payload.licenceExpiryDate) }) },
        { text: t('licenceOfficer', { name: payload.supervisingOfficer.name }) },
        ...[...payload.standardConditions, ...payload.additionalConditions, ...payload.bespokeConditions].map((c) => ({
          text: c.text,
        })),
      ]
    case 'victim_protective_conditions':
      return payload.conditions.map((c) => ({ text: c.text }))
    case 'appointment':
      return [
        {
          text: t('appointmentAt', {
            what: payload.with,
            date: `${dayAndDate(language, new Date(payload.time))} ${timeOnly(language, new Date(payload.time))}`,
            place: payload.address,
          }),
        },
      ]
    case 'identity_document':
      return [
        { text: t('idDocument', { what: payload.documentType.replace(/_/g, ' '), by: payload.issuer }) },
        ...(payload.number === undefined ? [] : [{ text: t('previewIdNumber', { number: payload.number }) }]),
      ]
    default:
      return []
  }
}

/** The lines of the records of one type, as a list under its checkbox. */
export function SharePreview({ payloads, id }: { readonly payloads: readonly RecordPayload[]; readonly id: string }) {
  const { t, language } = useLanguage()
  if (payloads.length === 0) return <p class="hint preview-none">{t('previewNothingYet')}</p>
  return (
    <ul class="preview" id={id} aria-label={t('previewLabel')}>
      {payloads.flatMap((payload) =>
        previewLines(payload, t, language).map((line, i) => (
          <li key={`${payload.recordType}-${i}`}>
            {line.text}
            {line.warning && <strong class="preview-warning">{line.warning}</strong>}
          </li>
        )),
      )}
    </ul>
  )
}
