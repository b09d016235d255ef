export const LANGUAGES = ['fi', 'sv', 'en'] as const
export type Lang = (typeof LANGUAGES)[number]
export const DEFAULT_LANG: Lang = 'fi'
export const LANG_STORAGE_KEY = 'laskutin.lang'

/** The BCP 47 locale used with Intl for each language (Finnish conventions for all three). */
export const LOCALES: Record<Lang, string> = { fi: 'fi-FI', sv: 'sv-FI', en: 'en-FI' }

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

/** The first of fi, sv, en among the browser's preferred languages (regions ignored), else fi. */
export function negotiate(preferred: readonly string[] | undefined): Lang {
  for (const tag of preferred ?? []) {
    const primary = tag.toLowerCase().split(/[-_]/)[0]
    if (isLang(primary)) return primary
  }
  return DEFAULT_LANG
}

/** The user's pick (localStorage) wins; otherwise the browser's languages decide. */
export function initialLang(storage: Pick<Storage, 'getItem'> | undefined, nav: Pick<Navigator, 'languages' | 'language'> | undefined): Lang {
  let stored: string | null = null
  try {
    stored = storage?.getItem(LANG_STORAGE_KEY) ?? null
  } catch {
    // storage can be blocked (private mode, policies): follow the browser
  }
  if (isLang(stored)) return stored
  const prefs = nav ? (nav.languages?.length ? nav.languages : [nav.language]) : undefined
  return negotiate(prefs)
}
