import { LOCALES, type Lang } from './languages'

const moneyFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * A money amount as the API sends it (a decimal string such as "1234.50") in the user's language:
 * fi "1 234,50 €", sv "1 234,50 €", en "€1,234.50". The string goes to Intl as it is, so the
 * amount is never turned into a binary float.
 */
export function formatMoney(amount: string, currency: string, lang: Lang): string {
  const key = `${lang}|${currency}`
  let nf = moneyFormats.get(key)
  if (!nf) {
    nf = new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency, minimumFractionDigits: 2 })
    moneyFormats.set(key, nf)
  }
  if (!/^-?\d+(\.\d+)?$/.test(amount)) return amount
  return nf.format(amount as Intl.StringNumericLiteral)
}

/** A calendar date ("2025-06-01", no time zone) in the user's language: fi "1.6.2025", sv "1 juni 2025", en "1 Jun 2025". */
export function formatDate(isoDate: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate)
  if (!m) return isoDate
  let df = dateFormats.get(lang)
  if (!df) {
    // UTC on both sides, so the day never shifts with the device's time zone.
    df = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeZone: 'UTC' })
    dateFormats.set(lang, df)
  }
  return df.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))))
}

const monthFormats = new Map<string, Intl.DateTimeFormat>()
const instantFormats = new Map<string, Intl.DateTimeFormat>()

/** A month ("2026-03") in the user's language: fi "maalisk. 2026", en "Mar 2026"; `long` spells it out. */
export function formatMonth(isoMonth: string, lang: Lang, long = false): string {
  const m = /^(\d{4})-(\d{2})$/.exec(isoMonth)
  if (!m) return isoMonth
  const key = `${lang}|${long}`
  let df = monthFormats.get(key)
  if (!df) {
    df = new Intl.DateTimeFormat(LOCALES[lang], { month: long ? 'long' : 'short', year: 'numeric', timeZone: 'UTC' })
    monthFormats.set(key, df)
  }
  return df.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)))
}

/** An instant ("2026-03-05T10:00:00Z") as the device's local date and time in the user's language. */
export function formatInstant(iso: string, lang: Lang): string {
  const when = new Date(iso)
  if (Number.isNaN(when.getTime())) return iso
  let df = instantFormats.get(lang)
  if (!df) {
    df = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'short', timeStyle: 'short' })
    instantFormats.set(lang, df)
  }
  return df.format(when)
}
