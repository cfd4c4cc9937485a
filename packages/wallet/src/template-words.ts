import type { Language } from './strings.js'

/*
 * Issue 21: the request template on the consent screen, in the phone's own English and Welsh
 * (template-notice.ts picks the lines by the trust-list category). One block, kept out of
 * strings.ts so it loads in its own chunk after the first screen, not in the first load. The same
 * rules as strings.ts apply and test/strings.test.ts checks them on both files.
 */
export const templateEn = {
  tplTitle: 'What they may ask for',
  tplOwnWords: 'Your phone wrote this, not {name}.',
  tplMayAsk: 'They may ask for: {items}.',
  tplAboutGp: 'A GP may ask about your health and medicines. This helps them care for you.',
  tplAboutPharmacy: 'A chemist may ask about your medicines. This is so they can give you your dose today.',
  tplAboutDrugService:
    'A drug service may ask about your medicines and health. This is so they can carry on your treatment.',
  tplAboutJobcentre: 'A Jobcentre may ask for your ID and address. This is to set up your benefits.',
  tplAboutBank: 'A bank may ask for your ID and address. This is to open a bank account.',
  tplAboutHousing: 'A housing officer may ask for your ID, address and licence. This is to find you a home.',
  tplAboutLandlord:
    'A landlord may ask for your ID. This is to check you can rent. They never see your health or licence.',
  tplAboutEmployer:
    'An employer may ask for your CV, ID and the courses you passed. They never see your health or licence.',
  tplAboutCollege: 'A college may ask for your CV, ID and the courses you passed. This is to give you a place.',
  tplAboutSupporter: 'Someone who helps you may ask to see your things. This is so they can help you.',
  tplAboutJustice: 'Prison, probation and police may ask about your licence. This is part of your sentence.',
  tplAboutPrisonHealthcare: 'Prison healthcare may ask about your health and medicines. This is to care for you.',
  tplAboutIdScheme: 'An ID service may ask for your ID. This is to prove who you are.',
  tplAboutUnknown: 'We could not check who they are. So we do not know what they may ask for.',
  tplOutsideTitle: 'This asks for too much',
  tplOutside: '{name} asked for things they are not allowed to ask for.',
  tplOutsideItem: 'Your phone will not share {item}.',
  tplTooLong: 'They asked for {days} days. They can only have it for {max} days.',
  tplTooLongOneDay: 'They asked for {days} days. They can only have it for one day.',
  tplOutsideSafe: 'You can still share the other things, or say no.',
} as const

export type TemplateKey = keyof typeof templateEn

export const templateCy: Record<TemplateKey, string> = {
  tplTitle: 'Beth y gallan nhw ofyn amdano',
  tplOwnWords: 'Eich ffôn ysgrifennodd hwn, nid {name}.',
  tplMayAsk: 'Gallan nhw ofyn am: {items}.',
  tplAboutGp: 'Gall meddyg teulu ofyn am eich iechyd a’ch meddyginiaethau. Mae hyn yn eu helpu i ofalu amdanoch chi.',
  tplAboutPharmacy: 'Gall fferyllfa ofyn am eich meddyginiaethau. Mae hyn er mwyn iddyn nhw roi eich dos i chi heddiw.',
  tplAboutDrugService:
    'Gall gwasanaeth cyffuriau ofyn am eich meddyginiaethau a’ch iechyd. Mae hyn er mwyn iddyn nhw barhau â’ch triniaeth.',
  tplAboutJobcentre:
    'Gall y Ganolfan Byd Gwaith ofyn am eich ID a’ch cyfeiriad. Mae hyn er mwyn trefnu eich budd-daliadau.',
  tplAboutBank: 'Gall banc ofyn am eich ID a’ch cyfeiriad. Mae hyn er mwyn agor cyfrif banc.',
  tplAboutHousing:
    'Gall swyddog tai ofyn am eich ID, eich cyfeiriad a’ch trwydded. Mae hyn er mwyn dod o hyd i gartref i chi.',
  tplAboutLandlord:
    'Gall landlord ofyn am eich ID. Mae hyn er mwyn gwirio y gallwch chi rentu. Dydyn nhw byth yn gweld eich iechyd na’ch trwydded.',
  tplAboutEmployer:
    'Gall cyflogwr ofyn am eich CV, eich tystysgrifau a’ch ID. Dydyn nhw byth yn gweld eich iechyd na’ch trwydded.',
  tplAboutCollege: 'Gall coleg ofyn am eich tystysgrifau, eich CV a’ch ID. Mae hyn er mwyn rhoi lle i chi.',
  tplAboutSupporter: 'Gall rhywun sy’n eich helpu ofyn i weld eich pethau. Mae hyn er mwyn iddyn nhw eich helpu chi.',
  tplAboutJustice: 'Gall y carchar, y gwasanaeth prawf a’r heddlu ofyn am eich trwydded. Mae hyn yn rhan o’ch dedfryd.',
  tplAboutPrisonHealthcare:
    'Gall gofal iechyd y carchar ofyn am eich iechyd a’ch meddyginiaethau. Mae hyn er mwyn gofalu amdanoch chi.',
  tplAboutIdScheme: 'Gall gwasanaeth ID ofyn am eich ID. Mae hyn er mwyn profi pwy ydych chi.',
  tplAboutUnknown:
    'Doedden ni ddim yn gallu gwirio pwy ydyn nhw. Felly dydyn ni ddim yn gwybod beth y gallan nhw ofyn amdano.',
  tplOutsideTitle: 'Mae hyn yn gofyn am ormod',
  tplOutside: 'Gofynnodd {name} am bethau nad oes hawl ganddyn nhw ofyn amdanyn nhw.',
  tplOutsideItem: 'Fydd eich ffôn ddim yn rhannu {item}.',
  tplTooLong: 'Gofynnon nhw am {days} diwrnod. Dim ond am {max} diwrnod y gallan nhw ei gael.',
  tplTooLongOneDay: 'Gofynnon nhw am {days} diwrnod. Dim ond am un diwrnod y gallan nhw ei gael.',
  tplOutsideSafe: 'Gallwch chi rannu’r pethau eraill o hyd, neu ddweud na.',
}

const TEXT = { en: templateEn, cy: templateCy } as const

/** One line in the holder's language; `{name}` values are inserted as text, never as markup. */
export function templateText(
  language: Language,
  key: TemplateKey,
  values: Record<string, string | number> = {},
): string {
  return TEXT[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  )
}
