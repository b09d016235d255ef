import { describe, expect, it } from 'vitest'
import { en } from './en'
import { fi } from './fi'
import { formatDate, formatMoney } from './format'
import { initialLang, LANG_STORAGE_KEY, negotiate } from './languages'
import { sv } from './sv'

const NBSP = '\u00a0'

describe('dictionaries', () => {
  it('have the same keys in fi, sv and en', () => {
    const keys = Object.keys(fi).sort()
    expect(Object.keys(sv).sort()).toEqual(keys)
    expect(Object.keys(en).sort()).toEqual(keys)
  })

  it('have no empty texts and the same {placeholders}', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const [key, text] of Object.entries(fi) as [keyof typeof fi, string][]) {
      for (const dict of [fi, sv, en]) {
        expect(dict[key].trim(), key).not.toBe('')
        expect(names(dict[key]), key).toEqual(names(text))
      }
    }
  })
})

describe('formatMoney', () => {
  it('writes Finnish amounts as "1 234,50 €"', () => {
    expect(formatMoney('1234.50', 'EUR', 'fi')).toBe(`1${NBSP}234,50${NBSP}€`)
    expect(formatMoney('1234.5', 'EUR', 'fi')).toBe(`1${NBSP}234,50${NBSP}€`)
    expect(formatMoney('0', 'EUR', 'fi')).toBe(`0,00${NBSP}€`)
  })

  it('writes Swedish (Finland) and English amounts', () => {
    expect(formatMoney('1234.50', 'EUR', 'sv')).toBe(`1${NBSP}234,50${NBSP}€`)
    expect(formatMoney('1234.50', 'EUR', 'en')).toBe('€1,234.50')
  })

  it('keeps negative amounts (credit notes) and does not go through floats', () => {
    expect(formatMoney('-124.00', 'EUR', 'fi')).toBe(`\u2212124,00${NBSP}€`)
    // 2^53 + 1 cannot be a double; as a string it is formatted exactly
    expect(formatMoney('9007199254740993.10', 'EUR', 'en')).toBe('€9,007,199,254,740,993.10')
  })

  it('leaves something that is not a decimal as it is', () => {
    expect(formatMoney('n/a', 'EUR', 'fi')).toBe('n/a')
  })
})

describe('formatDate', () => {
  it('formats a calendar date per language without shifting the day', () => {
    expect(formatDate('2025-06-01', 'fi')).toBe('1.6.2025')
    expect(formatDate('2025-06-01', 'sv')).toBe('1 juni 2025')
    expect(formatDate('2025-06-01', 'en')).toBe('1 Jun 2025')
    expect(formatDate('2025-12-31', 'fi')).toBe('31.12.2025')
  })
})

describe('language choice', () => {
  it('follows the browser until the user picks one', () => {
    const nav = (languages: string[]) => ({ languages, language: languages[0] ?? '' })
    const store = (v: string | null) => ({ getItem: (k: string) => (k === LANG_STORAGE_KEY ? v : null) })
    expect(initialLang(store(null), nav(['sv-FI', 'fi']))).toBe('sv')
    expect(initialLang(store(null), nav(['de-DE', 'en-US']))).toBe('en')
    expect(initialLang(store(null), nav(['de-DE']))).toBe('fi')
    expect(initialLang(store('en'), nav(['sv-FI']))).toBe('en')
    expect(initialLang(store('xx'), nav(['sv']))).toBe('sv')
    expect(negotiate(undefined)).toBe('fi')
  })
})
