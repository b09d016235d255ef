// The product form as plain strings, and the API body made from it (pure: tested in product.test.ts).
import type { Schemas } from '../api/client'

export const SUGGESTED_UNITS = ['kpl', 'h', 'min', 'pv', 'vk', 'kk', 'v', 'km', 'm', 'm²', 'm³', 'kg', 't', 'l', 'erä', 'pkt', 'rs'] as const
export const VAT_CATEGORIES = ['S', 'Z', 'E', 'AE', 'K', 'G', 'O'] as const
export const RATE_CLASSES = [
  'general',
  'foodstuffs_restaurants',
  'books_medicines_culture_transport',
  'newspapers_periodicals',
  'public_broadcasting',
  'electricity',
  'menstrual_incontinence_diapers',
] as const

export const VAT_GROUNDS = [
  'zero_rated',
  'health_care',
  'social_welfare',
  'education',
  'financial_services',
  'insurance',
  'real_estate',
  'construction_reverse_charge',
  'eu_services_reverse_charge',
  'intra_community_supply',
  'export_outside_eu',
  'small_business',
] as const

export type VatCategory = (typeof VAT_CATEGORIES)[number]
export type RateClass = (typeof RATE_CLASSES)[number]

export interface ProductForm {
  code: string
  name_fi: string
  name_sv: string
  name_en: string
  unit: string
  unit_price: string
  prices_include_vat: boolean
  vat_category: VatCategory
  rate_class: RateClass
  vat_ground: string
}

export function emptyProductForm(): ProductForm {
  return {
    code: '',
    name_fi: '',
    name_sv: '',
    name_en: '',
    unit: 'kpl',
    unit_price: '',
    prices_include_vat: false,
    vat_category: 'S',
    rate_class: 'general',
    vat_ground: '',
  }
}

/** "1 234,50" -> "1234.50": the user's decimal comma and spaces; the API checks the rest. */
export function decimalInput(s: string): string {
  return s.replace(/[\s\u00a0]/g, '').replace(',', '.')
}

/** "85.000000" -> "85,00" style for the input in Finnish/Swedish; at least two decimals kept. */
export function decimalForInput(s: string, lang: string): string {
  const [int, frac = ''] = s.split('.')
  const trimmed = frac.replace(/0+$/, '').padEnd(2, '0')
  return `${int}${lang === 'en' ? '.' : ','}${trimmed}`
}

export function productFormFrom(p: Schemas['ProductRead'], lang: string): ProductForm {
  const names = p.names as Record<string, string | null | undefined>
  return {
    code: p.code ?? '',
    name_fi: names.fi ?? '',
    name_sv: names.sv ?? '',
    name_en: names.en ?? '',
    unit: p.unit,
    unit_price: decimalForInput(p.unit_price, lang),
    prices_include_vat: p.prices_include_vat,
    vat_category: p.vat_category,
    rate_class: p.rate_class ?? 'general',
    vat_ground: p.vat_ground ?? '',
  }
}

const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim())

export function productBody(f: ProductForm): Schemas['ProductCreate'] {
  const standard = f.vat_category === 'S'
  return {
    code: orNull(f.code),
    names: { fi: orNull(f.name_fi), sv: orNull(f.name_sv), en: orNull(f.name_en) },
    unit: f.unit.trim(),
    unit_price: decimalInput(f.unit_price),
    prices_include_vat: f.prices_include_vat,
    vat_category: f.vat_category,
    rate_class: standard ? f.rate_class : null,
    vat_ground: standard ? null : orNull(f.vat_ground),
  }
}

/** The product's name in the language, or the first one it has. */
export function productName(names: Record<string, string | null | undefined>, lang: string): string {
  return names[lang] || names.fi || names.sv || names.en || ''
}
