import { RECORD_TYPES, type RecordType } from '@holdall/protocol'
import { describe, expect, it } from 'vitest'
import { consentChoices } from '../src/templates.js'
import { PRESSURE_CHECK_CATEGORIES } from '../src/words.js'

/* Issue 21: what the consent screen offers, by the category this app checked (spec 5.8.1). */
const everything = Object.keys(RECORD_TYPES) as RecordType[]

describe('consent choices follow the request template', () => {
  it('[TPL-04] scenario 11: housing never gets T5 detail as a choice, even when everything is asked for', () => {
    const { offered, withheld } = consentChoices(everything, 90, 'housing', false)
    expect(offered).toContain('licence_conditions')
    expect(offered).not.toContain('victim_protective_conditions')
    expect(withheld).toContain('victim_protective_conditions')
    expect(offered.every((type) => RECORD_TYPES[type].tier !== 'T5')).toBe(true)
  })

  it('[TPL-04] scenario 12: an employer is offered no health and no licence detail', () => {
    const { offered } = consentChoices(everything, 90, 'employer', false)
    expect(offered.sort()).toEqual(['cv', 'disclosure_statement', 'identity_document', 'qualification_certificate'])
  })

  it('[TPL-04] scenario 5: a pharmacy is offered the OST handover for one day at most', () => {
    const choices = consentChoices(['ost_handover', 'appointment'], 14, 'pharmacy', false)
    expect(choices).toEqual({ offered: ['ost_handover'], withheld: ['appointment'], days: 1 })
  })

  it('[TPL-04] categories without a template ask as before; the unverified get nothing restricted', () => {
    expect(consentChoices(['medication_list', 'licence_conditions'], 30, 'gp_surgery', false).offered).toEqual([
      'medication_list',
      'licence_conditions',
    ])
    expect(consentChoices(['ost_handover', 'appointment'], 30, 'unverified', false).offered).toEqual(['appointment'])
  })

  it('[TPL-03] the pressure question and cooling-off: a private landlord and an employer, never a council housing officer', () => {
    // Scenario 11 is a homelessness assessment: a 24-hour wait there would harm the person.
    expect(PRESSURE_CHECK_CATEGORIES).not.toContain('housing')
    for (const category of ['gp_surgery', 'pharmacy', 'probation', 'drug_service'])
      expect(PRESSURE_CHECK_CATEGORIES).not.toContain(category)
    for (const category of ['landlord', 'employer', 'supporter']) expect(PRESSURE_CHECK_CATEGORIES).toContain(category)
  })
})
