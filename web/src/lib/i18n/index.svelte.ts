// The chosen language as reactive state, and t() for the strings. Components read `t(...)` in
// their markup, so a language change re-renders them.
import { en } from './en'
import { fi, type Dictionary, type MessageKey } from './fi'
import { formatDate, formatMoney } from './format'
import { initialLang, LANG_STORAGE_KEY, type Lang } from './languages'
import { sv } from './sv'

export type { MessageKey } from './fi'
export { LANGUAGES, type Lang } from './languages'

export const dictionaries: Record<Lang, Dictionary> = { fi, sv, en }

export const i18n = $state<{ lang: Lang; chosen: boolean }>({
  lang: initialLang(globalThis.localStorage, globalThis.navigator),
  chosen: false,
})

function applyDocumentLang(lang: Lang): void {
  if (typeof document !== 'undefined') document.documentElement.lang = lang
}
applyDocumentLang(i18n.lang)

/** The user picked a language: remember it (it then wins over navigator.language). */
export function setLang(lang: Lang): void {
  i18n.lang = lang
  i18n.chosen = true
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang)
  } catch {
    // not remembered; still used in this tab
  }
  applyDocumentLang(lang)
}

/** Another tab picked a language. */
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === LANG_STORAGE_KEY && e.newValue && (e.newValue === 'fi' || e.newValue === 'sv' || e.newValue === 'en')) {
      i18n.lang = e.newValue
      applyDocumentLang(e.newValue)
    }
  })
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[lang][key] ?? fi[key]
  return params ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : text
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(i18n.lang, key, params)
}

export const money = (amount: string, currency = 'EUR'): string => formatMoney(amount, currency, i18n.lang)
export const date = (isoDate: string | null | undefined): string => (isoDate ? formatDate(isoDate, i18n.lang) : '')
